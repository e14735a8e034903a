"""`python -m medexam check --deploy`: what would stay on one machine if this configuration
ran on several. Each is fine for the demo and wrong behind a load balancer."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

SHARED = " before running more than one app node (README, 'Many machines')"


def _findings(config):
    """(is node-local now, what, how to share it, check id)."""
    yield (
        config.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        "the database is an SQLite file on this machine",
        "DATABASE_URL=postgres://…" + SHARED,
        "medexam.W001",
    )
    yield (
        config.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"),
        "candidates' files are stored on this machine's disk",
        "MEDEXAM_STORAGE=s3 and the MEDEXAM_S3_* settings" + SHARED,
        "medexam.W002",
    )
    yield (
        config.CACHES["default"]["BACKEND"].endswith("LocMemCache"),
        "the cache is each process's own memory",
        "MEDEXAM_REDIS_URL=redis://…" + SHARED,
        "medexam.W003",
    )
    yield (
        config.SMS_BACKEND.endswith("FileSMSBackend"),
        "text messages are written to a file on this machine, not sent",
        "MEDEXAM_SMS_BACKEND: the SMS gateway's backend",
        "medexam.W004",
    )


def node_local_findings(config) -> list[Warning]:
    """For any object with the four settings (django.conf.settings, or a stand-in)."""
    return [
        Warning(f"node-local: {what}", hint=hint, id=check_id)
        for local, what, hint, check_id in _findings(config)
        if local
    ]


@register(Tags.compatibility, deploy=True)
def node_local_state(app_configs, **kwargs):
    return node_local_findings(settings)
