"""The checkers of `tests/layers.py` on small synthetic trees: each finds a planted violation and accepts a
clean tree, with the rule data of `tests/unit/test_layers.py`."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path

import inflection
import pytest

from tests import layers
from tests.unit import test_layers as rules

pytestmark = pytest.mark.unit


def make(root: Path, files: dict[str, str]) -> layers.Tree:
    """Write ``files`` (path → source) below ``root``, an empty ``__init__.py`` in every folder; parse it."""
    for package in rules.PACKAGES:
        (root / package).mkdir(parents=True, exist_ok=True)
    for path, source in files.items():
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    for folder in [p for p in root.rglob("*") if p.is_dir()]:
        (folder / "__init__.py").touch()
    return layers.load(root, rules.PACKAGES, rules.SKIP_DIRS)


def places(violations: list[str]) -> list[str]:
    """``path:line`` of each violation."""
    return [":".join(v.split(":", 2)[:2]) for v in violations]


# -- import resolution -------------------------------------------------------------------------------------


def test_imports_resolve_to_modules_or_their_package(tmp_path: Path) -> None:
    tree = make(
        tmp_path,
        {
            "review/core/db/sql.py": "X = 1\n",
            "review/core/errors.py": "",
            "review/cases/services.py": """
                from review.core import db, errors, CHINA
                from review.core.db import sql
                from ..core.db.sql import X
                from . import queries
                import review.core.errors
            """,
            "review/cases/queries.py": "",
        },
    )
    found = {(i.line, i.target) for i in tree.modules["review.cases.services"].imports}
    assert found == {
        (1, "review.core.db"),
        (1, "review.core.errors"),
        (1, "review.core"),  # CHINA is a name of the package, not a module
        (2, "review.core.db.sql"),
        (3, "review.core.db.sql"),
        (4, "review.cases.queries"),
        (5, "review.core.errors"),
    }


def test_migrations_are_not_read(tmp_path: Path) -> None:
    tree = make(tmp_path, {"review/piccolo_migrations/m1.py": "import review.cases\n"})
    assert not [m for m in tree.modules if "piccolo_migrations" in m]


# -- rule 1: cycles and lazy imports -----------------------------------------------------------------------

CYCLE = {
    "review/core/a.py": "from review.core import b\n",
    "review/core/b.py": "def f():\n    from review.core import c  # lazy: b is imported before c exists\n",
    "review/core/c.py": "import review.core.a\n",
}


def test_cycle_found_through_a_function_local_import(tmp_path: Path) -> None:
    found = layers.import_cycles(make(tmp_path, CYCLE))
    assert len(found) == 1
    assert found[0].startswith("review/core/a.py:1: import cycle review.core.a (review/core/a.py:1)")
    assert (
        "review.core.b (review/core/b.py:2) -> review.core.c (review/core/c.py:1) -> review.core.a"
        in found[0]
    )


def test_every_cycle_of_a_knot_is_shown(tmp_path: Path) -> None:
    knot = {
        **CYCLE,
        "review/core/d.py": "from review.core import a\n",
        "review/core/a.py": "from . import b, d\n",
    }
    found = layers.import_cycles(make(tmp_path, knot))
    assert len(found) == 2
    assert all("in a knot of 4 modules" in v for v in found)


def test_no_cycle_without_the_closing_import_or_under_type_checking(tmp_path: Path) -> None:
    clean = {
        **CYCLE,
        "review/core/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import review.core.a\n",
    }
    assert layers.import_cycles(make(tmp_path, clean)) == []


def test_lazy_import_needs_a_reason(tmp_path: Path) -> None:
    tree = make(
        tmp_path,
        {
            "review/core/a.py": """
                import json


                def plain():
                    import csv
                    return csv


                def marked():
                    import csv  # lazy: only the export needs it
                    # lazy: loads WeasyPrint
                    from review.core import b
                    return csv, b


                async def unmarked():
                    from review.core import (
                        b,
                    )
                    return b
            """,
            "review/core/b.py": "",
        },
    )
    assert places(layers.unmarked_lazy_imports(tree)) == ["review/core/a.py:5", "review/core/a.py:17"]


# -- rules 2 and 3: boundaries -----------------------------------------------------------------------------


def test_core_imports_only_core(tmp_path: Path) -> None:
    tree = make(
        tmp_path,
        {
            "review/core/a.py": """
                import os
                from review.core import db
                from review.core.db import sql
                from review import cases
                import panels.draw
                from scoring.aggregate import mean
                from review import settings
            """,
            "review/core/db/sql.py": "",
            "review/cases/services.py": "",
        },
    )
    found = layers.boundary_violations(tree, "review/core", rules.PACKAGES, ["review.core"])
    assert found == [
        "review/core/a.py:4: imports review.cases",
        "review/core/a.py:5: imports panels.draw",
        "review/core/a.py:6: imports scoring.aggregate (mean)",
        "review/core/a.py:7: imports review (settings)",
    ]


def test_panels_and_scoring_import_only_core_and_not_each_other(tmp_path: Path) -> None:
    tree = make(
        tmp_path,
        {
            "panels/services/seating.py": """
                from review.core.db import sql
                from review.core.tables import Case
                from review.cases import state
                from scoring.domain import aggregate
            """,
            "scoring/queries.py": """
                from review.core import db
                def f():
                    import panels.queries  # lazy: x
            """,
        },
    )
    found = []
    for package, other in rules.FOREIGN.items():
        found += layers.boundary_violations(tree, package, ["review", other], ["review.core"])
    assert places(found) == [
        "panels/services/seating.py:3",
        "panels/services/seating.py:4",
        "scoring/queries.py:3",
    ]


def test_mediation_wall_holds_before_the_folder_exists(tmp_path: Path) -> None:
    tree = make(
        tmp_path,
        {
            "review/rulings/issue.py": "from review import mediation\n",
            "scoring/quality.py": "import review.mediation.room\n",
            "review/cases/services.py": "from review.mediation import services\n",  # outside the wall: fine
        },
    )
    found = []
    for module, folders in rules.WALLED_OFF.items():
        for folder in folders:
            found += layers.boundary_violations(tree, folder, [module])
    assert sorted(places(found)) == ["review/rulings/issue.py:1", "scoring/quality.py:1"]


# -- rule 4: pure modules ----------------------------------------------------------------------------------

PURE_TREE = {
    "review/core/enums.py": "import enum\n",
    "review/core/workdays.py": "import datetime\nfrom review.core import enums\n",
    "review/core/db/engine.py": "import piccolo.engine\n",
    "review/core/settings.py": "import os\n",
    "panels/domain/draw.py": """
        import random
        from review.core.enums import Role
        from panels.domain import roster
    """,
    "panels/domain/roster.py": "from review.core.workdays import add\n",
}


def test_pure_modules_are_found_in_domain_folders_and_the_list(tmp_path: Path) -> None:
    tree = make(tmp_path, PURE_TREE)
    found = {m.path for m in layers.pure_modules(tree, rules.PURE)}
    assert found == {
        "review/core/enums.py",
        "review/core/workdays.py",
        "panels/domain/__init__.py",
        "panels/domain/draw.py",
        "panels/domain/roster.py",
    }
    assert layers.pure_modules(make(tmp_path / "empty", {"review/core/db/engine.py": ""}), rules.PURE) == []


def test_pure_modules_load_no_framework(tmp_path: Path) -> None:
    tree = make(tmp_path, PURE_TREE)
    assert layers.impure_imports(tree, layers.pure_modules(tree, rules.PURE), rules.IMPURE_LIBRARIES) == []


def test_pure_module_importing_a_framework_directly_or_through_the_project(tmp_path: Path) -> None:
    impure = {
        **PURE_TREE,
        "review/core/settings.py": "import os\nfrom review.core.db import engine\n",
        "review/core/workdays.py": "from review.core import enums, settings\n",
        "panels/domain/draw.py": "def f():\n    from starlette.requests import Request  # lazy: x\n",
    }
    tree = make(tmp_path, impure)
    found = layers.impure_imports(tree, layers.pure_modules(tree, rules.PURE), rules.IMPURE_LIBRARIES)
    found.sort()
    assert places(found) == [
        "panels/domain/draw.py:2",
        "panels/domain/roster.py:1",
        "review/core/workdays.py:1",
    ]
    assert found[0].endswith("pure module imports starlette.requests (Request)")
    chain = "review/core/settings.py:2 review.core.db.engine -> review/core/db/engine.py:1 piccolo.engine"
    assert found[1].endswith(
        f"imports review.core.workdays, which loads review/core/workdays.py:1 review.core.settings -> {chain}"
    )
    assert found[2].endswith(f"imports review.core.settings, which loads {chain}")


def test_a_pure_module_in_an_impure_package(tmp_path: Path) -> None:
    tree = make(tmp_path, {**PURE_TREE, "review/core/__init__.py": "import sqlite3\n"})
    found = layers.impure_imports(tree, layers.pure_modules(tree, rules.PURE), rules.IMPURE_LIBRARIES)
    assert (
        "review/core/enums.py:1: the package of a pure module loads review/core/__init__.py:1 sqlite3"
        in found
    )


# -- rule 5: slices ----------------------------------------------------------------------------------------


def test_slices_meet_through_services_queries_and_cases_state(tmp_path: Path) -> None:
    tree = make(
        tmp_path,
        {
            "review/verdicts/services.py": "",
            "review/verdicts/queries.py": "",
            "review/verdicts/render.py": "",
            "review/verdicts/services/bulk.py": "",
            "review/cases/state.py": "",
            "review/cases/services.py": "",
            "review/settings.py": "",
            "review/rulings/issue.py": """
                from review.core import db
                from review.rulings import sql
                from review.verdicts import services, queries
                from review.verdicts.services.bulk import start
                from review.cases.state import apply_transition
                import panels.services.seating, scoring.queries
                from review.verdicts.render import render
                from review.cases import intake_case
                from review import settings
                import review
            """,
            "review/app.py": "from review.verdicts import render\n",
        },
    )
    found = layers.slice_violations(tree, rules.SLICES, rules.COMPOSITION_ROOTS)
    assert [(place, v.rsplit(" (", 1)[1]) for place, v in zip(places(found), found, strict=True)] == [
        ("review/rulings/issue.py:7", "slice verdicts outside its services/queries)"),
        ("review/rulings/issue.py:8", "slice cases outside its services/queries)"),
        ("review/rulings/issue.py:9", "a top-level review module)"),
        ("review/rulings/issue.py:10", "the review package itself)"),
    ]
    assert found[0] == (
        "review/rulings/issue.py:7: slice rulings imports review.verdicts.render (render)"
        " (slice verdicts outside its services/queries)"
    )


def test_exempt_paths_gather_every_slice(tmp_path: Path) -> None:
    tree = make(
        tmp_path,
        {"review/demo/seeding.py": "from review.verdicts import render\n", "review/verdicts/render.py": ""},
    )
    assert layers.slice_violations(tree, rules.SLICES, {"review/demo/seeding.py"}) == []
    assert len(layers.slice_violations(tree, rules.SLICES)) == 1


# -- rules 6 and 7: engine differences and raw SQL ---------------------------------------------------------

STRINGS = {
    "review/core/db/engine.py": """
        def is_sqlite():
            return True
        LOCK = " FOR UPDATE" if not is_sqlite() else ""
        Q = "SELECT 1"
    """,
    "review/cases/sql.py": 'CASE = "SELECT * FROM review_case WHERE id = {}"\n',
    "review/cases/queries.py": 'ONE = """\n    WITH x AS (SELECT 1) SELECT * FROM x\n"""\n',
    "panels/queries/seats.py": "SEATS = 'SELECT id FROM seat'\n",
    "review/cases/services.py": '''
        """Select the case, then update it (SELECT … FOR UPDATE on PostgreSQL)."""
        from review.core.db import sql
        METHODS = ["GET", "DELETE"]
        LABEL = "Update"
        TEXT = "with care: the selection comes from the office"
    ''',
}


def test_engine_differences_and_sql_in_their_places(tmp_path: Path) -> None:
    tree = make(tmp_path, STRINGS)
    assert layers.name_uses(tree, "is_sqlite", rules.ENGINE_PLACES) == []
    assert layers.strings_matching(tree, layers.has_for_update, rules.ENGINE_PLACES, "row lock in") == []
    assert layers.strings_matching(tree, layers.is_raw_sql, rules.SQL_PLACES, "raw SQL") == []


def test_is_sqlite_and_row_locks_outside_core_db(tmp_path: Path) -> None:
    misplaced = {
        **STRINGS,
        "review/cases/services.py": """
            from review.core import db
            from review.core.db.engine import is_sqlite
            def load(table):
                lock = "" if db.is_sqlite() else " FOR NO KEY UPDATE"
                check = is_sqlite
                return f"SELECT * FROM {table} for update", lock, check
        """,
    }
    tree = make(tmp_path, misplaced)
    assert layers.name_uses(tree, "is_sqlite", rules.ENGINE_PLACES) == [
        "review/cases/services.py:4: calls is_sqlite",
        "review/cases/services.py:5: uses is_sqlite",
    ]
    locks = layers.strings_matching(tree, layers.has_for_update, rules.ENGINE_PLACES, "row lock in")
    assert places(locks) == ["review/cases/services.py:4", "review/cases/services.py:6"]
    assert places(
        layers.strings_matching(tree, layers.has_for_update, rules.SQL_PLACES, "row lock in")
    ) == places(locks)


def test_raw_sql_outside_queries_and_sql_modules(tmp_path: Path) -> None:
    misplaced = {
        **STRINGS,
        "review/cases/services.py": """
            A = "  insert into review_case (number) VALUES ({})"
            B = f"(SELECT count(*) FROM seat WHERE panel = {1})"
            C = "DELETE FROM seat"
        """,
    }
    found = layers.strings_matching(make(tmp_path, misplaced), layers.is_raw_sql, rules.SQL_PLACES, "raw SQL")
    assert found == [
        "review/cases/services.py:1: raw SQL 'insert into review_case (number) VALUES ({})'",
        "review/cases/services.py:2: raw SQL '(SELECT count(*) FROM seat WHERE panel = {})'",
        "review/cases/services.py:3: raw SQL 'DELETE FROM seat'",
    ]


# -- rule 8: other packages' tables ------------------------------------------------------------------------

TABLES = {
    "panels/tables.py": """
        from enum import Enum
        from piccolo.table import Table
        import piccolo.table
        class SeatStatus(str, Enum):
            invited = "invited"
        class RosterMember(Table):
            pass
        class Seat(piccolo.table.Table):
            pass
        class Challenge(Table, tablename="panel_challenge"):
            pass
    """,
    "scoring/tables.py": """
        from piccolo.table import Table
        class ScoreSheet(Table):
            pass
        class ScoreSheetRevision(Table):
            pass
    """,
}


def test_table_names_read_as_piccolo_names_them(tmp_path: Path) -> None:
    make(tmp_path, TABLES)
    assert layers.table_names(tmp_path / "panels/tables.py") == ["roster_member", "seat", "panel_challenge"]
    for name in ["ScoreSheet", "APIKey", "Case", "HTTPRequestLog", "Criterion2Set", "V2Verdict"]:
        assert layers.snake_case(name) == inflection.underscore(name)


def test_real_table_files_agree_with_piccolo() -> None:
    from panels import tables as panels_tables
    from scoring import tables as scoring_tables

    for module, path in [(panels_tables, "panels/tables.py"), (scoring_tables, "scoring/tables.py")]:
        classes = [v for v in vars(module).values() if isinstance(v, type) and hasattr(v, "_meta")]
        defined = {c._meta.tablename for c in classes if c.__module__ == module.__name__}
        assert set(layers.table_names(rules.ROOT / path)) == defined


def foreign(tree: layers.Tree, root: Path) -> list[str]:
    found = []
    for package, other in rules.FOREIGN.items():
        found += layers.foreign_tables(tree, package, layers.table_names(root / rules.TABLE_FILES[other]))
    return found


def test_sql_names_only_own_and_core_tables(tmp_path: Path) -> None:
    clean = {
        **TABLES,
        "panels/queries.py": 'Q = "SELECT * FROM seat JOIN review_case c ON c.id = seat.case"\n',
        "scoring/queries.py": """
            Q = "SELECT * FROM score_sheet_revision r JOIN score_sheet s ON s.id = r.score_sheet"
            MESSAGE = "the seat of the panel"  # prose, not SQL
        """,
    }
    assert foreign(make(tmp_path, clean), tmp_path) == []


def test_sql_naming_the_other_package_tables(tmp_path: Path) -> None:
    crossing = {
        **TABLES,
        "panels/queries.py": 'Q = "SELECT * FROM seat JOIN score_sheet s ON s.panel_id = seat.panel"\n',
        "scoring/quality.py": 'JOIN = " JOIN roster_member m ON m.id = s.member JOIN Panel_Challenge c"\n',
    }
    assert foreign(make(tmp_path, crossing), tmp_path) == [
        "panels/queries.py:1: SQL names table score_sheet of another package",
        "scoring/quality.py:1: SQL names table panel_challenge of another package",
        "scoring/quality.py:1: SQL names table roster_member of another package",
    ]


# -- rule 9: the top level of review/ ----------------------------------------------------------------------


def test_review_top_level(tmp_path: Path) -> None:
    make(tmp_path, {name: "" for name in [f"review/{n}" for n in rules.TOP_LEVEL] + ["review/cases/web.py"]})
    assert layers.extra_top_level(tmp_path, "review", rules.TOP_LEVEL) == []
    (tmp_path / "review/db.py").touch()
    assert places(layers.extra_top_level(tmp_path, "review", rules.TOP_LEVEL)) == ["review/db.py:1"]


# -- every test of test_layers.py on a whole tree ----------------------------------------------------------

TARGET_TREE = {
    **TABLES,
    "review/app.py": "from review.cases import web\nfrom review.verdicts import jobs\nimport panels.web\n",
    "review/core/enums.py": "import enum\n",
    "review/core/db/engine.py": "import piccolo.engine\ndef is_sqlite():\n    return False\n",
    "review/core/db/sql.py": 'from review.core.db import engine\nLOCK = " FOR NO KEY UPDATE"\n',
    "review/core/tables.py": "from piccolo.table import Table\nclass Case(Table):\n    pass\n",
    "review/cases/lifecycle.py": "from review.core.enums import Role\n",
    "review/cases/state.py": "from review.core.db import sql\nfrom review.cases import lifecycle\n",
    "review/cases/sql.py": 'CASE = "SELECT * FROM review_case WHERE id = {}"\n',
    "review/cases/web.py": "from review.cases import state\nfrom review.verdicts.queries import by_code\n",
    "review/verdicts/document.py": "import dataclasses\n",
    "review/verdicts/queries.py": 'ONE = "SELECT * FROM verdict"\n',
    "review/verdicts/jobs.py": """
        from review.cases import state
        def render():
            from review.verdicts import document  # lazy: only the worker renders
    """,
    "panels/queries.py": 'Q = "SELECT * FROM seat JOIN review_case c ON c.id = seat.case"\n',
    "panels/domain/draw.py": "import random\nfrom review.core.enums import Role\n",
    "panels/web.py": "from panels import queries\nfrom review.core.db import sql\n",
    "scoring/domain/aggregate.py": "import statistics\n",
    "scoring/queries.py": 'Q = "SELECT * FROM score_sheet"\n',
}

BROKEN = {  # one file that breaks every rule of test_layers.py
    "review/core/enums.py": "from review.cases import state\nimport starlette\n",  # 1 (cycle), 2, 4
    "panels/domain/draw.py": "from scoring import queries\n",  # 3
    "review/verdicts/jobs.py": "def f():\n    from review.cases import lifecycle\n",  # 1 (lazy), 5
    "review/rulings/issue.py": "from review import mediation\n",  # 5 (wall)
    "review/cases/web.py": """
        from review.core.db import engine
        X = engine.is_sqlite()
        Q = "SELECT 1 FOR UPDATE"
    """,  # 6, 7
    "scoring/queries.py": 'Q = "SELECT * FROM score_sheet JOIN seat ON true"\n',  # 8
    "review/db.py": "",  # 9
}


def layer_tests() -> list[Callable[..., None]]:
    """The test functions of test_layers.py."""
    return [getattr(rules, name) for name in dir(rules) if name.startswith("test_")]


def run(test: Callable[..., None], tree: layers.Tree) -> None:
    """Call a test of test_layers.py as pytest would, with ``tree`` for its fixture."""
    if inspect.signature(test).parameters:
        test(tree)
    else:
        test()


def test_every_layer_test_passes_on_a_clean_target_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make(tmp_path, TARGET_TREE)
    monkeypatch.setattr(rules, "ROOT", tmp_path)
    assert len(layer_tests()) == 12
    for test in layer_tests():
        run(test, tree)


def test_every_layer_test_fails_on_a_broken_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = make(tmp_path, {**TARGET_TREE, **BROKEN})
    monkeypatch.setattr(rules, "ROOT", tmp_path)
    passed = []
    for test in layer_tests():
        try:
            run(test, tree)
        except AssertionError:
            continue
        passed.append(test.__name__)
    assert passed == []


def test_no_pure_module_at_all_fails(tmp_path: Path) -> None:
    tree = make(tmp_path, {"review/core/db/engine.py": ""})
    with pytest.raises(AssertionError, match="no pure module found"):
        rules.test_pure_modules_stay_pure(tree)
