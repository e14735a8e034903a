"""Log records as one JSON object per line (MEDEXAM_LOG_FORMAT=json: `JsonLines`), and a last guard that
keeps personal data out of every line whatever a caller passes.

The code logs events and ids, never names, ID numbers or phone numbers; the guard masks
anything shaped like a resident ID number (GB 11643: 17 digits and a check digit or X) or a
mainland mobile number, in the message and in any extra field, before a handler sees it."""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_STANDARD = set(vars(logging.makeLogRecord({})))


def mask(text: str) -> str:
    text = ID_NUMBER.sub(lambda m: m.group()[:3] + "*" * 15, text)
    return MOBILE.sub(lambda m: m.group()[:3] + "*" * 8, text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask(value))
        return True


class Json(JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "asctime": "time"})
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)


class _MaskedExceptions:
    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return mask(super().formatException(ei))


class JsonLines(_MaskedExceptions, Json):
    pass


class Plain(_MaskedExceptions, logging.Formatter):
    pass
