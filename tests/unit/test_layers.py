"""The layering rules of the target layout (LAYOUT §1), held by reading the source with `ast`.

The tree is parsed, never imported, and needs no database. Every import in a file counts, function-local
ones included (``if TYPE_CHECKING:`` imports are left out of the cycle check only). Migrations are not read.

1. No import cycles among project modules; every function-local import says ``# lazy: why``.
2. ``review/core/`` imports nothing of ``review`` outside ``core``, nor anything of ``panels`` or ``scoring``.
3. ``panels/`` and ``scoring/`` import only ``review.core.*`` from ``review``, and never each other.
4. Pure modules (every ``domain/`` folder, plus ``PURE``) load no framework or driver, not even through
   project modules.
5. A slice of ``review/`` imports another slice only through its ``services``/``queries`` (and
   ``cases.state`` and the pure ``cases.lifecycle``); nothing in ``scoring/`` or ``review/rulings/`` imports ``review.mediation``.
6. ``is_sqlite`` and ``FOR UPDATE`` appear only in ``review/core/db/``.
7. Raw SQL strings live only in ``queries``/``sql`` modules and folders, and in ``review/core/db/``.
8. SQL in ``panels/`` names no table of ``scoring``, and SQL in ``scoring/`` none of ``panels``.
9. The top level of ``review/`` holds only the composition roots.

The checkers are in ``tests/layers.py``; ``tests/unit/test_layers_rules.py`` shows each at work on a small
tree. Each failure lists every violation as ``path:line: what``. The constants below are the rules' data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import layers

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("review", "panels", "scoring")
SKIP_DIRS = ("piccolo_migrations",)

KERNEL = "core"  # review/core/
# Pure modules besides every */domain/ folder. Paths not in the tree are ignored: planned ones may be named.
PURE = [
    "review/core/enums.py",
    "review/core/workdays.py",
    "review/core/privacy/__init__.py",
    "review/core/audit/chain.py",
    "review/core/kept.py",
    "review/core/file_kinds.py",
    "review/core/i18n.py",
    "review/core/i18n_extract.py",
    "review/cases/lifecycle.py",
    "review/cases/intake.py",
    "review/verdicts/document.py",
    "review/assessments/scheme.py",
    "review/assessments/figures.py",
    "review/assessments/exports.py",
    "review/assessments/redo.py",
    "review/assessments/imports.py",
    "review/mediation/domain/room.py",
    "review/deadlines/policy.py",
    "review/deadlines/clocks.py",
    "review/deadlines/stage_times.py",
    "review/publication/rules.py",
    "review/webhooks/payloads.py",
    "review/selection/policy.py",
    "review/selection/draw.py",
    "review/selection/disputes.py",
    "review/selection/verify.py",
]
IMPURE_LIBRARIES = (
    "piccolo", "starlette", "arq", "weasyprint", "uvicorn", "redis", "httpx", "asyncpg", "sqlite3",
)  # fmt: skip

# Rule 5: what one slice may reach of another.
SLICES = layers.SliceRule(
    package="review",
    kernel=KERNEL,
    gateways=("services", "queries"),  # review.X.services, review.X.services.*, review.X.queries
    # the one writer of Case.status, and the pure state machine whose statuses and actions every slice names
    shared=("review.cases.state", "review.cases.lifecycle"),
)
COMPOSITION_ROOTS = {
    "review/__init__.py",
    "review/app.py",
    "review/worker.py",
    "review/cli.py",
    "review/piccolo_app.py",
    "review/piccolo_conf.py",
}
WALLED_OFF = {"review.mediation": ("scoring", "review/rulings")}  # module → folders that may not import it

# Rules 6 and 7: where engine differences and hand-written SQL may live.
ENGINE_PLACES = layers.Places(prefixes=("review/core/db",))
SQL_PLACES = layers.Places(
    prefixes=("review/core/db",), folders=("queries", "sql"), files=("queries.py", "sql.py")
)

# Rule 8: each package's tables, read from its tables.py.
TABLE_FILES = {"panels": "panels/tables.py", "scoring": "scoring/tables.py"}
FOREIGN = {
    "panels": "scoring",
    "scoring": "panels",
}  # package → the package whose tables its SQL may not name

# Rule 9.
TOP_LEVEL = {"__init__.py", "app.py", "worker.py", "cli.py", "piccolo_app.py", "piccolo_conf.py"}


@pytest.fixture(scope="module")
def tree() -> layers.Tree:
    return layers.load(ROOT, PACKAGES, SKIP_DIRS)


def report(violations: list[str], rule: str) -> str:
    return f"{len(violations)} violation(s) of: {rule}\n" + "\n".join(violations)


def test_no_import_cycles(tree: layers.Tree) -> None:
    found = layers.import_cycles(tree)
    assert not found, report(found, "no import cycles (function-local imports count)")


def test_lazy_imports_say_why(tree: layers.Tree) -> None:
    found = layers.unmarked_lazy_imports(tree)
    assert not found, report(found, "every function-local import carries '# lazy: why' on its line or above")


def test_core_imports_only_core(tree: layers.Tree) -> None:
    found = layers.boundary_violations(tree, f"review/{KERNEL}", PACKAGES, [f"review.{KERNEL}"])
    assert not found, report(
        found, "review/core imports nothing of review outside core, nor panels or scoring"
    )


def test_panels_and_scoring_import_only_core(tree: layers.Tree) -> None:
    found = []
    for package, other in FOREIGN.items():
        found += layers.boundary_violations(tree, package, ["review", other], [f"review.{KERNEL}"])
    assert not found, report(
        found, "panels and scoring import only review.core.* of review, and not each other"
    )


def test_pure_modules_stay_pure(tree: layers.Tree) -> None:
    pure = layers.pure_modules(tree, PURE)
    assert pure, "no pure module found: neither a */domain/ folder nor a PURE path exists"
    found = layers.impure_imports(tree, pure, IMPURE_LIBRARIES)
    assert not found, report(found, f"pure modules load none of {', '.join(IMPURE_LIBRARIES)}")


def test_slices_meet_through_services_and_queries(tree: layers.Tree) -> None:
    found = layers.slice_violations(tree, SLICES, COMPOSITION_ROOTS)
    assert not found, report(found, "a slice imports another slice only through its services/queries")


def test_mediation_wall(tree: layers.Tree) -> None:
    found = []
    for module, folders in WALLED_OFF.items():
        for folder in folders:
            found += layers.boundary_violations(tree, folder, [module], note=" (walled off)")
    assert not found, report(found, "scoring and review/rulings never import review.mediation")


def test_is_sqlite_only_in_core_db(tree: layers.Tree) -> None:
    found = layers.name_uses(tree, "is_sqlite", ENGINE_PLACES)
    assert not found, report(found, f"is_sqlite appears only in {ENGINE_PLACES}")


def test_for_update_only_in_core_db(tree: layers.Tree) -> None:
    found = layers.strings_matching(tree, layers.has_for_update, ENGINE_PLACES, "row lock in")
    assert not found, report(found, f"FOR UPDATE appears only in {ENGINE_PLACES}")


def test_raw_sql_only_in_queries_and_sql_modules(tree: layers.Tree) -> None:
    found = layers.strings_matching(tree, layers.is_raw_sql, SQL_PLACES, "raw SQL")
    assert not found, report(found, f"raw SQL strings live only in {SQL_PLACES}")


def test_sql_names_only_own_tables(tree: layers.Tree) -> None:
    found = []
    for package, other in FOREIGN.items():
        found += layers.foreign_tables(tree, package, layers.table_names(ROOT / TABLE_FILES[other]))
    assert not found, report(
        found, "SQL in panels names no scoring table, and SQL in scoring no panels table"
    )


def test_review_top_level_holds_only_composition_roots() -> None:
    found = layers.extra_top_level(ROOT, "review", TOP_LEVEL)
    assert not found, report(found, f"review/*.py is a subset of {sorted(TOP_LEVEL)}")
