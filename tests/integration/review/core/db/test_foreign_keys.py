"""The ids that point across the apps (review.piccolo_app.REFERENCES) name real rows: the database refuses any other.

On PostgreSQL they are foreign keys; on SQLite triggers refuse the write (deleting the row referred to is
refused on PostgreSQL only).
"""

from __future__ import annotations

import sqlite3
import uuid

import asyncpg
import pytest

from review.cases import services as cases
from review.convening.services import convene_panel
from review.core import db
from review.core.db.references import constraint_name
from review.piccolo_app import REFERENCES
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.conftest import USE_POSTGRES
from tests.integration.scoring_helpers import accept_invitations, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

_REFUSED = (asyncpg.ForeignKeyViolationError, sqlite3.IntegrityError)
# Columns that must differ in a copied row, whatever the test changes.
_UNIQUE = {"review_case": ("number", "source_ref"), "verdict": ("number", "code")}


async def _ruled_case() -> int:
    """A case scored, ruled and issued: its row, its panel's sheets, deliberation, ruling and verdict exist."""
    office = await factories.account("office")
    await factories.roster({"lawyer": 4, "deputy": 4, "resident": 8, "expert": 4})
    number, _ = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    await accept_invitations(number)
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(3))
    await factories.rule_case(number, office)
    return (await db.fetch("SELECT id FROM review_case WHERE number = {}", number))[0]["id"]


def _columns(table: str) -> list[str]:
    found = next(t for t in db.all_tables() if t._meta.tablename == table)
    return [c._meta.db_column_name for c in found._meta.columns if c._meta.name != "id"]


async def _copy(table: str, row_id: int, changes: dict[str, object]) -> None:
    """Insert a copy of row `row_id` of `table` with `changes` (and fresh values for its unique text)."""
    changes = {**{c: f"X{uuid.uuid4().hex[:12]}" for c in _UNIQUE.get(table, ())}, **changes}
    columns = _columns(table)
    values = ", ".join("{}" if c in changes else f'"{c}"' for c in columns)
    await db.fetch(f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)})'
                   f' SELECT {values} FROM "{table}" WHERE id = {{}}',
                   *[changes[c] for c in columns if c in changes], row_id)


async def _row_of(table: str, case_id: int) -> int:
    key = "id" if table == "review_case" else '"case"'
    return (await db.fetch(f'SELECT id FROM "{table}" WHERE {key} = {{}} ORDER BY id LIMIT 1', case_id))[0]["id"]


async def _missing(target: str) -> int:
    return (await db.fetch(f'SELECT COALESCE(MAX(id), 0) + 1000 AS id FROM "{target}"'))[0]["id"]


def _assert_names(error: BaseException, table: str, column: str) -> None:
    if USE_POSTGRES:
        assert isinstance(error, asyncpg.ForeignKeyViolationError)
        assert error.constraint_name == constraint_name(table, column)
    else:
        assert f"{table}.{column} names no" in str(error)


@pytest.mark.parametrize(("table", "column", "target"), REFERENCES, ids=[f"{t}.{c}" for t, c, _ in REFERENCES])
async def test_a_row_naming_a_missing_row_is_not_written(table: str, column: str, target: str) -> None:
    case_id = await _ruled_case()
    row_id = await _row_of(table, case_id)
    before = (await db.fetch(f'SELECT COUNT(*) AS n FROM "{table}"'))[0]["n"]

    with pytest.raises(_REFUSED) as refused:
        async with db.transaction():
            await _copy(table, row_id, {column: await _missing(target)})
    _assert_names(refused.value, table, column)
    assert (await db.fetch(f'SELECT COUNT(*) AS n FROM "{table}"'))[0]["n"] == before

    with pytest.raises(_REFUSED) as refused:
        async with db.transaction():
            await db.fetch(f'UPDATE "{table}" SET "{column}" = {{}} WHERE id = {{}}', await _missing(target), row_id)
    _assert_names(refused.value, table, column)


async def test_the_same_rows_naming_real_rows_or_none_are_written() -> None:
    """The copies above fail for their reference alone: with a real id (or none where allowed) they are written."""
    case_id = await _ruled_case()
    async with db.transaction():
        ruling = await _row_of("ruling", case_id)
        await _copy("review_case", await _row_of("review_case", case_id), {})
        await _copy("review_case", await _row_of("review_case", case_id), {"criteria_set_id": None})
        await _copy("verdict", await _row_of("verdict", case_id), {"superseded_by_ruling": ruling})
        await _copy("score_sheet", await _row_of("score_sheet", case_id),
                    {"member": (await factories.account("member")).user_id})
    assert len(await db.fetch('SELECT id FROM verdict WHERE ruling_id = {} AND superseded_by_ruling = {}',
                              ruling, ruling)) == 1


@pytest.mark.postgres_only
@pytest.mark.parametrize("target", ["criteria_set", "ruling", "panel"])
async def test_a_row_still_named_is_not_deleted(target: str) -> None:
    case_id = await _ruled_case()
    named = {"criteria_set": "SELECT criteria_set_id AS id FROM review_case WHERE id = {}",
             "ruling": "SELECT ruling_id AS id FROM verdict WHERE \"case\" = {}",
             "panel": "SELECT panel_id AS id FROM ruling WHERE \"case\" = {}"}[target]
    target_id = (await db.fetch(named, case_id))[0]["id"]
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with db.transaction():
            await db.fetch(f'DELETE FROM "{target}" WHERE id = {{}}', target_id)
    assert await db.fetch(f'SELECT id FROM "{target}" WHERE id = {{}}', target_id)
