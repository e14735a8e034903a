"""`check --deploy` names what would stay on one machine."""

from __future__ import annotations

from django.core.management import call_command

from medexam.ops.checks import node_local_state


def test_the_demo_configuration_lists_everything_node_local(settings):
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SMS_BACKEND = "medexam.messaging.sms.FileSMSBackend"

    ids = [w.id for w in node_local_state(None)]

    assert ids == ["medexam.W001", "medexam.W002", "medexam.W003", "medexam.W004"]


def test_a_many_machines_configuration_has_none(settings):
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    settings.SMS_BACKEND = "provider.sms.GatewayBackend"

    assert node_local_state(None) == []


def test_check_deploy_reports_them(capsys):
    # (The test settings allow async-unsafe calls, which --deploy rightly calls an error.)
    call_command("check", "--deploy", "--fail-level", "CRITICAL")

    assert "medexam.W002" in capsys.readouterr().err
