import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from medexam.accounts.models import LoginFailure, User
from medexam.accounts.throttling import MAX_PER_NAME, record_failure

pytestmark = pytest.mark.django_db
GOOD = "Right-Password-42"
LOGIN = "/accounts/login/"


@pytest.fixture
def active_candidate(imported_candidate):
    imported_candidate.user.set_password(GOOD)
    imported_candidate.user.save()
    return imported_candidate


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_url_is_the_throttled_view():
    assert reverse("accounts:login") == LOGIN


def test_too_many_failures_lock_the_id_number_even_for_the_right_password(client, active_candidate):
    id_number = active_candidate.id_number
    for _ in range(MAX_PER_NAME):
        assert login(client, id_number, "wrong-password").status_code == 200
    response = login(client, id_number.lower(), GOOD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_with_the_window(client, active_candidate):
    past = timezone.now() - dt.timedelta(minutes=16)
    for _ in range(MAX_PER_NAME):
        record_failure(username=active_candidate.id_number, request=None, now=past)
    assert login(client, active_candidate.id_number, GOOD).status_code == 302


def test_a_successful_login_clears_earlier_failures(client, active_candidate):
    for _ in range(MAX_PER_NAME - 1):
        login(client, active_candidate.id_number, "wrong-password")
    assert login(client, active_candidate.id_number, GOOD).status_code == 302
    assert LoginFailure.objects.count() == 0


def test_failures_store_no_id_number(client, active_candidate):
    login(client, active_candidate.id_number, "wrong-password")
    row = LoginFailure.objects.get()
    assert active_candidate.id_number not in row.subject and row.ip == "127.0.0.1"


def test_staff_logins_are_throttled_too(client, db):
    staff = User.objects.create(username="reviewer", role=User.Role.SITE_REVIEWER)
    staff.set_password(GOOD)
    staff.save()
    for _ in range(MAX_PER_NAME):
        login(client, "reviewer", "nope-nope-nope")
    assert login(client, "reviewer", GOOD).status_code == 429
    # Another account from the same address is not affected by one name's lock.
    other = User.objects.create(username="reviewer2", role=User.Role.SITE_REVIEWER)
    other.set_password(GOOD)
    other.save()
    assert login(client, "reviewer2", GOOD).status_code == 302


def test_login_page_links_to_activation_and_reset(client, db):
    page = client.get(LOGIN).content.decode()
    assert reverse("accounts:activate") in page and reverse("accounts:reset") in page
