"""Roster rows and declarations (panels.domain.roster): each rule takes good cells and refuses bad ones, naming the
column and saying what is wrong, as the import report and the office's and members' forms show it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panels.domain.roster import (
    MAX_PANELS_LIMIT,
    ROLE_LABELS,
    MemberInput,
    Period,
    RowError,
    available_on,
    normalise_headers,
    parse_member_row,
    parse_periods,
    parse_role,
    periods_json,
    split_list,
)

pytestmark = pytest.mark.unit
# Property tests run without a deadline: a busy machine slows the first example, not the property.

ROLES_MESSAGE = "律师、人大代表/政协委员、群众代表、专家、镇街代表"
SEPARATORS = [",", "，", "、", ";", "；", " ", "\t", "\n", "、 ", " ,  "]
PERIOD_SEPARATORS = ["至", " 至 ", "到", " 到 ", "~", " ~ ", "～", "—", "--", " -- "]


def _row(**cells: object) -> dict[str, object]:
    """A valid row in English headers, with `cells` changed (None: the cell left out)."""
    row: dict[str, object] = {"name": "张三", "role": "lawyer", "district": "武侯区"}
    row.update(cells)
    return {key: value for key, value in row.items() if value is not None}


def _refused(row: dict[str, object]) -> RowError:
    with pytest.raises(RowError) as caught:
        parse_member_row(row)
    return caught.value


# --- RowError ----------------------------------------------------------------------------------


def test_row_error_carries_its_column_and_message() -> None:
    error = RowError("role", "角色无法识别")

    assert (error.field, error.message, str(error)) == ("role", "角色无法识别", "角色无法识别")
    assert isinstance(error, ValueError)


# --- split_list ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "items"), [
    ("CDJT、CDSW", ("CDJT", "CDSW")),
    ("CDJT，CDSW,CDZJ", ("CDJT", "CDSW", "CDZJ")),
    ("道路; 交通；住房", ("道路", "交通", "住房")),
    ("  CDJT  \n CDSW\t", ("CDJT", "CDSW")),
    ("CDJT、、，CDSW", ("CDJT", "CDSW")),
    ("CDJT、CDSW、CDJT", ("CDJT", "CDSW")),  # repeats dropped, first place kept
    ("", ()),
    ("  、， ", ()),
    (None, ()),
    (5, ("5",)),
])
def test_split_list_of_a_cell(cell: object, items: tuple[str, ...]) -> None:
    assert split_list(cell) == items


@pytest.mark.parametrize(("value", "items"), [
    (["CDJT", " CDSW ", "", None, "CDJT"], ("CDJT", "CDSW")),
    (("道路", "交通"), ("道路", "交通")),
    (["住房 保障"], ("住房 保障",)),  # a JSON list's items are taken whole, not split again
    ([], ()),
])
def test_split_list_of_a_json_list(value: object, items: tuple[str, ...]) -> None:
    assert split_list(value) == items


_token = st.text(alphabet=st.characters(categories=("L", "N"), include_characters="_-."), min_size=1, max_size=8)


@settings(deadline=None)
@given(st.lists(_token, max_size=12), st.lists(st.sampled_from(SEPARATORS), min_size=12, max_size=12))
def test_split_list_takes_back_tokens_joined_by_any_separators(tokens: list[str], separators: list[str]) -> None:
    cell = "".join(token + separator for token, separator in zip(tokens, separators, strict=False))

    assert split_list(cell) == tuple(dict.fromkeys(tokens))


@settings(deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(st.one_of(st.none(), st.text(max_size=10)), max_size=8)))
def test_split_list_items_are_trimmed_unique_non_blank_and_stable(value: object) -> None:
    items = split_list(value)

    assert all(item and item == item.strip() for item in items)
    assert len(set(items)) == len(items)
    assert split_list(list(items)) == items


# --- roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(ROLE_LABELS))
def test_parse_role_takes_every_code_and_its_label(code: str) -> None:
    assert parse_role(code) == code
    assert parse_role(f"  {code} ") == code
    assert parse_role(ROLE_LABELS[code]) == code


@pytest.mark.parametrize(("word", "code"), [
    ("律师", "lawyer"), ("人大代表", "deputy"), ("政协委员", "deputy"), ("人大代表/政协委员", "deputy"),
    ("群众代表", "resident"), ("居民代表", "resident"), ("专家", "expert"), ("镇街代表", "township"),
    ("镇（街）代表", "township"), (" 专家\n", "expert"),
])
def test_parse_role_takes_what_spreadsheets_write(word: str, code: str) -> None:
    assert parse_role(word) == code


@pytest.mark.parametrize("word", ["", "Lawyer", "LAWYER", "律 师", "代表", "member", "office"])
def test_parse_role_refuses_anything_else_and_lists_the_roles(word: str) -> None:
    with pytest.raises(RowError) as caught:
        parse_role(word)

    assert caught.value.field == "role"
    assert caught.value.message == f"角色“{word.strip()}”无法识别，应为：{ROLES_MESSAGE}"


def test_parse_role_of_an_empty_cell() -> None:
    with pytest.raises(RowError, match="^角色“”无法识别"):
        parse_role(None)


@settings(deadline=None)
@given(st.text(max_size=12))
def test_parse_role_yields_a_code_or_refuses_with_the_role_column(text: str) -> None:
    try:
        role = parse_role(text)
    except RowError as error:
        assert error.field == "role"
    else:
        assert role in ROLE_LABELS


# --- headers -------------------------------------------------------------------------------------


def test_normalise_headers_maps_chinese_headers_and_keeps_the_rest() -> None:
    row = {" 姓名 ": "张三", "角色": "律师", "所在区": "武侯区", "社区": "玉林社区", "工作单位": "某律所",
           "关联部门": "CDJT", "关联组织": "律协", "专业领域": "交通", "同时在评上限": "4", "启用": "是",
           "登录名": "zhang3", "备注": "x", "email ": "a@b"}

    assert normalise_headers(row) == {
        "name": "张三", "role": "律师", "district": "武侯区", "community": "玉林社区", "employer": "某律所",
        "affiliations": "CDJT", "organisations": "律协", "expertise": "交通", "max_panels": "4", "active": "是",
        "username": "zhang3", "备注": "x", "email": "a@b",
    }


def test_normalise_headers_takes_both_district_headers() -> None:
    assert normalise_headers({"区域": "武侯区"}) == {"district": "武侯区"}
    assert normalise_headers({"所在区": "锦江区"}) == {"district": "锦江区"}


# --- member rows ---------------------------------------------------------------------------------


def test_a_minimal_row_gets_the_defaults() -> None:
    assert parse_member_row(_row()) == MemberInput(name="张三", role="lawyer", district="武侯区")
    member = parse_member_row(_row())
    assert (member.max_panels, member.active, member.affiliations, member.username) == (3, True, (), "")


def test_a_full_chinese_row() -> None:
    row = {"姓名": " 李四 ", "角色": "群众代表", "区域": "武侯区", "社区": " 玉林社区", "工作单位": "社区居委会",
           "关联部门": "cdjt、Cdsw", "关联组织": "业委会，志愿者协会", "专业领域": "物业 交通",
           "同时在评上限": "5", "启用": "否", "登录名": "li.si-2"}

    assert parse_member_row(row) == MemberInput(
        name="李四", role="resident", district="武侯区", community="玉林社区", employer="社区居委会",
        affiliations=("CDJT", "CDSW"), organisations=("业委会", "志愿者协会"), expertise=("物业", "交通"),
        max_panels=5, active=False, username="li.si-2")


def test_json_lists_are_taken_as_lists() -> None:
    member = parse_member_row(_row(affiliations=["cdjt", "CDSW"], expertise=["住房 保障", ""]))

    assert (member.affiliations, member.expertise) == (("CDJT", "CDSW"), ("住房 保障",))


@pytest.mark.parametrize("name", [None, "", "   ", "\n"])
def test_a_name_is_required(name: object) -> None:
    error = _refused(_row(name=name))
    assert (error.field, error.message) == ("name", "姓名不能为空")


def test_a_name_holds_at_most_64_characters() -> None:
    assert parse_member_row(_row(name="名" * 64)).name == "名" * 64
    assert parse_member_row(_row(name=" " + "名" * 64 + " ")).name == "名" * 64  # counted after trimming
    error = _refused(_row(name="名" * 65))
    assert (error.field, error.message) == ("name", "姓名过长（最多 64 个字）")


@pytest.mark.parametrize("district", [None, "", "  "])
def test_a_district_is_required(district: object) -> None:
    error = _refused(_row(district=district))
    assert (error.field, error.message) == ("district", "区域不能为空")


def test_a_role_is_required_and_must_be_known() -> None:
    assert _refused(_row(role=None)).field == "role"
    error = _refused(_row(role="评议员"))
    assert (error.field, error.message) == ("role", f"角色“评议员”无法识别，应为：{ROLES_MESSAGE}")


@pytest.mark.parametrize("username", ["abc", "zhang_san", "li.si-2", "A1_.-", "u" * 64, " padded "])
def test_usernames_of_letters_digits_and_marks(username: str) -> None:
    assert parse_member_row(_row(username=username)).username == username.strip()


@pytest.mark.parametrize("username", ["ab", "u" * 65, "张三", "zhang san", "a@b.c", "name!", "a/b"])
def test_other_usernames_are_refused(username: str) -> None:
    error = _refused(_row(username=username))
    assert (error.field, error.message) == ("username", "登录名只能包含字母、数字和 _ . -，长度 3–64")


def test_an_empty_username_means_no_login() -> None:
    assert parse_member_row(_row(username="  ")).username == ""


@pytest.mark.parametrize(("cell", "number"), [
    (None, 3), ("", 3), ("  ", 3), ("1", 1), (" 7 ", 7), (str(MAX_PANELS_LIMIT), MAX_PANELS_LIMIT), (4, 4),
    (4.0, 4), ("4.0", 4), ("1e1", 10),  # a spreadsheet's number cell reads as a float
])
def test_max_panels_within_the_limit(cell: object, number: int) -> None:
    assert parse_member_row(_row(max_panels=cell)).max_panels == number


@pytest.mark.parametrize("cell", ["0", "-1", "21", "100", 0, 21])
def test_max_panels_outside_the_limit(cell: object) -> None:
    error = _refused(_row(max_panels=cell))
    assert (error.field, error.message) == ("max_panels", f"同时在评上限应在 1 到 {MAX_PANELS_LIMIT} 之间")


@pytest.mark.parametrize("cell", ["三", "abc", "4个", "nan", "1,5", True])
def test_max_panels_that_is_no_number(cell: object) -> None:
    error = _refused(_row(max_panels=cell))
    assert (error.field, error.message) == ("max_panels", f"同时在评上限“{str(cell).strip()}”不是整数")


@pytest.mark.parametrize("cell", ["inf", "1e400"])
def test_max_panels_that_is_infinite_is_refused_as_the_column(cell: str) -> None:
    assert _refused(_row(max_panels=cell)).field == "max_panels"


def test_max_panels_with_a_fraction_is_refused() -> None:
    error = _refused(_row(max_panels="3.5"))
    assert (error.field, error.message) == ("max_panels", "同时在评上限“3.5”不是整数")


@settings(deadline=None)
@given(st.integers(min_value=-1000, max_value=1000), st.booleans())
def test_max_panels_accepts_exactly_one_to_the_limit(number: int, as_text: bool) -> None:
    cell = str(number) if as_text else number
    if 1 <= number <= MAX_PANELS_LIMIT:
        assert parse_member_row(_row(max_panels=cell)).max_panels == number
    else:
        assert _refused(_row(max_panels=cell)).field == "max_panels"


@pytest.mark.parametrize("cell", [None, "", "是", "1", "true", "TRUE", "Yes", "yes", "启用", " 是 ", True, 1])
def test_active_yes(cell: object) -> None:
    assert parse_member_row(_row(active=cell)).active is True


@pytest.mark.parametrize("cell", ["否", "0", "false", "False", "NO", "no", "停用", False, 0])
def test_active_no(cell: object) -> None:
    assert parse_member_row(_row(active=cell)).active is False


@pytest.mark.parametrize(("cell", "shown"), [("也许", "也许"), ("Y", "y"), ("2", "2"), ("1.0", "1.0")])
def test_active_anything_else(cell: str, shown: str) -> None:
    error = _refused(_row(active=cell))
    assert (error.field, error.message) == ("active", f"启用一栏“{shown}”应为 是 或 否")


def test_affiliations_are_upper_cased() -> None:
    assert parse_member_row(_row(affiliations="cdjt、cdsw")).affiliations == ("CDJT", "CDSW")


def test_affiliations_differing_only_in_case_are_one_code() -> None:
    assert parse_member_row(_row(affiliations="cdjt、CDJT")).affiliations == ("CDJT",)


def test_the_first_bad_column_is_reported() -> None:
    # name, district and username are checked first, then the columns in the row's order
    assert _refused(_row(name="", district="", role="x")).field == "name"
    assert _refused(_row(district="", role="x", username="!")).field == "district"
    assert _refused(_row(role="x", username="!")).field == "username"
    assert _refused(_row(role="x", max_panels="0", active="?")).field == "role"
    assert _refused(_row(max_panels="0", active="?")).field == "max_panels"


@settings(deadline=None)
@given(name=st.text(max_size=70), district=st.text(max_size=5), role=st.sampled_from([*ROLE_LABELS, "x"]))
def test_a_row_is_taken_only_when_each_rule_holds(name: str, district: str, role: str) -> None:
    good = bool(name.strip()) and len(name.strip()) <= 64 and bool(district.strip()) and role in ROLE_LABELS
    try:
        member = parse_member_row({"姓名": name, "区域": district, "角色": role})
    except RowError as error:
        assert not good
        assert error.field in ("name", "district", "role")
    else:
        assert good
        assert (member.name, member.district, member.role) == (name.strip(), district.strip(), role)


# --- declared periods ----------------------------------------------------------------------------


def test_periods_from_json() -> None:
    assert parse_periods([{"from": "2026-12-01", "to": "2026-12-15"}, {"from": " 2026-11-03", "to": "2026-11-03 "}]) \
        == (Period(date(2026, 11, 3), date(2026, 11, 3)), Period(date(2026, 12, 1), date(2026, 12, 15)))


@pytest.mark.parametrize("separator", PERIOD_SEPARATORS)
def test_periods_from_lines_with_any_separator(separator: str) -> None:
    assert parse_periods(f"2026-12-01{separator}2026-12-15") == (Period(date(2026, 12, 1), date(2026, 12, 15)),)


def test_periods_from_several_lines_are_sorted_and_blank_lines_skipped() -> None:
    text = "\n 2027-01-10 至 2027-01-20 \n\n2026-12-01 到 2026-12-15\n2026-12-01 ~ 2026-12-02\n   \n"

    assert parse_periods(text) == (
        Period(date(2026, 12, 1), date(2026, 12, 2)),
        Period(date(2026, 12, 1), date(2026, 12, 15)),
        Period(date(2027, 1, 10), date(2027, 1, 20)),
    )


def test_a_line_with_one_day_is_that_day() -> None:
    assert parse_periods("2026-12-24") == (Period(date(2026, 12, 24), date(2026, 12, 24)),)


@pytest.mark.parametrize("value", [None, "", " \n ", []])
def test_no_periods(value: object) -> None:
    assert parse_periods(value) == ()


@pytest.mark.parametrize(("value", "start", "end"), [
    ("2026-12-01 至 2026-13-01", "2026-12-01", "2026-13-01"),
    ("12月1日 至 12月15日", "12月1日", "12月15日"),
    ("2026/12/01 至 2026/12/15", "2026/12/01", "2026/12/15"),
    ("2026-12-01 2026-12-15", "2026-12-01 2026-12-15", "2026-12-01 2026-12-15"),  # no separator
    ([{"from": "2026-12-01"}], "2026-12-01", ""),
    ([{"from": "2026-02-30", "to": "2026-03-01"}], "2026-02-30", "2026-03-01"),
])
def test_dates_not_written_as_iso_days(value: object, start: str, end: str) -> None:
    with pytest.raises(RowError) as caught:
        parse_periods(value)

    assert caught.value.field == "unavailable"
    assert caught.value.message == f"日期“{start} 至 {end}”应写作 2026-12-01 至 2026-12-15"


@pytest.mark.parametrize("item", ["2026-12-01", ["2026-12-01", "2026-12-02"], None])
def test_json_items_must_be_objects(item: object) -> None:
    with pytest.raises(RowError) as caught:
        parse_periods([{"from": "2026-12-01", "to": "2026-12-02"}, item])

    assert (caught.value.field, caught.value.message) == ("unavailable", "不能参加评议的时段格式有误")


@pytest.mark.parametrize("value", ["2026-12-15 至 2026-12-01", [{"from": "2026-12-15", "to": "2026-12-01"}]])
def test_a_period_may_not_end_before_it_starts(value: object) -> None:
    with pytest.raises(RowError) as caught:
        parse_periods(value)

    assert (caught.value.field, caught.value.message) == ("unavailable", "时段 2026-12-15 至 2026-12-01 的结束早于开始")


def test_periods_json_writes_what_parse_periods_reads() -> None:
    periods = (Period(date(2026, 12, 1), date(2026, 12, 15)), Period(date(2027, 1, 2), date(2027, 1, 2)))

    assert periods_json(periods) == [{"from": "2026-12-01", "to": "2026-12-15"},
                                     {"from": "2027-01-02", "to": "2027-01-02"}]
    assert periods_json(()) == []


_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
_periods = st.lists(st.tuples(_days, st.integers(min_value=0, max_value=60)), max_size=6).map(
    lambda pairs: [Period(start, start + timedelta(days=length)) for start, length in pairs])


@settings(deadline=None)
@given(_periods)
def test_periods_json_round_trips_sorted(periods: list[Period]) -> None:
    expected = tuple(sorted(periods, key=lambda p: (p.start, p.end)))

    assert parse_periods(periods_json(tuple(periods))) == expected


@settings(deadline=None)
@given(_periods, st.lists(st.sampled_from(PERIOD_SEPARATORS), min_size=6, max_size=6))
def test_periods_written_as_lines_read_back(periods: list[Period], separators: list[str]) -> None:
    text = "\n".join(f"{p.start.isoformat()}{separator}{p.end.isoformat()}"
                     for p, separator in zip(periods, separators, strict=False))

    assert parse_periods(text) == tuple(sorted(periods, key=lambda p: (p.start, p.end)))


@settings(deadline=None)
@given(_days, _days)
def test_a_period_whose_end_comes_first_is_refused(first: date, second: date) -> None:
    start, end = max(first, second), min(first, second)
    try:
        parsed = parse_periods([{"from": start.isoformat(), "to": end.isoformat()}])
    except RowError as error:
        assert start > end and error.field == "unavailable"
    else:
        assert start == end and parsed == (Period(start, end),)


# --- availability --------------------------------------------------------------------------------


def test_a_period_covers_both_of_its_ends() -> None:
    period = Period(date(2026, 12, 1), date(2026, 12, 15))

    assert [period.covers(date(2026, 12, d)) for d in (1, 15)] == [True, True]
    assert [period.covers(day) for day in (date(2026, 11, 30), date(2026, 12, 16))] == [False, False]


def test_available_on_a_day_outside_every_period() -> None:
    periods = parse_periods("2026-12-01 至 2026-12-15\n2026-12-24")

    assert available_on(periods, date(2026, 11, 30))
    assert not available_on(periods, date(2026, 12, 1))
    assert not available_on(periods, date(2026, 12, 15))
    assert available_on(periods, date(2026, 12, 16))
    assert not available_on(periods, date(2026, 12, 24))
    assert available_on(periods, date(2026, 12, 25))
    assert available_on((), date(2026, 12, 1))


@settings(deadline=None)
@given(_periods, _days)
def test_available_on_means_no_period_holds_the_day(periods: list[Period], day: date) -> None:
    assert available_on(tuple(periods), day) == all(day < p.start or day > p.end for p in periods)
