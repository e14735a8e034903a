"""Login throttling for both backends (ID number and staff username).

[decision] Our own rather than django-axes: axes needs the request in every authenticate()
call (Django's test client.login has none) and stores the typed username in its tables; here
the name is a keyed hash and the check sits in the login view, in front of both backends.
Five failures for one name in 15 minutes lock that name for the rest of the window (even
the right password is refused then); 50 for one IP address lock the address (an exam site's
shared network stays usable for honest typos).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from medexam.accounts.models import LoginFailure
from medexam.accounts.services import subject_for
from medexam.audit.services import client_ip

WINDOW = dt.timedelta(seconds=getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60))
MAX_PER_NAME = getattr(settings, "LOGIN_FAILURES_PER_NAME", 5)
MAX_PER_IP = getattr(settings, "LOGIN_FAILURES_PER_IP", 50)
LOCKED_MESSAGE = (
    "登录失败次数过多，为保护账号已暂停登录 {minutes} 分钟。请稍后再试；"
    "忘记密码的考生可通过“找回密码”用短信验证码重新设置。"
)


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=int(WINDOW.total_seconds() // 60))


def is_locked(*, username: str, request, now: dt.datetime | None = None) -> bool:
    since = (now or timezone.now()) - WINDOW
    if (
        LoginFailure.objects.filter(subject=subject_for(username), created_at__gte=since).count()
        >= MAX_PER_NAME
    ):
        return True
    ip = client_ip(request)
    return (
        bool(ip) and LoginFailure.objects.filter(ip=ip, created_at__gte=since).count() >= MAX_PER_IP
    )


@transaction.atomic
def record_failure(*, username: str, request, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    LoginFailure.objects.create(
        subject=subject_for(username), ip=client_ip(request), created_at=now
    )
    # Old rows have no use: keep the table the size of one window.
    LoginFailure.objects.filter(created_at__lt=now - 4 * WINDOW).delete()


def clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(subject=subject_for(username)).delete()
