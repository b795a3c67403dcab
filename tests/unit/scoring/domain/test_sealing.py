"""Sealed scoring (DESIGN §4): which score sheets each kind of viewer sees at each stage of scoring."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.domain.sealing import SheetInfo, Viewer, history_access, saved_after_viewing, visible_sheets

pytestmark = pytest.mark.unit

ME = 7
OTHER_SUBMITTED = SheetInfo(sheet_id=2, member_id=8, submitted=True)
OTHER_DRAFT = SheetInfo(sheet_id=3, member_id=9, submitted=False)
MY_DRAFT = SheetInfo(sheet_id=1, member_id=ME, submitted=False)
MY_SUBMITTED = SheetInfo(sheet_id=1, member_id=ME, submitted=True)

SEATED = Viewer("member", ME, seated=True)
# Everyone who is not a seated member or the office, as the route guard knows them.
OUTSIDERS = [
    Viewer("member", ME, seated=False),  # a member of another panel (or one who recused)
    Viewer("member", None, seated=True),  # no account: never "the owner" of anything
    Viewer("liaison", 40),
    Viewer("liaison", ME, seated=True),  # a seated flag never opens sheets to a non-member
    Viewer("complainant", None),
    Viewer("public", None),
    Viewer("anonymous", None),
    Viewer("hotline", None),
    Viewer("system", None),
]

# The stages a seated member goes through: nothing saved, a draft, a submitted sheet; scoring open or closed.
OWN_STAGES = {"none": [], "draft": [MY_DRAFT], "submitted": [MY_SUBMITTED]}


def _ids(found: list[SheetInfo]) -> set[int]:
    return {s.sheet_id for s in found}


def _panel(own: str) -> list[SheetInfo]:
    return [*OWN_STAGES[own], OTHER_SUBMITTED, OTHER_DRAFT]


@pytest.mark.parametrize(
    ("own", "closed", "expected"),
    [
        ("none", False, set()),
        ("draft", False, {1}),  # a draft is not one's own sheet in: the others stay sealed
        ("submitted", False, {1, 2}),
        ("none", True, {2}),
        ("draft", True, {1, 2}),
        ("submitted", True, {1, 2}),
    ],
)
def test_visible_sheets_seated_member_at_each_stage(own: str, closed: bool, expected: set[int]) -> None:
    found = visible_sheets(SEATED, _panel(own), scoring_closed=closed)

    assert _ids(found) == expected
    assert OTHER_DRAFT not in found  # nobody but its author ever sees a draft


@pytest.mark.parametrize("own", list(OWN_STAGES))
def test_visible_sheets_office_sees_none_while_scoring_is_open(own: str) -> None:
    assert visible_sheets(Viewer("office", 1), _panel(own), scoring_closed=False) == []


@pytest.mark.parametrize(("own", "expected"), [("none", {2}), ("draft", {2}), ("submitted", {1, 2})])
def test_visible_sheets_office_sees_submitted_sheets_once_scoring_closes(own: str, expected: set[int]) -> None:
    assert _ids(visible_sheets(Viewer("office", 1), _panel(own), scoring_closed=True)) == expected


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("own", list(OWN_STAGES))
@pytest.mark.parametrize("viewer", OUTSIDERS, ids=lambda v: f"{v.kind}-{v.user_id}-{'seated' if v.seated else 'not'}")
def test_visible_sheets_outsiders_see_no_sheet_at_any_stage(viewer: Viewer, own: str, closed: bool) -> None:
    # Parties and the public get only what the verdict prints, not even after scoring has closed.
    assert visible_sheets(viewer, _panel(own), scoring_closed=closed) == []


def test_visible_sheets_member_sees_own_sheet_first_then_others_in_order() -> None:
    sheets = [SheetInfo(5, 11, True), MY_SUBMITTED, SheetInfo(6, 12, True), SheetInfo(9, 13, False)]

    found = visible_sheets(SEATED, sheets, scoring_closed=False)

    assert found == [MY_SUBMITTED, SheetInfo(5, 11, True), SheetInfo(6, 12, True)]


def test_visible_sheets_no_sheets_shows_nothing_to_anyone() -> None:
    for viewer in [SEATED, Viewer("office", 1), *OUTSIDERS]:
        for closed in (False, True):
            assert visible_sheets(viewer, [], scoring_closed=closed) == []


# Property-based: any panel of sheets, any viewer.

_member_ids = st.integers(min_value=1, max_value=8)
_panels = st.lists(st.tuples(_member_ids, st.booleans()), max_size=9, unique_by=lambda t: t[0]).map(
    lambda rows: [SheetInfo(sheet_id=100 + i, member_id=m, submitted=s) for i, (m, s) in enumerate(rows)]
)
_viewers = st.builds(
    Viewer,
    kind=st.sampled_from(["office", "member", "liaison", "complainant", "public", "anonymous", "hotline"]),
    user_id=st.none() | _member_ids,
    seated=st.booleans(),
)


@settings(deadline=None)
@given(viewer=_viewers, sheets=_panels, closed=st.booleans())
def test_visible_sheets_never_shows_a_draft_but_its_authors(viewer: Viewer, sheets: list[SheetInfo],
                                                            closed: bool) -> None:
    found = visible_sheets(viewer, sheets, scoring_closed=closed)

    assert all(s in sheets for s in found)
    assert len(_ids(found)) == len(found)  # no sheet twice
    for s in found:
        if not s.submitted:
            assert viewer.kind == "member" and s.member_id == viewer.user_id


@settings(deadline=None)
@given(viewer=_viewers, sheets=_panels, closed=st.booleans())
def test_visible_sheets_only_seated_members_and_the_office_see_anything(viewer: Viewer, sheets: list[SheetInfo],
                                                                       closed: bool) -> None:
    found = visible_sheets(viewer, sheets, scoring_closed=closed)

    if viewer.kind == "office":
        assert found == ([s for s in sheets if s.submitted] if closed else [])
    elif viewer.kind != "member" or not viewer.seated or viewer.user_id is None:
        assert found == []


@settings(deadline=None)
@given(me=_member_ids, sheets=_panels)
def test_visible_sheets_member_sees_only_own_until_own_is_submitted(me: int, sheets: list[SheetInfo]) -> None:
    viewer = Viewer("member", me, seated=True)
    own = [s for s in sheets if s.member_id == me]

    found = visible_sheets(viewer, sheets, scoring_closed=False)

    if any(s.submitted for s in own):
        assert _ids(found) == _ids(own) | {s.sheet_id for s in sheets if s.submitted}
    else:
        assert found == own


@settings(deadline=None)
@given(viewer=_viewers, sheets=_panels, seed=st.integers())
def test_visible_sheets_order_of_sheets_never_changes_what_is_seen(viewer: Viewer, sheets: list[SheetInfo],
                                                                    seed: int) -> None:
    shuffled = list(sheets)
    random.Random(seed).shuffle(shuffled)

    for closed in (False, True):
        assert _ids(visible_sheets(viewer, shuffled, scoring_closed=closed)) == _ids(
            visible_sheets(viewer, sheets, scoring_closed=closed))


@settings(deadline=None)
@given(viewer=_viewers, sheets=_panels)
def test_visible_sheets_closing_scoring_never_hides_a_sheet(viewer: Viewer, sheets: list[SheetInfo]) -> None:
    before = _ids(visible_sheets(viewer, sheets, scoring_closed=False))

    assert before <= _ids(visible_sheets(viewer, sheets, scoring_closed=True))


@settings(deadline=None)
@given(me=_member_ids, sheets=_panels, closed=st.booleans())
def test_visible_sheets_submitting_own_sheet_opens_exactly_the_submitted_others(
    me: int, sheets: list[SheetInfo], closed: bool
) -> None:
    viewer = Viewer("member", me, seated=True)
    others = [s for s in sheets if s.member_id != me]
    draft = [*others, SheetInfo(1, me, False)]
    submitted = [*others, SheetInfo(1, me, True)]

    before = _ids(visible_sheets(viewer, draft, scoring_closed=closed))
    after = _ids(visible_sheets(viewer, submitted, scoring_closed=closed))

    assert after == {1} | {s.sheet_id for s in others if s.submitted}
    assert before <= after
    assert before == (after if closed else {1})


# Revision history and the mark on saves made after seeing the others' sheets.


@settings(deadline=None)
@given(viewer=_viewers, sheet=st.builds(SheetInfo, st.integers(1, 50), _member_ids, st.booleans()),
       closed=st.booleans())
def test_history_access_is_the_members_own_or_the_office_after_closing(
    viewer: Viewer, sheet: SheetInfo, closed: bool
) -> None:
    access = history_access(viewer, sheet, scoring_closed=closed)

    if viewer.kind == "member" and viewer.user_id == sheet.member_id:
        assert access == "all"
    elif viewer.kind == "office" and closed and sheet.submitted:
        assert access == "submitted"
    else:
        assert access is None


def test_saved_after_viewing_marks_only_saves_after_the_first_sight() -> None:
    seen = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    assert saved_after_viewing(seen + timedelta(seconds=1), seen)
    assert not saved_after_viewing(seen - timedelta(seconds=1), seen)
    assert not saved_after_viewing(seen, seen)
    assert not saved_after_viewing(seen, None)
