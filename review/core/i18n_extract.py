"""Babel's extraction method for the project's Python: the messages users read, with their Chinese as msgid.

What counts as a message (only text with Chinese in it; a text without is a name or a code):

- the message of a refusal, `Invalid("code", "…")`, `NotFound("code", f"…{number}…")` — any call of a class
  with a snake_case code first and the message second, `super().__init__("code", "…")` included;
- the message of a draft refused, `PolicyInvalid("…", "field")` (a class named `…Invalid`, message first);
- the same when the message is `a if c else b`, or a name the module assigns a string (`_TAMPERED = "…"`,
  a parameter's default `message="…"`);
- `lazy("…")`, `gettext_lazy("…")`, `gettext("…")`, `_("…")`: labels and other texts, and each label of
  `lazy_labels({...})`.

An f-string is catalogued by its shape, each placeholder named by its source: `f"字段 {name} 过长"` gives
`字段 {name} 过长` (see `review.core.i18n` for how such a message is looked up).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import IO, Any

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
TEXT_FUNCTIONS = {"lazy", "gettext_lazy", "gettext", "_"}


def shape(node: ast.expr) -> str | None:
    """The msgid a string or f-string stands for, or None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + ast.unparse(value.value) + "}")
        return "".join(parts)
    return None


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_code(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(CODE.match(node.value))


def _texts(node: ast.expr, named: dict[str, list[ast.expr]]) -> Iterator[str]:
    """The msgids an argument may stand for: a string, an f-string, either branch of `a if c else b`, or a
    name assigned a string in the module (`_TAMPERED = "…"`, a parameter's default `message="…"`)."""
    if isinstance(node, ast.IfExp):
        yield from _texts(node.body, named)
        yield from _texts(node.orelse, named)
    elif isinstance(node, ast.Name):
        for value in named.get(node.id, []):
            if not isinstance(value, ast.Name):
                yield from _texts(value, named)
    else:
        text = shape(node)
        if text is not None:
            yield text


def assigned(tree: ast.AST) -> dict[str, list[ast.expr]]:
    """What each name is given in a module: plain assignments and parameters' defaults."""
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.arguments):
            positional = [*node.posonlyargs, *node.args]
            for arg, default in zip(positional[len(positional) - len(node.defaults):], node.defaults, strict=True):
                found.setdefault(arg.arg, []).append(default)
            for arg, given in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                if given is not None:
                    found.setdefault(arg.arg, []).append(given)
    return found


def messages_of(call: ast.Call, named: dict[str, list[ast.expr]] | None = None) -> Iterator[str]:
    name = _name(call)
    args = call.args
    keyword = {item.arg: item.value for item in call.keywords if item.arg}
    candidates: list[ast.expr] = []
    if name in TEXT_FUNCTIONS and args:
        candidates.append(args[0])
    elif name == "lazy_labels" and args and isinstance(args[0], ast.Dict):
        candidates.extend(args[0].values)
    elif (name[:1].isupper() or name == "__init__") and len(args) >= 2 and _is_code(args[0]):
        candidates.append(args[1])
    elif name.endswith("Invalid") and args and not _is_code(args[0]):
        candidates.append(args[0])
    if "message" in keyword:
        candidates.append(keyword["message"])
    for node in candidates:
        for text in _texts(node, named or {}):
            if CJK.search(text):
                yield text


def messages(source: str) -> Iterator[tuple[int, str]]:
    """(line, msgid) of each message in a Python module's source."""
    tree = ast.parse(source)
    named = assigned(tree)
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)),
                   key=lambda call: (call.lineno, call.col_offset))
    for call in calls:
        for text in messages_of(call, named):
            yield call.lineno, text


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extraction method (named in babel.cfg)."""
    for line, text in messages(fileobj.read().decode("utf-8")):
        yield line, "", text, []
