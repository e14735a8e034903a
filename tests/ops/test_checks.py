"""`check --deploy` names what would stay on one machine."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.management import call_command

from medexam.ops.checks import node_local_findings


def config(db: str, storage: str, cache: str, sms: str) -> SimpleNamespace:
    return SimpleNamespace(
        DATABASES={"default": {"ENGINE": db}},
        STORAGES={"default": {"BACKEND": storage}},
        CACHES={"default": {"BACKEND": cache}},
        SMS_BACKEND=sms,
    )


def test_the_demo_configuration_lists_everything_node_local():
    demo = config(
        "django.db.backends.sqlite3",
        "django.core.files.storage.FileSystemStorage",
        "django.core.cache.backends.locmem.LocMemCache",
        "medexam.messaging.sms.FileSMSBackend",
    )

    ids = [w.id for w in node_local_findings(demo)]

    assert ids == ["medexam.W001", "medexam.W002", "medexam.W003", "medexam.W004"]


def test_a_many_machines_configuration_has_none():
    cluster = config(
        "django.db.backends.postgresql",
        "medexam.files.storage.PrivateS3Storage",
        "django.core.cache.backends.redis.RedisCache",
        "provider.sms.GatewayBackend",
    )

    assert node_local_findings(cluster) == []


def test_check_deploy_reports_them(capsys):
    # (The test settings allow async-unsafe calls, which --deploy rightly calls an error.)
    call_command("check", "--deploy", "--fail-level", "CRITICAL")

    assert "medexam.W002" in capsys.readouterr().err
