"""Demo data: deterministic, consistent with itself, and shaped like the intake contract (DESIGN §10)."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from review.demo import data as dd

pytestmark = pytest.mark.unit

START = date(2026, 10, 8)
INTAKE_FIELDS = {
    "source_ref",
    "channel",
    "received_at",
    "category",
    "district",
    "community",  # optional extension: the complainant's community, for conflict checks
    "department_code",
    "complainant",
    "content",
    "reply",
    "replied_at",
    "rating",
    "rated_at",
}


def _complaints(seed: int = 7, count: int = 200) -> list[dd.ComplaintSeed]:
    return dd.complaints(random.Random(seed), count, start=START, days=30)


def test_same_seed_same_data() -> None:
    assert dd.roster_members(random.Random(1)) == dd.roster_members(random.Random(1))
    assert _complaints(1) == _complaints(1)
    assert _complaints(1) != _complaints(2)


def test_departments_have_unique_codes() -> None:
    codes = [d.code for d in dd.DEPARTMENTS]
    assert 18 <= len(codes) <= 24
    assert len(set(codes)) == len(codes)
    for d in dd.DEPARTMENTS:
        assert re.fullmatch(r"[A-Z]{2,6}", d.code)
        assert d.level in {"市级", "区级"}
        assert (d.district == "") == (d.level == "市级")
        assert d.district == "" or d.district in dd.DISTRICTS


def test_districts_communities_and_categories_are_consistent() -> None:
    assert set(dd.COMMUNITIES) == set(dd.DISTRICTS)
    assert all(4 <= len(v) <= 6 for v in dd.COMMUNITIES.values())
    assert set(dd.CATEGORY_DEPARTMENTS) == set(dd.CATEGORIES)
    for codes in dd.CATEGORY_DEPARTMENTS.values():
        assert codes and all(c in dd.DEPARTMENTS_BY_CODE for c in codes)


@pytest.mark.parametrize("count", [150, 40, 7, 5])
def test_roster_role_counts(count: int) -> None:
    members = dd.roster_members(random.Random(3), count)
    roles = Counter(m.role for m in members)
    assert sum(roles.values()) == count
    assert set(roles) == set(dd.ROLES)


def test_roster_default_spread_and_affiliations() -> None:
    members = dd.roster_members(random.Random(3))
    assert Counter(m.role for m in members) == {
        "lawyer": 30,
        "deputy": 30,
        "resident": 55,
        "expert": 25,
        "township": 10,
    }
    assert len({m.name for m in members}) == len(members)
    affiliated = [m for m in members if m.affiliations]
    assert len(affiliated) == 15
    for m in members:
        assert m.community in dd.COMMUNITIES[m.district]
        assert all(code in dd.DEPARTMENTS_BY_CODE for code in m.affiliations)
        assert set(m.expertise) <= set(dd.CATEGORIES)
        assert m.max_panels > 0 and m.employer
    assert all(m.employer.endswith("律师事务所") for m in members if m.role == "lawyer")


def test_complaints_are_unique_and_consistent() -> None:
    cases = _complaints()
    assert len(cases) == 200
    assert len({c.source_ref for c in cases}) == len(cases)
    window_end = START + timedelta(days=30)
    for c in cases:
        assert re.fullmatch(r"CD12345-\d{4}-\d{6}", c.source_ref)
        assert c.department_code in dd.DEPARTMENTS_BY_CODE
        assert c.district in dd.DISTRICTS
        assert c.community in dd.COMMUNITIES[c.district]
        assert c.category in dd.CATEGORIES
        assert c.department_code in dd.CATEGORY_DEPARTMENTS[c.category]
        assert c.channel in dd.CHANNELS
        assert c.rating == "unsatisfied"
        assert c.received_at.utcoffset() == timedelta(hours=8)
        assert START <= c.received_at.date() < window_end
        assert c.received_at < c.replied_at < c.rated_at
        assert re.fullmatch(r"1[358]\d{9}", c.complainant_phone)
        assert "{" not in c.content and "{" not in c.reply
        assert 2 <= c.content.count("。") <= 4 and 1 <= c.reply.count("。") <= 3
    assert Counter(c.channel for c in cases).most_common(1)[0][0] == "hotline"
    assert any(c.wants_review for c in cases) and not all(c.wants_review for c in cases)


def test_intake_payload_matches_contract() -> None:
    for c in _complaints(count=50):
        payload = dd.to_intake_payload(c)
        assert set(payload) == INTAKE_FIELDS
        assert payload["complainant"] == {
            "name": c.complainant_name,
            "phone": c.complainant_phone,
            "id_number": None,
            "address": None,
        }
        assert payload["rating"] == "unsatisfied"
        for key in ("received_at", "replied_at", "rated_at"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", payload[key])
            assert datetime.fromisoformat(payload[key]) == getattr(c, key)
        assert len(payload["complainant"]["phone"]) == 11


def test_township_categories_templates_seat_a_township_representative() -> None:
    templates = {t["category"]: t for t in dd.category_templates()}

    assert set(templates) == set(dd.TOWNSHIP_CATEGORIES) <= set(dd.CATEGORIES)
    assert all(t["seats"].get("township") == 1 for t in templates.values())
    # 城市管理, 住房物业 and 社会治安 are answered by district governments too (民政服务 by the sub-districts).
    governments = {d.code for d in dd.DEPARTMENTS if d.level == "区级"}
    assert all(set(dd.CATEGORY_DEPARTMENTS[c]) & governments for c in dd.TOWNSHIP_CATEGORIES[:3])
    assert Counter(m.role for m in dd.roster_members(random.Random(1)))["township"] == 10
