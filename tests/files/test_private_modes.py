"""Files with personal data are the service user's alone: the SQLite database and its -wal
and -shm files, the file SMS backend's log (live codes) 0600, their folders 0700; and the
file SMS backend refuses to start in production."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from medexam.messaging.sms import FileSMSBackend


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def run(args, env, umask=0o022):
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "medexam", *args],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(umask),  # noqa: PLW1509 - a shell's usual umask
        timeout=300,
    )


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="medexam.settings", MEDEXAM_DEBUG="0", **extra)
    return env


def test_the_sqlite_database_and_its_companions_are_0600(tmp_path):
    folder = tmp_path / "var"
    database = folder / "medexam.sqlite3"
    folder.mkdir(mode=0o755)
    database.write_bytes(b"")  # made by an older version, as the shell's umask left it
    os.chmod(database, 0o644)
    env = production_env(DATABASE_URL=f"sqlite:///{database}", MEDEXAM_VAR_DIR=str(folder))
    done = run(["migrate", "--no-input"], env)
    assert done.returncode == 0, done.stderr[-2000:]
    companions = [database] + [
        database.with_name(database.name + s)
        for s in ("-wal", "-shm")
        if database.with_name(database.name + s).exists()
    ]
    assert {str(p): mode(p) for p in companions} == {str(p): 0o600 for p in companions}
    # A fresh database, created by this start, is 0600 from its first byte.
    fresh = tmp_path / "new" / "db.sqlite3"
    done = run(["migrate", "--no-input"], {**env, "DATABASE_URL": f"sqlite:///{fresh}"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert mode(fresh) == 0o600


def test_the_sms_log_is_0600_in_a_0700_folder(settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "sms" / "deep" / "sms.log"
    FileSMSBackend().send(phone="13900000001", body="验证码 123456", key="k1")
    assert mode(settings.SMS_FILE_PATH) == 0o600
    assert mode(tmp_path / "sms") == mode(tmp_path / "sms" / "deep") == 0o700
    # An existing log written by an older version with 0644 is tightened on the next write.
    os.chmod(settings.SMS_FILE_PATH, 0o644)
    FileSMSBackend().send(phone="13900000001", body="验证码 654321", key="k2")
    assert mode(settings.SMS_FILE_PATH) == 0o600
    assert settings.SMS_FILE_PATH.read_text().count("\n") == 2


@pytest.mark.parametrize(
    ("extra", "starts"),
    [
        ({}, False),  # production with the file backend: refused
        ({"MEDEXAM_DEBUG": "1"}, True),  # the demo
        ({"MEDEXAM_SMS_BACKEND": "medexam.messaging.sms.SMSBackend"}, True),  # a gateway
    ],
)
def test_the_file_sms_backend_does_not_start_in_production(tmp_path, extra, starts):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("MEDEXAM_SMS_FILE_BACKEND_ALLOWED", None)
    env.pop("MEDEXAM_SMS_BACKEND", None)
    env.update(extra)
    done = run(["check"], env)
    assert (done.returncode == 0) is starts, done.stderr[-2000:]
    if not starts:
        assert "MEDEXAM_SMS_BACKEND is the file backend" in done.stderr
