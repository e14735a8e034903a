import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from medexam.accounts.models import VerificationCode
from medexam.accounts.services import (
    MAX_ATTEMPTS,
    set_password_with_code,
)
from medexam.audit.models import AuditEntry
from medexam.candidates.models import mask_id_number, mask_phone
from medexam.errors import DomainError
from tests.candidates.helpers import resident_id

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Shenyang-Exam-2022"
ACTIVATE = VerificationCode.Purpose.ACTIVATE


def code_in(message: dict) -> str:
    return re.search(r"验证码 (\d{6})", message["body"]).group(1)


def test_masking_keeps_first_and_last_four():
    assert mask_id_number("21010219950712001X") == "2101**********001X"
    assert mask_phone("13912345678") == "139****5678"


def test_an_imported_candidate_activates_by_sms_code_and_logs_in(
    client, imported_candidate, sms_outbox, post_committed
):
    id_number = imported_candidate.id_number
    login = reverse("accounts:login")
    assert client.post(login, {"username": id_number, "password": NEW_PASSWORD}).status_code == 200

    response = post_committed(reverse("accounts:activate"), {"id_number": id_number.lower()})
    assert response.status_code == 302
    [sms] = sms_outbox()
    assert sms["phone"] == "13912345678"
    page = client.get(response["Location"]).content.decode()
    # Before a correct code, the page tells nothing of the registration record.
    assert "139****5678" not in page and "5678" not in page
    assert id_number not in page

    response = client.post(
        reverse("accounts:activate_password"),
        {"code": code_in(sms), "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == login
    assert "139****5678" in client.get(login).content.decode()

    response = client.post(login, {"username": id_number, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="account.activated").count() == 1


def test_the_code_never_reaches_the_audit_log(imported_candidate, sms_outbox, send_code):
    send_code(id_number=imported_candidate.id_number, purpose=ACTIVATE)
    code = code_in(sms_outbox()[0])
    assert not any(code in str(e.data) + e.summary for e in AuditEntry.objects.all())
    assert not VerificationCode.objects.filter(code_hash__contains=code).exists()


def test_an_expired_code_is_refused(imported_candidate, sms_outbox, send_code):
    sent_at = timezone.now() - dt.timedelta(minutes=11)
    sent = send_code(id_number=imported_candidate.id_number, purpose=ACTIVATE, now=sent_at)
    with pytest.raises(DomainError) as exc:
        set_password_with_code(
            subject=sent.subject,
            code=code_in(sms_outbox()[0]),
            password=NEW_PASSWORD,
            purpose=ACTIVATE,
        )
    assert exc.value.code == "code_expired" and "重新获取" in exc.value.message
    imported_candidate.user.refresh_from_db()
    assert not imported_candidate.user.has_usable_password()


def test_a_code_works_once(imported_candidate, sms_outbox, send_code):
    sent = send_code(id_number=imported_candidate.id_number, purpose=ACTIVATE)
    code = code_in(sms_outbox()[0])
    set_password_with_code(subject=sent.subject, code=code, password=NEW_PASSWORD, purpose=ACTIVATE)
    with pytest.raises(DomainError, match="过期或尚未获取"):
        set_password_with_code(
            subject=sent.subject, code=code, password="Another-Pass-77", purpose=ACTIVATE
        )


def test_wrong_codes_are_counted_and_then_the_code_is_dead(
    imported_candidate, sms_outbox, send_code
):
    sent = send_code(id_number=imported_candidate.id_number, purpose=ACTIVATE)
    right = code_in(sms_outbox()[0])
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _attempt in range(MAX_ATTEMPTS):
        with pytest.raises(DomainError) as exc:
            set_password_with_code(
                subject=sent.subject, code=wrong, password=NEW_PASSWORD, purpose=ACTIVATE
            )
        assert exc.value.code == "wrong_code"
    assert "还可以再试 4 次" not in exc.value.message
    with pytest.raises(DomainError) as exc:
        set_password_with_code(
            subject=sent.subject, code=right, password=NEW_PASSWORD, purpose=ACTIVATE
        )
    assert exc.value.code == "too_many_attempts"


def test_a_new_code_replaces_the_previous_one(imported_candidate, sms_outbox, send_code):
    start = timezone.now() - dt.timedelta(minutes=2)
    send_code(id_number=imported_candidate.id_number, purpose=ACTIVATE, now=start)
    sent = send_code(id_number=imported_candidate.id_number, purpose=ACTIVATE)
    first, second = (code_in(m) for m in sms_outbox())
    if first != second:
        with pytest.raises(DomainError):
            set_password_with_code(
                subject=sent.subject, code=first, password=NEW_PASSWORD, purpose=ACTIVATE
            )
    set_password_with_code(
        subject=sent.subject, code=second, password=NEW_PASSWORD, purpose=ACTIVATE
    )


def test_codes_are_rate_limited_per_minute_and_per_hour(imported_candidate, sms_outbox, send_code):
    id_number = imported_candidate.id_number
    start = timezone.now() - dt.timedelta(minutes=50)
    send_code(id_number=id_number, purpose=ACTIVATE, now=start)
    with pytest.raises(DomainError) as exc:
        send_code(id_number=id_number, purpose=ACTIVATE, now=start + dt.timedelta(seconds=30))
    assert exc.value.code == "too_soon" and "31 秒后" in exc.value.message
    for minute in range(1, 5):
        send_code(id_number=id_number, purpose=ACTIVATE, now=start + dt.timedelta(minutes=minute))
    with pytest.raises(DomainError) as exc:
        send_code(id_number=id_number, purpose=ACTIVATE, now=start + dt.timedelta(minutes=6))
    assert exc.value.code == "too_many_codes"
    assert len(sms_outbox()) == 5
    # An hour after the first, the window has room again.
    send_code(id_number=id_number, purpose=ACTIVATE, now=start + dt.timedelta(minutes=61))


def test_unknown_id_numbers_get_the_same_answer_and_the_same_limits(client, db, sms_outbox):
    unknown = resident_id(77)
    response = client.post(reverse("accounts:reset"), {"id_number": unknown})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "如果该证件号码已导入本系统" in page
    assert sms_outbox() == []
    response = client.post(reverse("accounts:reset"), {"id_number": unknown})
    assert "秒后再重新获取" in response.content.decode()


def test_a_weak_password_is_refused_and_the_code_stays_usable(
    imported_candidate, sms_outbox, send_code
):
    sent = send_code(id_number=imported_candidate.id_number, purpose=ACTIVATE)
    code = code_in(sms_outbox()[0])
    with pytest.raises(DomainError) as exc:
        set_password_with_code(
            subject=sent.subject, code=code, password="12345678", purpose=ACTIVATE
        )
    assert exc.value.code == "weak_password"
    set_password_with_code(subject=sent.subject, code=code, password=NEW_PASSWORD, purpose=ACTIVATE)


def test_forgotten_password_page_resets_an_active_account(
    client, imported_candidate, sms_outbox, post_committed
):
    user = imported_candidate.user
    user.set_password("Old-Password-11")
    user.save()
    post_committed(reverse("accounts:reset"), {"id_number": imported_candidate.id_number})
    client.post(
        reverse("accounts:reset_password"),
        {"code": code_in(sms_outbox()[0]), "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="account.password_reset").count() == 1


def test_set_password_page_without_a_code_request_sends_the_user_back(client, db):
    response = client.get(reverse("accounts:activate_password"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:activate")
