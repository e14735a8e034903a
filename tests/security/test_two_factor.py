"""Issue 18 hole 9: staff saw thousands of ID photos with a password alone. Now every staff
account logs in with password + TOTP (django-otp), enrols with a QR code, holds one-time
recovery codes, and a lost phone is reset by an administrator, audited. Every staff page
refuses a session without the second factor; staff sessions time out when idle (30 min) and
after 12 hours; staff passwords expire after 90 days."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from medexam.accounts import throttling
from medexam.accounts.middleware import BEFORE_SECOND_FACTOR, NOT_PAGES, SEEN, STARTED
from medexam.accounts.models import User
from medexam.audit.models import AuditEntry
from tests.conftest import plain_login
from tests.factories import PASSWORD, UserFactory
from tests.second_factor import current_code, enrolled_device

pytestmark = pytest.mark.django_db
OTP = "/accounts/otp/"
SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.uuid4())}


def every_page() -> list[tuple[str, str]]:
    """(view name, a URL) for every URL pattern of the product, parameters filled in."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern):
                url = "/" + re.sub(
                    r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route
                )
                found.append((f"{namespace}{p.name}", url.replace("^", "").replace("$", "")))

    walk(get_resolver().url_patterns, "", "")
    return found


def unverified(user) -> Client:
    """The session of someone who typed the right password but not the second factor."""
    client = Client()
    plain_login(client, user, "medexam.accounts.backends.StaffBackend")
    return client


@pytest.fixture(params=[r for r in User.Role if r != User.Role.CANDIDATE])
def staff(request, shenyang):
    role = request.param
    scope = {"exam_site": shenyang} if role == User.Role.SITE_REVIEWER else {}
    return UserFactory(username=f"staff-{role}", role=role, province="liaoning", **scope)


def test_no_staff_page_opens_without_the_second_factor(staff):
    client = unverified(staff)
    pages = [(n, u) for n, u in every_page() if n not in BEFORE_SECOND_FACTOR | NOT_PAGES]
    pages = [(n, u) for n, u in pages if not n.startswith("health")]
    assert len(pages) > 40
    leaks = []
    for name, url in pages:
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith(OTP):
            leaks.append((name, url, response.status_code))
        fetched = client.post(url, HTTP_X_REQUESTED_WITH="fetch")
        if fetched.status_code != 403 or fetched.json()["code"] != "SECOND_FACTOR_REQUIRED":
            leaks.append((name, url, "POST", fetched.status_code))
    assert leaks == []


def test_the_same_pages_open_once_verified(site_reviewer, client):
    client.force_login(site_reviewer)
    response = client.get("/review/")
    assert response.status_code == 200
    assert unverified(site_reviewer).get("/review/").status_code == 302


def test_candidates_need_no_second_factor(candidate):
    client = Client()
    plain_login(client, candidate.user, "medexam.accounts.backends.IdNumberBackend")
    assert client.get("/candidate/").status_code == 200


def test_a_staff_login_asks_for_the_code_after_the_password(site_reviewer):
    device = enrolled_device(site_reviewer)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": site_reviewer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get("/review/")
    assert response.status_code == 302 and response["Location"].startswith(OTP)
    page = client.get(response["Location"])
    assert "动态验证码" in page.content.decode()
    wrong = client.post(OTP, {"code": "000000", "next": "/review/"})
    assert wrong.status_code == 200 and "动态码不正确" in wrong.content.decode()
    assert client.get("/review/").status_code == 302
    time.sleep(1.1)  # django-otp makes each failure wait longer: 1 s after the first
    right = client.post(OTP, {"code": current_code(device), "next": "/review/"})
    assert right.status_code == 302 and right["Location"] == "/review/"
    assert client.get("/review/").status_code == 200


def test_enrolment_with_the_qr_code_then_recovery_codes_work_once(site_reviewer):
    client = unverified(site_reviewer)
    response = client.get(OTP, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/accounts/otp/enrol/")
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "href" not in svg and "src=" not in svg  # drawn inline, nothing fetched
    secret = re.search(r'<code id="otp-secret">([A-Z2-7]+)</code>', page).group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=site_reviewer, confirmed=False)
    assert key == device.bin_key
    code = f"{TOTP(key).token():06d}"  # what the phone app shows after scanning
    response = client.post("/accounts/otp/enrol/", {"code": code, "next": "/review/"})
    codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", response.content.decode())
    assert len(codes) == 10
    assert client.get("/review/").status_code == 200
    assert AuditEntry.objects.filter(action="account.otp_enrolled").count() == 1

    # A recovery code instead of the phone: once.
    again = unverified(site_reviewer)
    assert again.post(OTP, {"code": codes[0], "next": "/review/"}).status_code == 302
    assert again.get("/review/").status_code == 200
    third = unverified(site_reviewer)
    assert third.post(OTP, {"code": codes[0]}).status_code == 200
    assert third.get("/review/").status_code == 302
    assert StaticToken.objects.filter(device__user=site_reviewer).count() == 9


def test_the_security_administrator_resets_a_lost_phone_audited(site_reviewer, db):
    enrolled_device(site_reviewer)
    admin = UserFactory(username="security-x", role=User.Role.SECURITY_ADMIN)
    client = Client()
    client.force_login(admin)
    url = f"/accounts/staff/{site_reviewer.pk}/reset-otp/"
    assert site_reviewer.username in client.get("/accounts/staff/").content.decode()
    assert client.post(url, {"reason": "手机丢失，已电话核实"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=site_reviewer).exists()
    entry = AuditEntry.objects.get(action="account.otp_reset")
    assert entry.actor_id == admin.pk and entry.target == f"user:{site_reviewer.pk}"
    # The next login enrols anew.
    assert unverified(site_reviewer).get(OTP)["Location"].startswith("/accounts/otp/enrol/")


def verified_by_login(user) -> Client:
    """A session that passed both steps through the real pages."""
    client = unverified(user)
    device = enrolled_device(user)
    assert client.post(OTP, {"code": current_code(device), "next": "/review/"}).status_code == 302
    return client


def test_a_verified_staff_page_does_not_look_the_device_up_again(site_reviewer):
    client = verified_by_login(site_reviewer)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/review/").status_code == 200
    assert not [q for q in queries if "otp_" in q["sql"]], "the device was read on a page"


def test_a_reset_ends_the_verification_of_sessions_already_open(site_reviewer):
    """The lost phone's sessions: verified before the reset, not after it, on their very
    next request (without the per-request device query of django-otp)."""
    open_session = verified_by_login(site_reviewer)
    assert open_session.get("/review/").status_code == 200
    admin = UserFactory(username="security-y", role=User.Role.SECURITY_ADMIN)
    security = Client()
    security.force_login(admin)
    url = f"/accounts/staff/{site_reviewer.pk}/reset-otp/"
    assert security.post(url, {"reason": "手机丢失，已电话核实"}).status_code == 302
    response = open_session.get("/review/")
    assert response.status_code == 302 and response["Location"].startswith(OTP)


def test_a_session_of_a_replaced_authenticator_is_no_longer_verified(site_reviewer):
    """Re-enrolment removes the old authenticator; a session verified by it asks again. New
    recovery codes end the sessions a recovery code had opened."""
    by_phone = verified_by_login(site_reviewer)
    from medexam.accounts import second_factor

    codes = second_factor.new_recovery_codes(site_reviewer)
    by_code = unverified(site_reviewer)
    assert by_code.post(OTP, {"code": codes[0], "next": "/review/"}).status_code == 302
    assert by_code.get("/review/").status_code == 200
    second_factor.new_recovery_codes(site_reviewer)  # the old codes' device is removed
    assert by_code.get("/review/").status_code == 302
    assert by_phone.get("/review/").status_code == 200  # the phone still counts
    TOTPDevice.objects.filter(user=site_reviewer).delete()  # e.g. replaced in the admin
    assert by_phone.get("/review/").status_code == 302


@pytest.mark.parametrize(
    "role", [User.Role.PROVINCE_REVIEWER, User.Role.ADMIN, User.Role.AUDIT_ADMIN]
)
def test_only_the_security_administrator_resets_second_factors(site_reviewer, role):
    enrolled_device(site_reviewer)
    client = Client()
    client.force_login(UserFactory(username=f"other-{role}", role=role, province="liaoning"))
    url = f"/accounts/staff/{site_reviewer.pk}/reset-otp/"
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert client.get("/accounts/staff/").status_code == 404
    assert TOTPDevice.objects.filter(user=site_reviewer).exists()


def test_an_idle_staff_session_ends_after_thirty_minutes(site_reviewer, client, settings):
    client.force_login(site_reviewer)
    assert client.get("/review/").status_code == 200
    session = client.session
    session[SEEN] = int(time.time()) - settings.STAFF_IDLE_SECONDS - 5
    session.save()
    response = client.get("/review/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert "30 分钟未操作" in client.get("/accounts/login/").content.decode()


def test_a_busy_staff_session_still_ends_after_twelve_hours(site_reviewer, client, settings):
    client.force_login(site_reviewer)
    assert client.get("/review/").status_code == 200
    session = client.session
    session[STARTED] = int(time.time()) - settings.STAFF_ABSOLUTE_SECONDS - 5
    session.save()
    assert client.get("/review/")["Location"].startswith("/accounts/login/")
    assert settings.STAFF_IDLE_SECONDS == 30 * 60 and settings.STAFF_ABSOLUTE_SECONDS == 12 * 3600


def test_an_expired_staff_password_must_be_changed_first(site_reviewer, client):
    User.objects.filter(pk=site_reviewer.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    client.force_login(site_reviewer)
    response = client.get("/review/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/password/change/"
    )
    new = "Winter-Shift-2026!"
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/review/").status_code == 200
    assert AuditEntry.objects.filter(action="account.password_changed").count() == 1


def test_staff_past_the_account_limit_type_the_code_with_the_password(site_reviewer):
    device = enrolled_device(site_reviewer)
    for i in range(throttling.MAX_PER_ACCOUNT):
        Client(REMOTE_ADDR=f"198.51.100.{i + 1}").post(
            "/accounts/login/", {"username": site_reviewer.username, "password": f"No-{i}-pass"}
        )
    client = Client()
    login = {"username": site_reviewer.username, "password": PASSWORD}
    assert client.post("/accounts/login/", login).status_code == 403
    response = client.post("/accounts/login/", {**login, "code": current_code(device)})
    assert response.status_code == 302
    # The code was the second factor too: straight in.
    assert client.get("/review/").status_code == 200


def test_a_password_chosen_by_the_security_administrator_is_changed_at_first_login(
    shenyang, client
):
    from medexam.accounts import staff

    security = UserFactory(username="security-y", role=User.Role.SECURITY_ADMIN)
    user, password = staff.create_staff(
        actor=security,
        username="new-reviewer",
        display_name="新审核员",
        role=User.Role.SITE_REVIEWER,
        exam_site=shenyang,
    )
    client.force_login(user)
    response = client.get("/review/")
    assert response["Location"].startswith("/accounts/password/change/")
    assert "初始密码" in client.get(response["Location"]).content.decode()
    new = "Own-Secret-2026!"
    client.post(
        "/accounts/password/change/",
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert client.get("/review/").status_code == 200
