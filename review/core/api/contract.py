"""What an API operation takes and answers, declared once: the same types decode and validate the request and
write the operation's part of the OpenAPI document.

An endpoint declares its JSON body and its query parameters as annotated arguments (`body: Screening`,
`query: RosterQuery`, msgspec Structs) and its replies with `@operation(responses={200: Status})`; it
returns a value (or `Reply(201, value)`), which is converted to the declared type before it is written, so
nothing leaves that the document does not describe.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, NamedTuple, get_type_hints

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from review.core import i18n
from review.core.errors import Invalid, NotFound
from review.core.input_text import check_json
from review.core.params import LARGEST, int_param

# Text a person or client sends: no NUL (PostgreSQL text cannot hold one, SQLite would keep it as-is).
Text = Annotated[str, msgspec.Meta(pattern=r"^[^\x00]*$")]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType

# The largest id a row can have (PostgreSQL's integer); a larger number in a path names nothing.
ID_MAX = LARGEST


def number_param(value: Any, field: str) -> int | None:
    """A version or draft number from a path: 422 naming the field when not a whole number, 404 beyond any row."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()) and int(value) > ID_MAX:
        raise NotFound("not_found", "页面不存在")
    return int_param(value, field)
MULTIPART = "multipart/form-data"
UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"file": {"type": "string", "format": "binary"}},
    "required": ["file"],
}


class ErrorDetail(msgspec.Struct):
    """The error object: a snake_case code, a Chinese message, the field when one is to blame."""

    code: str
    message: str
    field: str | msgspec.UnsetType = msgspec.UNSET
    criterion: str | msgspec.UnsetType = msgspec.UNSET  # the criterion a score refusal is about
    error_id: str | msgspec.UnsetType = msgspec.UNSET  # a 500's id, to quote; the office finds it in the log


class Error(msgspec.Struct):
    """Every refusal of the API (DESIGN §10)."""

    error: ErrorDetail


class Status(msgspec.Struct):
    """The state an action left its object in."""

    status: str


class Reason(msgspec.Struct):
    """A body holding only the reason an action is taken for (说明理由); the service says when one is needed."""

    reason: Text | None = None


def sent(body: msgspec.Struct) -> dict[str, Any]:
    """The fields the client sent (those left UNSET dropped), as plain values for a service taking a dict."""
    fields: dict[str, Any] = msgspec.to_builtins(body)  # a Struct becomes a dict
    return fields


class Reply(NamedTuple):
    """A reply with a status other than the operation's first declared one."""

    status: int
    value: Any


@dataclass(frozen=True)
class Operation:
    """One operation's declared input and output types."""

    responses: Mapping[int, Any]
    body: Any = None
    query: Any = None
    # status → media type of a file reply, or the media types it may have (a stored upload's)
    files: Mapping[int, str | tuple[str, ...]] = field(default_factory=dict)
    uploads: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # request media → schema (non-JSON)


Handler = Callable[..., Awaitable[Any]]
Endpoint = Callable[[Request], Awaitable[Response]]

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]+)`")


def _field_path(path: str) -> str:
    """`$.complainant.name` → complainant.name; `$.scores[2].value` → scores.2.value."""
    return re.sub(r"\[(\d+)\]", r".\1", path).lstrip(".")


_KINDS = {"str": "文本", "int": "整数", "float": "数值", "bool": "true 或 false", "object": "对象", "array": "数组",
          "null": "null"}
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]+)`(?:, got `(?P<got>[^`]+)`)?(?P<rest>.*)$")
_BOUND = re.compile(r"^ (?P<op>>=|<=|>|<) (?P<n>-?[\d.]+)$")


def _in_chinese(reason: str) -> str:
    """msgspec's reason for a refusal, as the message says it."""
    if reason.startswith("Invalid enum value"):
        return "取值不在允许的范围内"
    found = _EXPECTED.match(reason)
    if not found:
        return "取值无效"
    want = "或".join(_KINDS.get(k.strip(), k.strip()) for k in found["want"].split("|"))
    if found["rest"].startswith(" matching regex"):
        return "不能含 NUL 字符"
    if bound := _BOUND.match(found["rest"]):
        words = {">=": "不小于", "<=": "不大于", ">": "大于", "<": "小于"}[bound["op"]]
        return f"应为{words} {bound['n']} 的{want}"
    return f"应为{want}" + (f"，不能是{_KINDS.get(found['got'], found['got'])}" if found["got"] else "")


def invalid(error: msgspec.ValidationError, what: str = "") -> Invalid:
    """A msgspec refusal in the documented error form, naming the field."""
    text = str(error)
    found = _AT.search(text)
    path = _field_path(found["path"]) if found else ""
    reason = _AT.sub("", text)
    missing = _MISSING.match(reason)
    if missing:
        name = ".".join(p for p in (path, missing["name"]) if p)
        return Invalid("missing_field", f"缺少必填字段 {name}", field=name)
    if not path:
        return Invalid("invalid_body", f"{what or '请求体'}应为 JSON 对象")
    return Invalid("invalid_field", f"字段 {path} {_in_chinese(reason)}", field=path)


def _no_constant(name: str) -> Any:
    raise Invalid("invalid_json", f"请求体不是有效的 JSON：{name} 不是 JSON 的数值")


def _malformed(raw: bytes) -> Invalid:
    """Why a body msgspec could not parse is not JSON, in the words Python's parser finds for it."""
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except Invalid as error:
        return error
    except (ValueError, RecursionError):
        return Invalid("invalid_json", "请求体不是有效的 JSON")
    try:
        check_json(value)  # a lone surrogate msgspec refuses, Python reads: name its field
    except Invalid as error:
        return error
    return Invalid("invalid_json", "请求体不是有效的 JSON")


async def decode_body(request: Request, kind: Any) -> Any:
    """The JSON body decoded as `kind` (an empty body as `{}`); 422 naming the field otherwise."""
    raw = await request.body() or b"{}"
    try:
        # Depth and the text rule first, for every value (fields typed loosely as Any too), then the types.
        check_json(msgspec.json.decode(raw))
        value = msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        raise invalid(error) from None
    except msgspec.DecodeError:
        raise _malformed(raw) from None
    except RecursionError:
        raise Invalid("invalid_json", "请求体嵌套过深") from None
    return value


def decode_query(request: Request, kind: Any) -> Any:
    """The query parameters as `kind`, numbers and flags read from their text; 422 naming the parameter."""
    try:
        return msgspec.convert(dict(request.query_params), kind, strict=False)
    except msgspec.ValidationError as error:
        raise invalid(error, "查询参数") from None


def encode(value: Any, kind: Any, status: int = 200) -> Response:
    """`value` as the declared type `kind`, in JSON (a SQLite 0/1 written as the boolean it stands for)."""
    typed = msgspec.convert(value, kind, from_attributes=True, strict=False)
    return Response(msgspec.json.encode(typed, enc_hook=i18n.written), status_code=status,
                    media_type="application/json")


def _refuse_what_names_nothing(request: Request) -> None:
    # No id exceeds ID_MAX; the database would refuse the query outright. (Text in a path is held to the text
    # rule by the route guard, before any endpoint.)
    for value in request.path_params.values():
        if isinstance(value, int) and value > ID_MAX:
            raise NotFound("not_found", "页面不存在")


def operation(
    *,
    responses: Mapping[int, Any],
    files: Mapping[int, str | tuple[str, ...]] | None = None,
    uploads: Mapping[str, dict[str, Any]] | None = None,
) -> Callable[[Handler], Endpoint]:
    """Declare an endpoint's replies; its `body` and `query` arguments' annotations declare its input."""

    def declare(handler: Handler) -> Endpoint:
        hints = get_type_hints(handler, include_extras=True)
        body, query = hints.get("body"), hints.get("query")
        declared = Operation(responses=dict(responses), body=body, query=query, files=dict(files or {}),
                             uploads=dict(uploads or {}))
        first = next(iter(declared.responses), 200)

        async def endpoint(request: Request) -> Response:
            _refuse_what_names_nothing(request)
            kwargs: dict[str, Any] = {}
            if query is not None:
                kwargs["query"] = decode_query(request, query)
            if body is not None:
                media = request.headers.get("content-type", "")
                is_upload = any(media.startswith(m) for m in declared.uploads)
                kwargs["body"] = None if is_upload else await decode_body(request, body)
            result = await handler(request, **kwargs)
            if isinstance(result, Response):
                return result
            status, value = result if isinstance(result, Reply) else (first, result)
            return encode(value, declared.responses[status], status)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        # A function takes attributes, but a def has no way to declare one.
        endpoint.operation = declared  # type: ignore[attr-defined]
        return endpoint

    return declare


def iso(value: Any) -> Any:
    """A date or time in ISO 8601; any other value as it is."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A database row as JSON values: dates and times in ISO 8601, everything else as it is."""
    return {key: iso(value) for key, value in row.items()}
