"""Intake: the pure check of a case pushed by the hotline platform (DESIGN §10)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from review.core.enums import Channel
from review.core.errors import Invalid

RATINGS = {"satisfied", "basic", "unsatisfied"}
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
_LIMITS = {"source_ref": 64, "category": 32, "district": 20, "community": 64, "department_code": 32}


@dataclass(frozen=True)
class Complainant:
    name: str
    phone: str
    id_number: str
    address: str


@dataclass(frozen=True)
class IntakeRecord:
    source_ref: str
    channel: str
    received_at: datetime
    category: str
    district: str
    community: str
    department_code: str
    complainant: Complainant
    content: str
    reply: str
    replied_at: datetime
    rated_at: datetime
    payload_hash: str
    review_requested: bool = False  # the complainant asked for third-party review (申请评议)

    def intake_data(self) -> dict[str, Any]:
        """What the intake's audit event records of the case."""
        return {"channel": self.channel, **({"review_requested": True} if self.review_requested else {})}


def payload_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the payload: same content, same hash."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _text(payload: dict[str, Any], field: str, required: bool = True, prefix: str = "") -> str:
    value = payload.get(field)
    name = prefix + field
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid("missing_field", f"缺少必填字段 {name}", field=name)
        return ""
    if not isinstance(value, str):
        raise Invalid("invalid_field", f"字段 {name} 应为文本", field=name)
    limit = _LIMITS.get(field, 20000)
    if len(value) > limit:
        raise Invalid("invalid_field", f"字段 {name} 过长（最多 {limit} 个字符）", field=name)
    return value.strip()


def _time(payload: dict[str, Any], field: str) -> datetime:
    raw = _text(payload, field)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid("invalid_field", f"字段 {field} 应为 ISO-8601 时间", field=field) from None
    if value.tzinfo is None:
        raise Invalid("invalid_field", f"字段 {field} 须带时区，如 +08:00", field=field)
    return value


_YES, _NO = {"true", "1", "yes", "是"}, {"false", "0", "no", "否", ""}


def _flag(payload: dict[str, Any], field: str) -> bool:
    """A yes/no field, false when left out; a table's cell may say it in words (是/否, true/false, 1/0)."""
    value = payload.get(field)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise Invalid("invalid_field", f"字段 {field} 应为 true 或 false", field=field)


def parse_intake(payload: Any) -> IntakeRecord:
    """Validate an intake body; raises Invalid naming the first bad field."""
    if not isinstance(payload, dict):
        raise Invalid("invalid_body", "请求体应为 JSON 对象")
    rating = payload.get("rating")
    if not isinstance(rating, str) or rating not in RATINGS:
        raise Invalid("invalid_field", "字段 rating 应为 satisfied、basic 或 unsatisfied", field="rating")
    if rating != "unsatisfied":
        raise Invalid("not_unsatisfied", "只受理评价为「不满意」的诉求", field="rating")
    channel = _text(payload, "channel")
    if channel not in {c.value for c in Channel}:
        raise Invalid("invalid_field", "字段 channel 取值无效", field="channel")
    person = payload.get("complainant")
    if not isinstance(person, dict):
        raise Invalid("missing_field", "缺少必填字段 complainant", field="complainant")
    phone = _text(person, "phone", required=False, prefix="complainant.")
    if phone and not _PHONE.match(phone):
        raise Invalid("invalid_field", "联系电话格式不正确", field="complainant.phone")
    received_at = _time(payload, "received_at")
    replied_at = _time(payload, "replied_at")
    rated_at = _time(payload, "rated_at")
    if replied_at < received_at:
        raise Invalid("invalid_field", "答复时间不能早于受理时间", field="replied_at")
    if rated_at < replied_at:
        raise Invalid("invalid_field", "评价时间不能早于答复时间", field="rated_at")
    return IntakeRecord(
        source_ref=_text(payload, "source_ref"),
        channel=channel,
        received_at=received_at,
        category=_text(payload, "category"),
        district=_text(payload, "district"),
        community=_text(payload, "community", required=False),
        department_code=_text(payload, "department_code"),
        complainant=Complainant(
            name=_text(person, "name", prefix="complainant."),
            phone=phone,
            id_number=_text(person, "id_number", required=False, prefix="complainant."),
            address=_text(person, "address", required=False, prefix="complainant."),
        ),
        content=_text(payload, "content"),
        reply=_text(payload, "reply"),
        replied_at=replied_at,
        rated_at=rated_at,
        payload_hash=payload_hash(payload),
        review_requested=_flag(payload, "review_requested"),
    )


def case_number_for(case_id: int, received_at: datetime) -> str:
    """受理编号, e.g. PY2026000123: the year received and the case's serial."""
    return f"PY{received_at.year}{case_id:06d}"
