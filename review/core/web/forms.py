"""A posted form as the endpoints read it, and the request's text parameters, held to one rule.

Over python-multipart's caps (a field over 1 MB, more than 1000 fields or files) answers 413, a body that is
no form 400, and a name or value that is not storable text (`review.core.input_text`) 422 naming the field.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from review.core.errors import Invalid, NotFound, ServiceError
from review.core.input_text import refuse_unstorable, unstorable
from review.core.params import LARGEST


class FormTooLarge(ServiceError):
    status = 413


def _refuse_undecodable(body: bytes) -> None:
    # Starlette decodes form fields with errors="replace": a field that is not UTF-8 would be stored as U+FFFD.
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        field = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                label = field if not unstorable(field) and "\ufffd" not in field else "form"
                raise Invalid("invalid_text", f"「{label}」不是有效的 UTF-8 文本", field=label) from None


async def read_form(request: Request) -> FormData:
    """The request's form (parsed once, then kept on the request), its text checked field by field."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        _refuse_undecodable(await request.body())
    try:
        form = await request.form()
    except HTTPException as error:  # Starlette answers python-multipart's refusals with a bare 400
        if "maximum" in str(error.detail).lower():
            raise FormTooLarge("form_too_large", "表单字段过大或过多（每个字段至多 1 MB，至多 1000 个字段）") from None
        raise ServiceError("invalid_form", "表单格式无效") from None
    for name, value in form.multi_items():
        refuse_unstorable(name, "form")
        if isinstance(value, UploadFile):
            refuse_unstorable(value.filename or "", name)
        else:
            refuse_unstorable(value, name)
    return form


def check_parameters(request: Request) -> None:
    """Query and path parameters held to the text rule (422 naming the parameter); a number in the path
    larger than any stored id names nothing (404)."""
    for name, value in request.query_params.multi_items():
        refuse_unstorable(name, "query")
        refuse_unstorable(value, name)
    for name, value in request.path_params.items():
        if isinstance(value, str):
            refuse_unstorable(value, name)
        elif isinstance(value, int) and value > LARGEST:
            raise NotFound("not_found", "页面不存在")


def see_other(path: str) -> RedirectResponse:
    """303 See Other to `path`: where a form's POST goes on to (the browser then GETs it)."""
    return RedirectResponse(path, status_code=303)


# A path of this site: one leading slash, then no second slash or backslash (which browsers read as another
# host), no scheme, no spaces or control characters.
_LOCAL_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*$")


def local_path(target: str, fallback: str) -> str:
    """`target` if it is a path on this site (where a `next` parameter may send a browser), else `fallback`."""
    return target if _LOCAL_PATH.match(target) and "\\" not in target else fallback


def int_or(value: Any, default: int = 0) -> int:
    """`value` as a whole number, or `default` when it is none (a parameter left out or not a number)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
