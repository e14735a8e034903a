"""Reading settings from the environment: a value that cannot be read stops the start with
the variable's name, never a silent default."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from medexam.env import env_secret


def test_a_secret_comes_from_the_variable(monkeypatch):
    monkeypatch.setenv("MEDEXAM_TEST_SECRET", "plain-value")

    assert env_secret("MEDEXAM_TEST_SECRET") == "plain-value"


def test_a_secret_comes_from_the_file_named_by_name_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.delenv("MEDEXAM_TEST_SECRET", raising=False)
    monkeypatch.setenv("MEDEXAM_TEST_SECRET_FILE", str(secret))

    assert env_secret("MEDEXAM_TEST_SECRET", "default") == "from-a-file"


def test_without_either_the_default_applies(monkeypatch):
    monkeypatch.delenv("MEDEXAM_TEST_SECRET", raising=False)
    monkeypatch.delenv("MEDEXAM_TEST_SECRET_FILE", raising=False)

    assert env_secret("MEDEXAM_TEST_SECRET", "default") == "default"


def test_a_missing_secret_file_stops_the_start_with_its_name(monkeypatch, tmp_path):
    monkeypatch.delenv("MEDEXAM_TEST_SECRET", raising=False)
    monkeypatch.setenv("MEDEXAM_TEST_SECRET_FILE", str(tmp_path / "absent"))

    with pytest.raises(ImproperlyConfigured) as refused:
        env_secret("MEDEXAM_TEST_SECRET", "default")

    assert "MEDEXAM_TEST_SECRET_FILE" in str(refused.value)


def test_an_empty_secret_file_is_refused(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    monkeypatch.delenv("MEDEXAM_TEST_SECRET", raising=False)
    monkeypatch.setenv("MEDEXAM_TEST_SECRET_FILE", str(empty))

    with pytest.raises(ImproperlyConfigured) as refused:
        env_secret("MEDEXAM_TEST_SECRET")

    assert str(refused.value) == f"MEDEXAM_TEST_SECRET_FILE={str(empty)!r} is empty"


def test_both_the_variable_and_its_file_is_refused(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x", encoding="utf-8")
    monkeypatch.setenv("MEDEXAM_TEST_SECRET", "y")
    monkeypatch.setenv("MEDEXAM_TEST_SECRET_FILE", str(secret))

    with pytest.raises(ImproperlyConfigured) as refused:
        env_secret("MEDEXAM_TEST_SECRET")

    assert str(refused.value) == "set MEDEXAM_TEST_SECRET or MEDEXAM_TEST_SECRET_FILE, not both"
