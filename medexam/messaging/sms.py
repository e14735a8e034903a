"""SMS backends. The default appends to a file (demo, tests); a provider adapter implements
`SMSBackend.send` and is named in MEDEXAM_SMS_BACKEND. Bodies may hold codes: a backend must
never log them anywhere else than its delivery channel."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from medexam.files.private import private_file


class SMSError(Exception):
    """Delivery failed; the outbox retries with backoff."""


@dataclass(frozen=True)
class SMSResult:
    provider_id: str


class SMSBackend:
    def send(self, *, phone: str, body: str, key: str) -> SMSResult:  # pragma: no cover
        raise NotImplementedError


class FileSMSBackend(SMSBackend):
    """Writes one JSON line per message to settings.SMS_FILE_PATH. Like a provider that
    honours idempotency keys, it writes a key once: a retry after an unknown outcome (a worker
    killed between sending and recording) does not deliver twice. Meant for the demo and tests:
    it reads the whole file to check, under an exclusive lock that works across processes.
    With DEBUG off the settings refuse it unless MEDEXAM_SMS_FILE_BACKEND_ALLOWED=1 (tests and
    benchmarks only): in production it would keep every live code in a file."""

    _lock = threading.Lock()

    def send(self, *, phone: str, body: str, key: str) -> SMSResult:
        path = settings.SMS_FILE_PATH
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "body": body, "key": key},
            ensure_ascii=False,
        )
        # Phone numbers and live codes: 0600 in a 0700 folder (medexam/files/private.py).
        with self._lock, os.fdopen(private_file(path), "a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            if f'"key": "{key}"' not in fh.read():
                fh.write(line + "\n")
        return SMSResult(provider_id=key)


def get_sms_backend() -> SMSBackend:
    return import_string(settings.SMS_BACKEND)()
