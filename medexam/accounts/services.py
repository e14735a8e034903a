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
    subject: str
    masked_phone: str | None  # None: the ID number matched nobody (the page says the same)


def subject_for(id_number: str) -> str:
    return _hmac("subject", normalise_id_number(id_number))


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


def request_code(
    *,
    id_number: str,
    purpose: str,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> CodeSent:
    """Sends a code to the phone of the registration record that holds `id_number`."""
    from medexam.candidates.models import mask_phone

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

        user, phone = _find_candidate_user(id_number)
        if user is None:
            VerificationCode.objects.create(
                subject=subject, purpose=purpose, ip=ip, created_at=now, expires_at=now + CODE_TTL
            )
            return CodeSent(subject=subject, masked_phone=None)
        # A new code replaces the older ones: only the latest message is valid.
        VerificationCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        code = f"{secrets.randbelow(10**6):06d}"
        row = VerificationCode.objects.create(
            user=user,
            subject=subject,
            purpose=purpose,
            ip=ip,
            created_at=now,
            expires_at=now + CODE_TTL,
            code_hash=_hmac(f"code-{subject}", code),
        )
        minutes = int(CODE_TTL.total_seconds() // 60)
        action = "激活账号" if purpose == VerificationCode.Purpose.ACTIVATE else "重置密码"
        body = (
            f"【医师资格考试考生服务系统】您正在{action}，验证码 {code}，{minutes} 分钟内有效。"
            "请勿将验证码告诉任何人，工作人员不会向您索取。"
        )
        backend = get_sms_backend()
        # Sent after commit: a rolled-back request must not leave a code in someone's phone
        # that the database does not know.
        transaction.on_commit(
            lambda: backend.send(phone=phone, body=body, key=f"verification-{row.pk}")
        )
        record(
            action="account.code_sent",
            actor=user,
            request=request,
            target=f"user:{user.pk}",
            summary=f"发送{action}验证码",
            data={"purpose": purpose},
        )
    return CodeSent(subject=subject, masked_phone=mask_phone(phone))


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
        if not row.code_hash or not hmac.compare_digest(
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
            assert row.user_id is not None  # a code is sent only to an account's phone
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
    if failure is not None:
        raise failure
    return user
