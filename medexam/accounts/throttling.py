"""Login throttling for both backends (ID number and staff username).

[decision] Our own rather than django-axes: axes needs the request in every authenticate()
call (Django's test client.login has none) and stores the typed username in its tables; here
the name is a keyed hash and the check sits in the login view, in front of both backends.

The policy (README, "Login throttling"), per sliding window of 15 minutes:

* one name from one address (the pair): 5 checks that did not succeed, then that address is
  refused for that name until the window has passed (refused at once, never slept);
* one address, whatever the names: 50, then the address is refused (an exam site's shared
  network stays usable for honest typos);
* one name, whatever the addresses: 10 password checks, then the account is NOT locked:
  the password is checked only together with a second factor (a candidate: an SMS code sent to
  the phone of the registration record; staff: their authenticator's code), so the real person
  still gets in and a stranger who guesses from many addresses gets no more checks. A
  successful password reset or activation lifts it.

Why it holds under concurrency: a check is written as a row and committed BEFORE the password
hash is computed, and the counts are read after that commit. Of N parallel checks the one whose
row committed k-th sees at least k rows, so at most the limit of them reach the hash: N
parallel guesses cost N tries (tests/security/test_parallel_guesses.py sends 30 at once on
PostgreSQL). A check that succeeds deletes its row; one that is refused deletes it too (it
checked nothing). The rows live in the database, not in the per-process memory cache, so the
limits are the same for every worker and every machine whether or not Redis is configured.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from medexam.accounts.models import LoginFailure
from medexam.accounts.services import subject_for
from medexam.audit.services import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest

WINDOW = dt.timedelta(seconds=getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60))
MAX_PER_PAIR = getattr(settings, "LOGIN_FAILURES_PER_NAME_AND_IP", 5)
MAX_PER_IP = getattr(settings, "LOGIN_FAILURES_PER_IP", 50)
MAX_PER_ACCOUNT = getattr(settings, "LOGIN_CHECKS_PER_ACCOUNT", 10)
# Kept for older callers and tests: the number of failures from one place that refuse a name.
MAX_PER_NAME = MAX_PER_PAIR

LOCKED_MESSAGE = (
    "该账号在本网络登录失败次数过多，请 {minutes} 分钟后再试；"
    "忘记密码的考生可通过“找回密码”用短信验证码重新设置。"
)
SOURCE_MESSAGE = "本网络登录失败次数过多，请 {minutes} 分钟后再试。"
CHALLENGE_MESSAGE = (
    "该账号近期登录失败次数较多，为保护账号，本次登录还需要验证码："
    "考生请点击“获取短信验证码”，填写发送到报名登记手机的 6 位验证码；"
    "工作人员请填写身份验证器中的 6 位动态码（或一个恢复码）。"
)


@dataclass(frozen=True)
class Check:
    """What the login view may do with one attempt."""

    verdict: str  # "go": check the password; "refused": answer 429; "challenge": ask a code
    attempt_id: int | None = None
    message: str = ""


def locked_message(minutes: int | None = None) -> str:
    return LOCKED_MESSAGE.format(minutes=minutes or int(WINDOW.total_seconds() // 60))


def _minutes_until_free(rows, limit: int, now: dt.datetime) -> int:
    """Minutes until the window holds fewer than `limit` rows again."""
    times = sorted(rows.values_list("created_at", flat=True))
    if len(times) < limit:
        return 1
    free_at = times[len(times) - limit] + WINDOW
    return max(1, math.ceil((free_at - now).total_seconds() / 60))


def begin_check(*, username: str, request: HttpRequest | None, now=None) -> Check:
    """Counts one password check for `username` from the request's address, before the
    password is looked at. Must run outside a transaction (the login view does): the row has
    to be committed before counting, or parallel checks would not see each other."""
    now = now or timezone.now()
    subject = subject_for(username)
    ip = client_ip(request)
    row = LoginFailure.objects.create(subject=subject, ip=ip, created_at=now)
    since = now - WINDOW
    recent = LoginFailure.objects.filter(created_at__gte=since)
    pair = recent.filter(subject=subject, ip=ip)
    source = recent.filter(ip=ip)
    # One statement, so the three counts come from one snapshot.
    counts = recent.filter(Q(subject=subject) | Q(ip=ip)).aggregate(
        pair=Count("id", filter=Q(subject=subject, ip=ip)),
        source=Count("id", filter=Q(ip=ip)),
        account=Count("id", filter=Q(subject=subject)),
    )
    if counts["pair"] > MAX_PER_PAIR:
        row.delete()
        minutes = _minutes_until_free(pair, MAX_PER_PAIR, now)
        return Check("refused", message=locked_message(minutes))
    if ip and counts["source"] > MAX_PER_IP:
        row.delete()
        minutes = _minutes_until_free(source, MAX_PER_IP, now)
        return Check("refused", message=SOURCE_MESSAGE.format(minutes=minutes))
    if counts["account"] > MAX_PER_ACCOUNT:
        row.delete()
        return Check("challenge", message=CHALLENGE_MESSAGE)
    return Check("go", attempt_id=row.pk)


def needs_challenge(*, username: str, now=None) -> bool:
    """Whether a password check for this name now needs a second factor (no row written)."""
    since = (now or timezone.now()) - WINDOW
    return (
        LoginFailure.objects.filter(subject=subject_for(username), created_at__gte=since).count()
        >= MAX_PER_ACCOUNT
    )


def record_failure(*, username: str, request: HttpRequest | None, now=None) -> None:
    """A failed check that had no row of its own (after a second factor was shown)."""
    now = now or timezone.now()
    with transaction.atomic():
        LoginFailure.objects.create(
            subject=subject_for(username), ip=client_ip(request), created_at=now
        )
        # Old rows have no use: keep the table the size of one window.
        LoginFailure.objects.filter(created_at__lt=now - 4 * WINDOW).delete()


def check_failed(*, attempt_id: int | None, now=None) -> None:
    """The check's row stays: it is the failure. Old rows go."""
    now = now or timezone.now()
    LoginFailure.objects.filter(created_at__lt=now - 4 * WINDOW).delete()


def check_succeeded(*, attempt_id: int | None, username: str, request: HttpRequest | None) -> None:
    """The right password: its own row goes, and so do this address's earlier failures for
    this name (the person's own typos). Failures from other addresses stay until they expire,
    so a login by the real person does not hand a guesser elsewhere a fresh allowance."""
    if attempt_id is not None:
        LoginFailure.objects.filter(pk=attempt_id).delete()
    LoginFailure.objects.filter(subject=subject_for(username), ip=client_ip(request)).delete()


def clear_failures(*, username: str) -> None:
    """Every row of the name, from everywhere: a successful reset or activation."""
    LoginFailure.objects.filter(subject=subject_for(username)).delete()


def clear_subject(*, subject: str) -> None:
    LoginFailure.objects.filter(subject=subject).delete()
