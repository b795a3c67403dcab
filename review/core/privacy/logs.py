"""No identifier's shape in a log line: every record's message, arguments and traceback masked as it is made.

`PersonalDataFilter` masks one record; `mask_personal_data_in_logs` puts it in front of every record the process
makes (through the record factory, so that records of every logger and every handler, uvicorn's and arq's too,
pass through it before any handler formats them). The process's entry points call it where they set logging up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from review.core.privacy.masking import mask_text


def _masked(value: object) -> object:
    """`value` itself when it carries no identifier; its masked text when it does."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool) or value is None:
        return value
    try:
        text = str(value)
    except (TypeError, ValueError, RecursionError):  # logging reports an argument it cannot show, later
        return value
    masked = mask_text(text)
    return value if masked == text else masked


class PersonalDataFilter(logging.Filter):
    """Masks phone and ID numbers, bank cards, plates, e-mail, chat ids and house numbers in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        else:
            record.msg = _masked(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_masked(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


_FILTER = PersonalDataFilter()


def mask_personal_data_in_logs() -> None:
    """Every log record this process makes is masked as it is made (calling this again changes nothing)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_personal_data", False):
        return
    made: Callable[..., logging.LogRecord] = current

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = made(*args, **kwargs)
        _FILTER.filter(record)
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
