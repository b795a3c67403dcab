"""An `ast` reading of the source tree, and one checker per layering rule of the target layout.

Nothing here imports the project: every file is parsed, never executed. Each checker takes the parsed tree and
the rule's data (module lists, prefixes) and returns its violations as ``path:line: what`` strings, so
`tests/unit/test_layers.py` holds the real tree to the rules and `tests/unit/test_layers_rules.py` shows on a
small synthetic tree that each checker finds a planted violation and accepts a clean tree.

Names: a module is named by its dotted path (``review/core/db/sql.py`` → ``review.core.db.sql``) and a
package by its folder (``review/core/__init__.py`` → ``review.core``). ``within(name, prefix)`` means the
name is the prefix or lies below it.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

LAZY_MARK = re.compile(r"#\s*lazy:\s*\S")
# Row locks of every strength: FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE.
FOR_UPDATE = re.compile(r"\bFOR\s+(UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)
# A statement by its grammar (case-insensitive), so that prose ("Update", "with care") and a lone "DELETE"
# (an HTTP method) do not count. Docstrings are never read as SQL.
SQL_START = re.compile(
    r"^\s*(SELECT\s+\S|INSERT\s+INTO\b|UPDATE\s+\S+\s+SET\b|DELETE\s+FROM\b"
    r'|WITH\s+(RECURSIVE\s+)?"?\w+"?\s*(\([^)]*\))?\s*AS\s*\()',
    re.IGNORECASE,
)
SQL_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
SQL_FROM = re.compile(r" FROM ", re.IGNORECASE)
SQL_WORD = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|WHERE)\b")  # upper case only: SQL, not prose


# ----------------------------------------------------------------------------------------------------------
# The parsed tree


@dataclass(frozen=True)
class Import:
    """One imported name, resolved to the module it loads."""

    line: int
    target: str  # the module loaded: ``from review import db`` → review.db if that exists, else review
    named: str  # the name as written, qualified: ``from review import db`` → review.db, existing or not
    local: bool  # inside a function body
    type_checking: bool  # under ``if TYPE_CHECKING:``
    end_line: int = 0


@dataclass
class Module:
    name: str
    path: str  # relative to the root, posix
    tree: ast.Module
    lines: list[str]
    is_package: bool
    imports: list[Import] = field(default_factory=list)
    texts: list[tuple[int, str]] | None = None  # strings(), once read
    _nodes: list[ast.AST] | None = None

    @property
    def nodes(self) -> list[ast.AST]:
        """Every node of the module, walked once."""
        if self._nodes is None:
            self._nodes = list(ast.walk(self.tree))
        return self._nodes


@dataclass
class Tree:
    root: Path
    modules: dict[str, Module]

    def under(self, folder: str) -> list[Module]:
        """The modules whose file lies below ``folder`` (a posix path relative to the root)."""
        prefix = folder.rstrip("/") + "/"
        return [m for m in self.modules.values() if m.path.startswith(prefix)]


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def module_name(relative: Path) -> tuple[str, bool]:
    parts = list(relative.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def load(root: Path, packages: Iterable[str], skip_dirs: Iterable[str] = ("piccolo_migrations",)) -> Tree:
    """Parse every ``.py`` file of ``packages`` below ``root``, leaving out the ``skip_dirs`` folders."""
    skip = set(skip_dirs) | {"__pycache__"}
    modules: dict[str, Module] = {}
    for package in packages:
        for file in sorted((root / package).rglob("*.py")):
            relative = file.relative_to(root)
            if skip & set(relative.parts[:-1]):
                continue
            source = file.read_text(encoding="utf-8")
            name, is_package = module_name(relative)
            modules[name] = Module(
                name, relative.as_posix(), ast.parse(source, str(relative)), source.splitlines(), is_package
            )
    for module in modules.values():
        module.imports = list(_imports(module, modules))
    return Tree(root, modules)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _walk_imports(
    node: ast.AST, local: bool = False, guarded: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import statement below ``node``, with whether it is function-local and TYPE_CHECKING-guarded."""
    for child in ast.iter_child_nodes(node):
        yield from _visit(child, local, guarded)


def _visit(
    node: ast.AST, local: bool, guarded: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, local, guarded
    elif isinstance(node, FUNCTIONS):
        yield from _walk_imports(node, True, guarded)
    elif isinstance(node, ast.If) and _is_type_checking(node.test):
        for statement in node.body:
            yield from _visit(statement, local, True)
        for statement in node.orelse:
            yield from _visit(statement, local, guarded)
    else:
        yield from _walk_imports(node, local, guarded)


def _base(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.name.split(".")
    if not module.is_package:
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def _imports(module: Module, modules: dict[str, Module]) -> Iterator[Import]:
    for node, local, guarded in _walk_imports(module.tree):
        end = node.end_lineno or node.lineno
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node.lineno, alias.name, alias.name, local, guarded, end)
            continue
        base = _base(module, node)
        for alias in node.names:
            named = f"{base}.{alias.name}" if alias.name != "*" else base
            target = named if named in modules else base
            yield Import(node.lineno, target, named, local, guarded, end)


def where(module: Module, line: int) -> str:
    return f"{module.path}:{line}"


# ----------------------------------------------------------------------------------------------------------
# Rule: no import cycles; lazy imports say why


def import_graph(tree: Tree, include_type_checking: bool = False) -> dict[str, dict[str, int]]:
    """Project module → {project module it imports: first line}, function-local imports included."""
    graph: dict[str, dict[str, int]] = {name: {} for name in tree.modules}
    for module in tree.modules.values():
        for imp in module.imports:
            if imp.type_checking and not include_type_checking:
                continue
            if imp.target in tree.modules and imp.target != module.name:
                graph[module.name].setdefault(imp.target, imp.line)
    return graph


def _strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(found)


def _shortest_cycle(graph: dict[str, dict[str, int]], start: str, members: set[str]) -> list[str]:
    """The shortest chain start → … → start inside one strongly connected component."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(previous[chain[-1]])
                return [*reversed(chain), start]
            if child in members and child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is in no cycle")  # unreachable for a component of two or more


def _cycles_covering(graph: dict[str, dict[str, int]], component: list[str]) -> list[list[str]]:
    """Shortest cycles through the component's modules, taken in order until every module lies on one."""
    members, covered, cycles = set(component), set(), []
    for start in component:
        if start not in covered:
            chain = _shortest_cycle(graph, start, members)
            covered.update(chain)
            cycles.append(chain)
    return cycles


def import_cycles(tree: Tree) -> list[str]:
    """Import cycles, as chains of modules with the line of each import.

    Modules that import each other form a knot (a strongly connected component); each knot is reported as
    a few shortest cycles that together pass through all its modules, so breaking every reported cycle may
    still leave a smaller one to report on the next run."""
    graph = import_graph(tree)
    violations = []
    for knot in _strongly_connected(graph):
        cycles = _cycles_covering(graph, knot)
        for number, chain in enumerate(cycles, 1):
            hops = [f"{a} ({tree.modules[a].path}:{graph[a][b]})" for a, b in pairwise(chain)]
            knot_note = (
                f" [cycle {number} of {len(cycles)} in a knot of {len(knot)} modules]"
                if len(cycles) > 1
                else ""
            )
            first = tree.modules[chain[0]]
            violations.append(
                f"{where(first, graph[chain[0]][chain[1]])}: import cycle "
                f"{' -> '.join(hops)} -> {chain[0]}{knot_note}"
            )
    return violations


def unmarked_lazy_imports(tree: Tree) -> list[str]:
    """Function-local imports without a ``# lazy: why`` comment: on their lines, or on the line above the block
    of consecutive import statements they belong to (one comment may explain a block). Imports under
    ``if TYPE_CHECKING:`` never run, so they need none."""
    violations = []
    for module in tree.modules.values():
        spans = sorted({(imp.line, max(imp.end_line, imp.line)) for imp in module.imports
                        if imp.local and not imp.type_checking})
        block_start: dict[int, int] = {}
        for index, (line, _) in enumerate(spans):
            previous = spans[index - 1] if index else None
            joined = previous is not None and all(
                not text.strip() for text in module.lines[previous[1] : line - 1])  # only blank lines between
            block_start[line] = block_start[previous[0]] if previous and joined else line
        for line, end in spans:
            first = block_start[line]
            nearby = module.lines[max(first - 2, 0) : end]
            if not any(LAZY_MARK.search(text) for text in nearby):
                names = ", ".join(sorted({i.named for i in module.imports if i.line == line}))
                violations.append(
                    f"{where(module, line)}: function-local import of {names} without '# lazy: why'"
                )
    return violations


# ----------------------------------------------------------------------------------------------------------
# Rules: boundaries between packages


def _by_statement(imports: Iterable[Import]) -> list[list[Import]]:
    """The imports grouped by line and loaded module: ``from review.errors import A, B`` is one group."""
    groups: dict[tuple[int, str], list[Import]] = {}
    for imp in imports:
        groups.setdefault((imp.line, imp.target), []).append(imp)
    return list(groups.values())


def _describe(group: list[Import]) -> str:
    """``review.errors (Conflict, Invalid)``; the bare module for ``import x`` or ``from p import module``."""
    target = group[0].target
    names = [i.named[len(target) + 1 :] for i in group if i.named.startswith(target + ".")]
    return f"{target} ({', '.join(names)})" if names else target


def boundary_violations(
    tree: Tree, folder: str, forbidden: Iterable[str], allowed: Iterable[str] = (), note: str = ""
) -> list[str]:
    """Imports, in files below ``folder``, of names within a ``forbidden`` prefix and no ``allowed`` one.

    Both the loaded module and the name as written are checked, so a folder that does not exist yet (the
    mediation wall) is still caught in ``from review import mediation``.
    """
    forbidden, allowed = tuple(forbidden), tuple(allowed)

    def bad(name: str) -> bool:
        return any(within(name, f) for f in forbidden) and not any(within(name, a) for a in allowed)

    violations = []
    for module in tree.under(folder):
        refused = [imp for imp in module.imports if bad(imp.target) or bad(imp.named)]
        for group in _by_statement(refused):
            violations.append(f"{where(module, group[0].line)}: imports {_describe(group)}{note}")
    return violations


def slice_of(module: Module, package: str, kernel: str) -> str | None:
    """``review/cases/web.py`` → ``cases``; None for the kernel, top-level modules and other packages."""
    parts = Path(module.path).parts
    if len(parts) < 3 or parts[0] != package or parts[1] == kernel:
        return None
    return parts[1]


@dataclass(frozen=True)
class SliceRule:
    """What a slice of ``package`` may import of ``package``: the kernel, itself, the ``shared`` modules, and
    another slice's ``gateways`` (``review.X.services``, ``review.X.services.*``, ``review.X.queries``)."""

    package: str
    kernel: str
    gateways: tuple[str, ...]
    shared: tuple[str, ...] = ()

    def refusal(self, tree: Tree, own: str, target: str) -> str | None:
        """Why a module of slice ``own`` may not import ``target``; None if it may."""
        if not within(target, self.package) or any(within(target, s) for s in self.shared):
            return None
        parts = target.split(".")
        other = parts[1] if len(parts) > 1 else ""
        if other in (self.kernel, own):
            return None
        if any(within(target, f"{self.package}.{other}.{g}") for g in self.gateways):
            return None
        if not other:
            return f"the {self.package} package itself"
        if tree.under(f"{self.package}/{other}"):
            return f"slice {other} outside its {'/'.join(self.gateways)}"
        return f"a top-level {self.package} module"


def slice_violations(tree: Tree, rule: SliceRule, exempt: Iterable[str] = ()) -> list[str]:
    """Imports between slices of ``rule.package`` that do not go through a gateway; ``exempt`` paths aside."""
    exempt = set(exempt)
    violations = []
    for module in tree.modules.values():
        own = slice_of(module, rule.package, rule.kernel)
        if own is None or module.path in exempt:
            continue
        refused = [imp for imp in module.imports if rule.refusal(tree, own, imp.target)]
        for group in _by_statement(refused):
            why = rule.refusal(tree, own, group[0].target)
            violations.append(
                f"{where(module, group[0].line)}: slice {own} imports {_describe(group)} ({why})"
            )
    return violations


# ----------------------------------------------------------------------------------------------------------
# Rule: pure modules stay pure


def pure_modules(tree: Tree, listed: Iterable[str], folder: str = "domain") -> list[Module]:
    """Every module below a ``folder`` directory, plus the ``listed`` paths that exist."""
    listed = set(listed)
    return [m for m in tree.modules.values() if folder in Path(m.path).parts[:-1] or m.path in listed]


def _loads(tree: Tree, name: str) -> list[str]:
    """What importing ``name`` executes besides itself: its ancestor packages."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in tree.modules]


def _path_to_library(tree: Tree, start: str, libraries: tuple[str, ...]) -> list[tuple[str, Import]] | None:
    """The shortest chain of imports from project module ``start`` to one of ``libraries``, if any."""
    previous: dict[str, tuple[str, Import] | None] = {start: None}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        for imp in tree.modules[name].imports:
            hop = (name, imp)
            if any(within(imp.target, lib) for lib in libraries):
                chain = [hop]
                while previous[chain[-1][0]] is not None:
                    chain.append(previous[chain[-1][0]])  # type: ignore[arg-type]
                return list(reversed(chain))
            for child in [imp.target, *_loads(tree, imp.target)]:
                if child in tree.modules and child not in previous:
                    previous[child] = hop
                    queue.append(child)
    return None


def _impurity(tree: Tree, start: str, libraries: tuple[str, ...]) -> str | None:
    """How loading project module ``start`` reaches one of ``libraries``: ``path:line module -> …``."""
    chain = _path_to_library(tree, start, libraries) if start in tree.modules else None
    return " -> ".join(f"{tree.modules[n].path}:{i.line} {i.target}" for n, i in chain) if chain else None


def impure_imports(tree: Tree, pure: Iterable[Module], libraries: Iterable[str]) -> list[str]:
    """Imports in pure modules that load one of ``libraries``, directly or through project modules (the
    packages a module sits in count: importing ``review.core.enums`` runs ``review/core/__init__.py``)."""
    libraries = tuple(libraries)
    violations = []
    for module in pure:
        own = {module.name, *_loads(tree, module.name)}
        for package in _loads(tree, module.name):
            if steps := _impurity(tree, package, libraries):
                violations.append(f"{module.path}:1: the package of a pure module loads {steps}")
        for group in _by_statement(module.imports):
            target = group[0].target
            if any(within(target, lib) for lib in libraries):
                violations.append(f"{where(module, group[0].line)}: pure module imports {_describe(group)}")
                continue
            for start in [target, *_loads(tree, target)]:
                if start not in own and (steps := _impurity(tree, start, libraries)):
                    violations.append(
                        f"{where(module, group[0].line)}: pure module imports {start}, which loads {steps}"
                    )
                    break
    return violations


# ----------------------------------------------------------------------------------------------------------
# Rules: strings (is_sqlite, FOR UPDATE, raw SQL, other packages' tables)


def _docstrings(nodes: list[ast.AST]) -> set[int]:
    """ids of the docstring nodes (module, class and function), which document SQL rather than run it."""
    found = set()
    for node in nodes:
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def strings(module: Module) -> list[tuple[int, str]]:
    """The module's string literals but docstrings; an f-string as one text with ``{}`` for its fields."""
    if module.texts is None:
        module.texts = list(_strings(module.nodes))
    return module.texts


def _strings(nodes: list[ast.AST]) -> Iterator[tuple[int, str]]:
    skip = _docstrings(nodes)
    for node in nodes:
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                skip.add(id(value))  # its parts are read as one text, here
                parts.append(value.value if isinstance(value, ast.Constant) else "{}")
            yield node.lineno, "".join(str(p) for p in parts)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def is_raw_sql(text: str) -> bool:
    return bool(SQL_START.search(text)) or bool(SQL_SELECT.search(text) and SQL_FROM.search(text))


@dataclass(frozen=True)
class Places:
    """Where something is allowed: below a path prefix, in a folder of a given name, or in a named file."""

    prefixes: tuple[str, ...] = ()  # "review/core/db"
    folders: tuple[str, ...] = ()  # "queries": any .../queries/... folder
    files: tuple[str, ...] = ()  # "sql.py"

    def hold(self, module: Module) -> bool:
        parts = Path(module.path).parts
        return (
            any(module.path.startswith(p.rstrip("/") + "/") for p in self.prefixes)
            or any(f in parts[:-1] for f in self.folders)
            or parts[-1] in self.files
        )

    def __str__(self) -> str:
        shown = [f"{p}/" for p in self.prefixes] + [f"*/{f}/" for f in self.folders] + list(self.files)
        return ", ".join(shown)


def name_uses(tree: Tree, name: str, allowed: Places) -> list[str]:
    """Uses of ``name`` (as a name, an attribute, or either one called) in modules outside ``allowed``."""
    violations = []
    for module in tree.modules.values():
        if allowed.hold(module):
            continue
        called = {id(n.func) for n in module.nodes if isinstance(n, ast.Call)}
        for node in module.nodes:
            if (isinstance(node, ast.Name) and node.id == name) or (
                isinstance(node, ast.Attribute) and node.attr == name
            ):
                verb = "calls" if id(node) in called else "uses"
                violations.append(f"{where(module, node.lineno)}: {verb} {name}")
    return sorted(violations, key=_by_place)


def strings_matching(tree: Tree, test: Callable[[str], bool], allowed: Places, what: str) -> list[str]:
    """String literals (not docstrings) for which ``test`` holds, in modules outside ``allowed``."""
    violations = []
    for module in tree.modules.values():
        if allowed.hold(module):
            continue
        for line, text in strings(module):
            if test(text):
                violations.append(f"{where(module, line)}: {what} {_excerpt(text)}")
    return sorted(violations, key=_by_place)


def has_for_update(text: str) -> bool:
    return bool(FOR_UPDATE.search(text))


def _excerpt(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")


def _by_place(violation: str) -> tuple[str, int]:
    path, line, _ = violation.split(":", 2)
    return path, int(line)


def snake_case(name: str) -> str:
    """Piccolo's table name for a class name (``inflection.underscore``): ScoreSheet → score_sheet."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name)
    return name.replace("-", "_").lower()


def table_names(path: Path) -> list[str]:
    """The tables a Piccolo ``tables.py`` defines, read with ``ast``: ``tablename=`` or the snake-cased name.

    A table class is a class with a base whose name ends in ``Table``."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.ClassDef) or not any(_base_name(b).endswith("Table") for b in node.bases):
            continue
        given = [
            k.value.value for k in node.keywords if k.arg == "tablename" and isinstance(k.value, ast.Constant)
        ]
        names.append(str(given[0]) if given else snake_case(node.name))
    return names


def _base_name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def is_sql_text(text: str) -> bool:
    """A statement, or a fragment of one composed elsewhere (``" JOIN seat s ON …"``)."""
    return is_raw_sql(text) or bool(SQL_WORD.search(text))


def foreign_tables(tree: Tree, folder: str, tables: Iterable[str]) -> list[str]:
    """SQL strings below ``folder`` that name one of ``tables`` as a whole word."""
    tables = sorted(set(tables))
    if not tables:
        return []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, tables)) + r")\b", re.IGNORECASE)
    violations = []
    for module in tree.under(folder):
        for line, text in strings(module):
            if is_sql_text(text):
                for hit in sorted({m.group(1).lower() for m in pattern.finditer(text)}):
                    violations.append(f"{where(module, line)}: SQL names table {hit} of another package")
    return violations


# ----------------------------------------------------------------------------------------------------------
# Rule: the top level of review/


def extra_top_level(root: Path, package: str, allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    return [
        f"{package}/{file.name}:1: top-level module not allowed (move it into core/ or a slice)"
        for file in sorted((root / package).glob("*.py"))
        if file.name not in allowed
    ]
