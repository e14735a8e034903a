import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from medexam.accounts import throttling
from medexam.accounts.models import LoginFailure, User
from medexam.accounts.throttling import MAX_PER_NAME, record_failure
from tests.accounts.test_activation import code_in

pytestmark = pytest.mark.django_db
GOOD = "Right-Password-42"
LOGIN = "/accounts/login/"


@pytest.fixture
def active_candidate(imported_candidate):
    imported_candidate.user.set_password(GOOD)
    imported_candidate.user.save()
    return imported_candidate


def login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


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


def stranger_fails(username: str, times: int, *, first_ip: int = 1) -> None:
    """Failures from many addresses (a guesser spreading out), each its own client."""
    for i in range(times):
        Client(REMOTE_ADDR=f"198.51.100.{first_ip + i}").post(
            LOGIN, {"username": username, "password": f"Guess-{i}-Wrong"}
        )


def test_a_stranger_cannot_lock_the_candidate_out(client, active_candidate):
    """Failures from another address refuse that address, not the real person."""
    stranger = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(MAX_PER_NAME + 3):
        stranger.post(LOGIN, {"username": active_candidate.id_number, "password": "Wrong-1a"})
    assert login(stranger, active_candidate.id_number, GOOD).status_code == 429
    assert login(client, active_candidate.id_number, GOOD).status_code == 302


def test_past_the_account_limit_the_password_needs_an_sms_code(
    client, active_candidate, sms_outbox, post_committed
):
    id_number = active_candidate.id_number
    stranger_fails(id_number, throttling.MAX_PER_ACCOUNT)
    # The right password alone is not checked any more: the page asks for a code, 403.
    response = login(client, id_number, GOOD)
    assert response.status_code == 403 and "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "获取短信验证码" in page and 'name="code"' in page
    # A wrong code: still out, and the password was not checked.
    assert login(client, id_number, GOOD, code="000000").status_code == 403
    # The real person asks for the code (sent to the registration record's phone) and gets in.
    response = post_committed(LOGIN, {"username": id_number, "password": "", "action": "send_code"})
    assert response.status_code == 200
    [sms] = sms_outbox()
    assert sms["phone"] == "13912345678"
    code = code_in(sms)
    assert login(client, id_number, GOOD, code=code).status_code == 302
    # A code serves one password check only.
    client.logout()
    assert login(client, id_number, GOOD, code=code).status_code == 403


def test_a_guesser_past_the_account_limit_gets_no_more_checks(client, active_candidate):
    id_number = active_candidate.id_number
    stranger_fails(id_number, throttling.MAX_PER_ACCOUNT)
    before = LoginFailure.objects.count()
    for i in range(5):
        response = login(client, id_number, f"Guess-{i}-More", code=f"{i:06d}")
        assert response.status_code == 403
    assert LoginFailure.objects.count() == before


def test_a_successful_reset_lifts_the_account_limit(
    client, active_candidate, sms_outbox, post_committed
):
    id_number = active_candidate.id_number
    stranger_fails(id_number, throttling.MAX_PER_ACCOUNT)
    assert login(client, id_number, GOOD).status_code == 403
    post_committed(reverse("accounts:reset"), {"id_number": id_number})
    code = code_in(sms_outbox()[0])
    new = "Fresh-Start-2026"
    response = client.post(
        reverse("accounts:reset_password"), {"code": code, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert login(client, id_number, new).status_code == 302


def test_one_address_is_refused_after_many_names(client, db):
    for i in range(throttling.MAX_PER_IP):
        record_failure(username=f"name-{i}", request=RequestFactory().get("/"))
    response = login(client, "someone-else", "Whatever-1a")
    assert response.status_code == 429 and "本网络登录失败次数过多" in response.content.decode()


def test_refused_attempts_are_answered_at_once_and_leave_no_row(client, active_candidate):
    for _ in range(MAX_PER_NAME):
        login(client, active_candidate.id_number, "wrong-password")
    assert LoginFailure.objects.count() == MAX_PER_NAME
    for _ in range(3):
        assert login(client, active_candidate.id_number, GOOD).status_code == 429
    assert LoginFailure.objects.count() == MAX_PER_NAME
