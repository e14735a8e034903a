"""Candidate accounts: activation and password reset through an SMS verification code.

An imported candidate has an unusable password (candidates.services). To set one, they type
their ID number, receive a six-digit code on the phone of their registration record, and
type it with a new password. Codes expire, can be tried a few times only, and can be asked
for a few times per hour per ID number and per IP address. Codes never reach a log line or
the audit log; only a keyed hash is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medexam.accounts.models import User, VerificationCode
from medexam.audit.services import client_ip, record
from medexam.candidates.idcrypto import id_hmac, normalise_id_number
from medexam.errors import DomainError
from medexam.messaging.sms import get_sms_backend

if TYPE_CHECKING:
    from django.http import HttpRequest

# [decision] Defaults follow common Chinese SMS-login practice: 6 digits, 10 minutes, one
# message a minute, 5 an hour per person; override in settings (see the end of settings.py).
CODE_TTL = dt.timedelta(seconds=getattr(settings, "SMS_CODE_TTL_SECONDS", 600))
RESEND_AFTER = dt.timedelta(seconds=getattr(settings, "SMS_CODE_RESEND_SECONDS", 60))
MAX_PER_HOUR = getattr(settings, "SMS_CODE_MAX_PER_HOUR", 5)
MAX_PER_IP_HOUR = getattr(settings, "SMS_CODE_MAX_PER_IP_HOUR", 30)
MAX_ATTEMPTS = getattr(settings, "SMS_CODE_MAX_ATTEMPTS", 5)


@dataclass(frozen=True)
class CodeSent:
    """The same for a registered ID number and an unknown one: no phone number in it."""

    subject: str


def subject_for(id_number: str) -> str:
    return _hmac("subject", normalise_id_number(id_number))


def masked_phone_of(user: User) -> str:
    """The masked phone of the account's latest registration record (shown after a correct
    code only)."""
    from medexam.candidates.models import Candidate, mask_phone

    candidate = Candidate.objects.filter(user=user).order_by("-exam__year").first()
    return mask_phone(candidate.phone) if candidate is not None else ""


def _hmac(kind: str, value: str) -> str:
    key = f"medexam-verification-{kind}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _find_candidate_user(id_number: str) -> tuple[User | None, str]:
    from medexam.candidates.models import Candidate

    candidate = (
        Candidate.objects.filter(id_number_hmac=id_hmac(id_number), exam__is_active=True)
        .select_related("user")
        .order_by("-exam__year")
        .first()
    )
    if candidate is None or not candidate.user.is_active:
        return None, ""
    return candidate.user, candidate.phone


def _code_for(nonce: str) -> str:
    """The six digits of a code row: derived from its random nonce and the secret key, so the
    delivery task finds the code from the row id and no copy of it is stored anywhere."""
    digest = _hmac("code-value", nonce)
    return f"{int(digest[:15], 16) % 10**6:06d}"


def request_code(
    *,
    id_number: str,
    purpose: str,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> CodeSent:
    """Sends a code to the phone of the registration record that holds `id_number`.

    Registered or not, the same work is done in the same order (the same queries, a code row
    with a code, the audit entry, a delivery task enqueued after commit; the task sends nothing
    for a row without an account) and the caller gets the same answer: neither the page nor its
    timing tells who is registered (tests/security/test_enumeration.py). The masked phone
    number is shown only after a correct code (set_password_with_code)."""
    now = now or timezone.now()
    subject = subject_for(id_number)
    ip = client_ip(request)
    if not normalise_id_number(id_number):
        raise DomainError("id_number_required", "请填写报名时使用的证件号码。")
    with transaction.atomic():
        # Rate limits count rows, not users: an ID number that matches nobody is limited
        # the same way, so the answers do not tell which ID numbers are registered.
        recent = VerificationCode.objects.filter(
            subject=subject, created_at__gte=now - dt.timedelta(hours=1)
        )
        latest = recent.order_by("-created_at").first()
        if latest is not None and latest.created_at > now - RESEND_AFTER:
            wait = int((latest.created_at + RESEND_AFTER - now).total_seconds()) + 1
            raise DomainError("too_soon", f"验证码已发送，请 {wait} 秒后再重新获取。")
        if recent.count() >= MAX_PER_HOUR:
            raise DomainError(
                "too_many_codes",
                f"1 小时内最多获取 {MAX_PER_HOUR} 次验证码，请稍后再试；"
                "如手机号码已更换，请联系考点工作人员更正。",
            )
        if (
            ip
            and VerificationCode.objects.filter(
                ip=ip, created_at__gte=now - dt.timedelta(hours=1)
            ).count()
            >= MAX_PER_IP_HOUR
        ):
            raise DomainError("too_many_from_ip", "本网络获取验证码过于频繁，请 1 小时后再试。")

        user, _phone = _find_candidate_user(id_number)
        # A new code replaces the older ones: only the latest message is valid.
        VerificationCode.objects.filter(
            subject=subject, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        nonce = secrets.token_hex(16)
        row = VerificationCode.objects.create(
            user=user,
            subject=subject,
            purpose=purpose,
            ip=ip,
            created_at=now,
            expires_at=now + CODE_TTL,
            nonce=nonce,
            code_hash=_hmac(f"code-{subject}", _code_for(nonce)),
        )
        from medexam.accounts.tasks import send_verification_code
        from medexam.jobs import enqueue_on_commit

        # Sent after commit by a task: a rolled-back request leaves no code in anyone's
        # phone, and the provider's latency is not part of this answer.
        enqueue_on_commit(send_verification_code, row.pk)
        record(
            action="account.code_requested",
            actor=user,
            request=request,
            target=f"user:{user.pk}" if user is not None else "",
            summary=f"申请{ACTIONS[purpose]}验证码",
            data={"purpose": purpose},
        )
    return CodeSent(subject=subject)


ACTIONS: dict[str, str] = {
    VerificationCode.Purpose.ACTIVATE: "激活账号",
    VerificationCode.Purpose.RESET: "重置密码",
    VerificationCode.Purpose.LOGIN: "登录",
}


def deliver_code(*, code_id: int) -> bool:
    """Sends the SMS of one code row (the task's body). Nothing for a row without an account
    (an ID number that matched nobody), a spent or a replaced one. Idempotent: the provider gets
    the row's key, so a retried task does not deliver twice."""
    row = VerificationCode.objects.select_related("user").filter(pk=code_id).first()
    if row is None or row.user is None or row.used_at is not None:
        return False
    if VerificationCode.objects.filter(subject=row.subject, created_at__gt=row.created_at).exists():
        return False  # a newer code replaced it before it went out
    from medexam.candidates.models import Candidate

    candidate = (
        Candidate.objects.filter(user=row.user, exam__is_active=True)
        .order_by("-exam__year")
        .first()
    )
    if candidate is None or not candidate.phone:
        return False
    minutes = int(CODE_TTL.total_seconds() // 60)
    body = (
        f"【医师资格考试考生服务系统】您正在{ACTIONS[row.purpose]}，验证码 {_code_for(row.nonce)}，"
        f"{minutes} 分钟内有效。请勿将验证码告诉任何人，工作人员不会向您索取。"
    )
    get_sms_backend().send(phone=candidate.phone, body=body, key=f"verification-{row.pk}")
    return True


def check_login_code(*, subject: str, code: str, now: dt.datetime | None = None) -> bool:
    """A login past the per-account limit (accounts.throttling): the latest login code of the
    name, right and unspent. Spent by one password check, right or wrong; a wrong code counts
    an attempt."""
    now = now or timezone.now()
    code = "".join(code.split())
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(subject=subject, purpose=VerificationCode.Purpose.LOGIN, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
            return False
        if row.user_id is None or not hmac.compare_digest(
            row.code_hash, _hmac(f"code-{subject}", code)
        ):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            return False
        row.used_at = now
        row.save(update_fields=["used_at"])
        return True


def set_password_with_code(
    *,
    subject: str,
    code: str,
    password: str,
    purpose: str,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Checks the code and sets the password. A wrong code counts an attempt (kept even
    though the request fails); the code is spent once it has worked."""
    now = now or timezone.now()
    code = "".join(code.split())
    failure: DomainError | None = None
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(subject=subject, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.expires_at <= now:
            raise DomainError("code_expired", "验证码已过期或尚未获取，请重新获取验证码。")
        if row.attempts >= MAX_ATTEMPTS:
            raise DomainError("too_many_attempts", "验证码输错次数过多，已失效，请重新获取验证码。")
        if row.user_id is None or not hmac.compare_digest(
            row.code_hash, _hmac(f"code-{subject}", code)
        ):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - row.attempts
            failure = DomainError(
                "wrong_code",
                f"验证码不正确，还可以再试 {left} 次。"
                if left
                else "验证码输错次数过多，已失效，请重新获取验证码。",
            )
        else:
            user = User.objects.select_for_update().get(pk=row.user_id)
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise DomainError(
                    "weak_password", "密码不符合要求：" + "".join(exc.messages)
                ) from None
            user.set_password(password)
            user.save(update_fields=["password"])
            row.used_at = now
            row.save(update_fields=["used_at"])
            # Other codes of this person die with this one.
            VerificationCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
            activated = purpose == VerificationCode.Purpose.ACTIVATE
            record(
                action="account.activated" if activated else "account.password_reset",
                actor=user,
                request=request,
                target=f"user:{user.pk}",
                summary="考生通过短信验证码激活账号" if activated else "考生通过短信验证码重置密码",
            )
            # A successful reset lifts the per-account login limit (accounts.throttling).
            from medexam.accounts.throttling import clear_subject

            clear_subject(subject=subject)
    if failure is not None:
        raise failure
    return user
