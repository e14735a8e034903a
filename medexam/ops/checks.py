"""`python -m medexam check --deploy`: what would stay on one machine if this configuration
ran on several. Each is fine for the demo and wrong behind a load balancer."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

HINT_SHARED = "set it before running more than one app node (README, 'Many machines')"


@register(Tags.compatibility, deploy=True)
def node_local_state(app_configs, **kwargs):
    found = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        found.append(
            Warning(
                "node-local: the database is an SQLite file on this machine",
                hint="DATABASE_URL=postgres://… " + HINT_SHARED,
                id="medexam.W001",
            )
        )
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        found.append(
            Warning(
                "node-local: candidates' files are stored on this machine's disk",
                hint="MEDEXAM_STORAGE=s3 and the MEDEXAM_S3_* settings: " + HINT_SHARED,
                id="medexam.W002",
            )
        )
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        found.append(
            Warning(
                "node-local: the cache is each process's own memory",
                hint="MEDEXAM_REDIS_URL=redis://… " + HINT_SHARED,
                id="medexam.W003",
            )
        )
    if settings.SMS_BACKEND.endswith("FileSMSBackend"):
        found.append(
            Warning(
                "node-local: text messages are written to a file on this machine, not sent",
                hint="MEDEXAM_SMS_BACKEND: the SMS gateway's backend",
                id="medexam.W004",
            )
        )
    return found
