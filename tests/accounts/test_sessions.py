"""The session store and the user load read with one SQL statement each: same answers as
Django's own (a live session logs in, an expired, ended or forged one does not)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
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
