"""Sessions: a live session keeps the candidate logged in; an expired, ended, forged or
deactivated one does not. Without Redis the session store and the user load read with one
SQL statement each (medexam/accounts/sessions.py, backends.py): the same answers as Django's
own; with Redis, Django's cached_db serves them."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from medexam.accounts.backends import IdNumberBackend, StaffBackend

pytestmark = pytest.mark.django_db


def _log_in(client, candidate, password):
    assert client.login(username=candidate.id_number, password=password)
    return client.cookies["sessionid"].value


def test_a_live_session_keeps_the_candidate_logged_in(client, candidate, password):
    _log_in(client, candidate, password)

    response = client.get(reverse("materials:registration"))

    assert response.status_code == 200 and candidate.name in response.content.decode()


def test_an_expired_session_is_not_accepted(client, candidate, password):
    key = _log_in(client, candidate, password)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )

    response = client.get(reverse("materials:materials"))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(client, candidate, password):
    key = _log_in(client, candidate, password)
    client.post(reverse("accounts:logout"))

    client.cookies["sessionid"] = key  # a copy kept by someone else
    response = client.get(reverse("materials:materials"))

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()


def test_a_forged_session_key_gets_a_fresh_empty_session(client, candidate):
    client.cookies["sessionid"] = "x" * 32

    response = client.get(reverse("materials:materials"))

    assert response.status_code == 302


def test_a_deactivated_user_loses_the_session(client, candidate, password):
    _log_in(client, candidate, password)
    candidate.user.is_active = False
    candidate.user.save(update_fields=["is_active"])

    assert client.get(reverse("materials:materials")).status_code == 302


@pytest.mark.parametrize("backend", [IdNumberBackend, StaffBackend])
def test_the_backends_load_the_same_user_as_the_orm(backend, candidate, site_reviewer):
    for user in (candidate.user, site_reviewer):
        loaded = backend().get_user(str(user.pk))
        assert loaded == user
        fresh = type(user).objects.get(pk=user.pk)
        for field in fresh._meta.concrete_fields:  # every field loaded, none deferred
            assert getattr(loaded, field.attname) == getattr(fresh, field.attname), field.name
        assert loaded.get_deferred_fields() == set()
    assert backend().get_user("not-a-number") is None
    assert backend().get_user(10**9) is None


# --- served from Redis (MEDEXAM_REDIS_URL) ---------------------------------------------------

REDIS_URL = os.environ.get("MEDEXAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture
def redis_sessions(settings):
    """The settings MEDEXAM_REDIS_URL gives (medexam/settings.py), on a key prefix of this
    test's own so that runs sharing the Redis never meet."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield caches["default"]
    caches["default"].clear()


def _cache_key(key: str) -> str:
    return cached_db.KEY_PREFIX + key


def test_with_redis_a_request_reads_its_session_from_the_cache(
    client, candidate, password, redis_sessions
):
    key = _log_in(client, candidate, password)
    assert redis_sessions.get(_cache_key(key)) is not None
    Session.objects.filter(session_key=key).update(session_data="not what the cache holds")

    response = client.get(reverse("materials:registration"))

    assert response.status_code == 200 and candidate.name in response.content.decode()


def test_with_redis_a_flushed_cache_keeps_the_candidate_logged_in(
    client, candidate, password, redis_sessions
):
    key = _log_in(client, candidate, password)
    redis_sessions.clear()  # Redis restarted without persistence

    response = client.get(reverse("materials:registration"))

    assert response.status_code == 200
    assert redis_sessions.get(_cache_key(key)) is not None  # read back into the cache


def test_with_redis_logging_out_ends_the_session_in_the_cache_and_the_database(
    client, candidate, password, redis_sessions
):
    key = _log_in(client, candidate, password)
    client.post(reverse("accounts:logout"))

    client.cookies["sessionid"] = key
    response = client.get(reverse("materials:materials"))

    assert response.status_code == 302
    assert redis_sessions.get(_cache_key(key)) is None
    assert not Session.objects.filter(session_key=key).exists()
