"""Personal data masking (DESIGN §8): identifiers go, the surname and ordinary numbers stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.core.privacy import Complainant, mask_case_row, mask_name, mask_text, masker

pytestmark = pytest.mark.unit

PHONE = "［电话已隐去］"
ID = "［身份证号已隐去］"
HOUSE = "［门牌已隐去］"
ADDRESS = "［地址已隐去］"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王小明", "王某"),
        ("李娜", "李某"),
        ("欧阳娜娜", "欧阳某"),
        ("欧阳修", "欧阳某"),
        ("司马相如", "司马某"),
        ("诸葛亮", "诸葛某"),
        (" 张三 ", "张某"),
        ("", ""),
    ],
)
def test_mask_name_keeps_surname_only(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_name_single_character_surname_resembling_compound_kept_single() -> None:
    # 司 alone is a surname too; only the full two-character prefix marks a compound surname.
    assert mask_name("司小红") == "司某"
    assert mask_name("欧小明") == "欧某"


@pytest.mark.parametrize(
    ("name", "kept"),
    [("王小明", "王某"), ("欧阳娜娜", "欧阳某"), ("司马光", "司马某")],
)
def test_mask_text_replaces_every_occurrence_of_given_name(name: str, kept: str) -> None:
    text = f"诉求人{name}称，{name}多次致电未果。"

    masked = mask_text(text, names=(name,))

    assert name not in masked
    assert masked == f"诉求人{kept}称，{kept}多次致电未果。"


def test_mask_text_longer_name_masked_before_its_prefix() -> None:
    masked = mask_text("王小明与王小说明情况", names=("王小", "王小明"))

    assert masked == "王某乙与王某甲说明情况"  # persons of one surname in the order held


@pytest.mark.parametrize(
    "phone",
    [
        "13800001234",
        "+8613800001234",
        "+86 13800001234",
        "+86-138-0000-1234",
        "86 138 0000 1234",
        "138 0000 1234",
        "138-0000-1234",
        "19912345678",
    ],
)
def test_mask_text_removes_mobile_numbers(phone: str) -> None:
    masked = mask_text(f"联系电话：{phone}，请回电。")

    assert masked == f"联系电话：{PHONE}，请回电。"


@pytest.mark.parametrize(
    "phone", ["028-12345678", "028-87654321", "028 87654321", "0871-6543210", "87654321"]
)
def test_mask_text_removes_landlines(phone: str) -> None:
    masked = mask_text(f"座机{phone}无人接听")

    assert masked == f"座机{PHONE}无人接听"
    assert not re.search(r"[0-9]{4}", masked)


@pytest.mark.parametrize(
    "id_number",
    ["51010719900307123X", "51010719900307123x", "110105198001011234", "440301200012319876"],
)
def test_mask_text_removes_18_digit_id_numbers(id_number: str) -> None:
    masked = mask_text(f"身份证号{id_number}。")

    assert masked == f"身份证号{ID}。"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("3栋2单元501室", HOUSE),
        ("12号楼1单元", HOUSE),
        ("二单元十五号", HOUSE),
        ("5幢1802室", HOUSE),
        ("7-1-1203", HOUSE),
        ("B座1203", HOUSE),
        ("3号院2门", HOUSE),
    ],
)
def test_mask_text_removes_house_numbers(address: str, expected: str) -> None:
    masked = mask_text(f"玉林社区{address}漏水")

    assert masked == f"玉林社区{expected}漏水"
    assert not re.search(r"[0-9]", masked)


def test_mask_text_given_address_replaced_whole() -> None:
    masked = mask_text("住武侯区玉林北路8号附3号，反映噪声。", addresses=("玉林北路8号附3号",))

    assert masked == f"住武侯区{ADDRESS}，反映噪声。"


@pytest.mark.parametrize(
    "text",
    [
        "2026年收到诉求",
        "市民拨打12345热线反映",
        "共计235件",
        "金额1500元",
        "第3次来电",
        "9:30至17:00办公",
    ],
)
def test_mask_text_keeps_ordinary_numbers(text: str) -> None:
    assert mask_text(text) == text


@pytest.mark.parametrize("text", ["2026年10月8号来电", "地铁1号线施工"])
def test_mask_text_keeps_dates_and_line_numbers_written_with_hao(text: str) -> None:
    # 号 also writes a day of the month and a metro line; masking those garbles the published ruling.
    assert mask_text(text) == text


def test_mask_text_everything_at_once() -> None:
    text = (
        "诉求人欧阳娜娜（身份证51010719900307123X，电话+86 138-0000-1234，座机028-87654321）"
        "住玉林社区3栋2单元501室，2026年通过12345热线反映。"
    )

    masked = mask_text(text, names=("欧阳娜娜",))

    assert masked == (
        f"诉求人欧阳某（身份证{ID}，电话{PHONE}，座机{PHONE}）住玉林社区{HOUSE}，2026年通过12345热线反映。"
    )


_mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
_prose = st.text(alphabet="诉求人反映情况，。年月日热线社区", max_size=12)


@given(before=_prose, mobile=_mobiles, after=_prose)
def test_mask_text_any_mobile_in_prose_removed(before: str, mobile: str, after: str) -> None:
    masked = mask_text(before + mobile + after)

    assert mobile not in masked
    assert masked == before + PHONE + after


@given(year=st.integers(min_value=1990, max_value=2099), count=st.integers(min_value=0, max_value=99999))
def test_mask_text_short_numbers_kept(year: int, count: int) -> None:
    text = f"{year}年受理{count}件"

    assert mask_text(text) == text


KNOWN = Complainant(name="王小明", phone="13812345678", id_number="51010419900101123X",
                    address="玉林南路12号3栋2单元501室")  # fmt: skip


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "１３８１２３４５６７８",
        "138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "1 3 8 1 2 3 4 5 6 7 8",
        "+86 138 1234 5678",
        "+86-13812345678",
        "0086 13812345678",
        "８６－１３８－１２３４－５６７８",
    ],
)
def test_mask_text_known_phone_removed_however_written(written: str) -> None:
    masked = mask_text(f"请拨{written}联系", known=KNOWN)

    assert masked == f"请拨{PHONE}联系"


@pytest.mark.parametrize(
    "written",
    [
        "51010419900101123X",
        "51010419900101123x",
        "510104 19900101 123X",
        "510104-19900101-123x",
        "５１０１０４１９９００１０１１２３Ｘ",
        "5101 0419 9001 0112 3X",
    ],
)
def test_mask_text_known_id_number_removed_however_written(written: str) -> None:
    masked = mask_text(f"身份证{written}。", known=KNOWN)

    assert masked == f"身份证{ID}。"


@pytest.mark.parametrize("written", ["玉林南路12号3栋2单元501室", "玉林南路１２号３栋２单元５０１室",
                                     "玉林南路 12号 3栋 2单元 501室"])  # fmt: skip
def test_mask_text_known_address_removed_however_written(written: str) -> None:
    assert mask_text(f"住{written}，噪声扰民", known=KNOWN) == f"住{ADDRESS}，噪声扰民"


@pytest.mark.parametrize(("written", "masked"), [("王小明", "王某"), ("王 小 明", "王某"), ("小明", "王某")])
def test_mask_text_known_name_removed_however_written(written: str, masked: str) -> None:
    assert mask_text(f"{written}来电", known=KNOWN) == f"{masked}来电"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("邮箱 wang.xm@example.com 可联系", "邮箱 ［邮箱已隐去］ 可联系"),
        ("邮箱ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "邮箱［邮箱已隐去］"),
        ("微信号：wxm_2026", "微信号：［账号已隐去］"),
        ("微信 wangxm88 随时联系", "微信 ［账号已隐去］ 随时联系"),
        ("加微信wxid_abc123def", "加微信［账号已隐去］"),
        ("WeChat: Wang-XM-1990", "WeChat: ［账号已隐去］"),
        ("QQ号：12345678", "QQ号：［账号已隐去］"),
    ],
)
def test_mask_text_removes_email_and_chat_ids(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "written", ["１３９００００１２３４", "139 0000 1234", "139.0000.1234", "+86 139-0000-1234"]
)
def test_mask_text_unknown_mobile_written_differently_removed(written: str) -> None:
    assert mask_text(f"另有号码{written}") == f"另有号码{PHONE}"


def test_mask_text_unknown_id_number_spaced_removed() -> None:
    assert mask_text("身份证 110105 19800101 1234 已核实") == f"身份证 {ID} 已核实"


def test_mask_text_keeps_text_around_full_width_matches_intact() -> None:
    text = "二〇二六年，１３８１２３４５６７８（本人）"

    assert mask_text(text, known=KNOWN) == f"二〇二六年，{PHONE}（本人）"


def test_mask_case_row_masks_text_columns_and_timeline_reasons() -> None:
    row = {"complainant_name": "王小明", "complainant_phone": "13812345678", "complainant_id_number": "",
           "complainant_address": "", "content": "王小明，电话１３８ １２３４ ５６７８", "reply": "已联系小明",
           "status_reason": "", "ruling_reasoning": None,
           "events_json": '[{"action": "withdraw", "reason": "王小明（138-1234-5678）撤回"}]'}  # fmt: skip

    masked = mask_case_row(row)

    assert masked["content"] == f"王某，电话{PHONE}"
    assert masked["reply"] == "已联系王某"
    assert "13812345678" not in masked["events_json"] and "王某" in masked["events_json"]
    assert (masked["complainant_name"], masked["complainant_phone"]) == ("王某", "")
    assert row["content"].startswith("王小明")  # the row read from the database is left as it was


PLATE = "［车牌已隐去］"
CARD = "［银行卡号已隐去］"
ACCOUNT = "［账号已隐去］"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("车牌川A·7B2K9", f"车牌{PLATE}"),
        ("车牌川A 7B2K9", f"车牌{PLATE}"),
        ("新能源车川AD12345", f"新能源车{PLATE}"),
        ("车牌粤B12345F", f"车牌{PLATE}"),
        ("车牌川a·7b2k9", f"车牌{PLATE}"),
        ("车牌川A1234学", f"车牌{PLATE}"),
        ("卡号6222021234567890123", f"卡号{CARD}"),
        ("卡号6222 0212 3456 7890", f"卡号{CARD}"),
        ("手机１３８ ０００ ０１２３４", f"手机{PHONE}"),
        ("手机138 000 01234", f"手机{PHONE}"),
        ("座机028-8765-4321", f"座机{PHONE}"),
        ("座机(028)87654321", f"座机{PHONE}"),
        ("身份证510107900101123", f"身份证{ID}"),
        ("身份证5101 0719 9001 0112 3X", f"身份证{ID}"),
        ("身份证51010719901301123X", f"身份证{ID}"),  # no such month: still someone's number
        ("身份证号：510107199013011234", f"身份证号：{ID}"),
        ("住7-1-1203", f"住{HOUSE}"),
        ("住B座1203", f"住{HOUSE}"),
        ("住3号院2门", f"住{HOUSE}"),
        ("门牌号：12号", HOUSE),
        ("住人民南路8号", f"住人民南路{HOUSE}"),
        ("住玉林南路 8 号 3 栋 2 单元 501", f"住玉林南路{HOUSE}"),
        ("vx：abc_2026", f"vx：{ACCOUNT}"),
        ("扣扣158024", f"扣扣{ACCOUNT}"),
    ],
)
def test_mask_text_removes_every_kind_however_written(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["到1号窗口办理", "按12号文件执行", "依据〔2023〕5号文件", "从2号口出站", "住二楼", "三楼办公", "地铁1号线",
     "补偿款2800000元", "工单号20261008", "受理编号PY2026000123", "2026-10-08来电", "20261008前发放",
     "10月8号上午", "9:30至17:00", "共计235件", "武侯区玉林社区", "3室2厅", "第12层", "两栋楼", "三门峡", "45座大巴", "第一单元", "订单号2026100812345678", "发票代码051001900111", "工号12345", "2030-01-01 至 2030-01-10\n2030-03-01", "2026-12-01 2026-12-15", "2026.12.1 2026.12.31", "共3栋楼房", "第 2 单元"],
)  # fmt: skip
def test_mask_text_keeps_ordinary_tokens(text: str) -> None:
    assert mask_text(text, known=Complainant(name="王峰")) == text


def test_masker_keeping_the_name_masks_contacts_only() -> None:
    case = {"complainant_name": "王小明", "complainant_phone": "13812345678", "complainant_id_number": "",
            "complainant_address": "玉林南路12号3栋2单元501室"}  # fmt: skip

    mask = masker(case, ["李建华"], keep_name=True)

    assert mask("诉求人王小明（13812345678）住玉林南路12号3栋2单元501室，小明称邻居李建华吵闹。") == (
        f"诉求人王小明（{PHONE}）住{ADDRESS}，小明称邻居李某吵闹。"
    )
