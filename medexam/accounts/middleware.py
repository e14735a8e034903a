"""Staff sessions (README, "Staff two-factor and sessions"): every page a staff account opens
needs the second factor of this session; idle and absolute timeouts; an expired password
sends to the change page. Candidates are untouched.

One place for every staff page, rather than a decorator per view: a view added tomorrow is
covered without anyone remembering (tests/security/test_two_factor.py walks every URL
pattern as an unverified staff session). The API is not behind sessions (tokens only,
settings.REST_FRAMEWORK), so it has no session to check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from medexam.accounts.passwords import is_temporary, password_expired

STARTED = "staff_started"  # when this session passed the second factor (epoch seconds)
SEEN = "staff_seen"  # the last request, rounded to a minute (one session write a minute)
# Pages an unverified staff session may open: logging in, the second factor itself, leaving.
BEFORE_SECOND_FACTOR = {
    "accounts:login",
    "accounts:logout",
    "accounts:otp_verify",
    "accounts:otp_enrol",
}
# And, with an expired password, only the change page (and leaving).
WHILE_PASSWORD_EXPIRED = BEFORE_SECOND_FACTOR | {"accounts:password_change"}
# Outside the staff rules altogether: health checks, metrics, error pages.
NOT_PAGES = {"metrics"}


# The account's second_factor_generation when this session's device was last looked up.
GENERATION = "otp_generation"


class SecondFactorMiddleware(OTPMiddleware):
    """django-otp's middleware (request.user.otp_device, is_verified()) without its query
    per request: django-otp reads the session's device from the database on every staff
    request to learn whether it still exists. Here the session also keeps the account's
    `second_factor_generation` (accounts.signals raises it whenever a device of the account
    is removed or unconfirmed) from the last lookup; while the user row, loaded anyway,
    still has that value, the device is the one looked up then and is read only if
    something uses it. Any other value: django-otp's lookup, as before, and the new value
    kept. Issue 15's "≤ 10 SQL statements per page" counted this lookup on every page."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if not user.is_authenticated:
            return user
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if not persistent_id:
            return user
        generation = user.second_factor_generation
        if request.session.get(GENERATION) == generation:
            normalized = self._normalize_persistent_id(persistent_id)
            user.otp_device = SimpleLazyObject(lambda: Device.from_persistent_id(normalized))
            return user
        device = self._finalize_device(
            request, user, self._device_from_persistent_id(persistent_id)
        )
        user.otp_device = device
        if device is not None:
            request.session[GENERATION] = generation
        return user


def start_verified_session(request: HttpRequest) -> None:
    """Called when the second factor has been passed: the absolute timeout starts now."""
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in NOT_PAGES or name.startswith("health"):
            # Before touching the session: health checks must not depend on it (Redis down).
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff_member:
            return None
        session = request.session
        now = int(time.time())
        started, seen = session.get(STARTED), session.get(SEEN)
        if user.is_verified():
            expired = (seen is not None and now - seen > settings.STAFF_IDLE_SECONDS) or (
                started is not None and now - started > settings.STAFF_ABSOLUTE_SECONDS
            )
            if expired:
                idle = seen is not None and now - seen > settings.STAFF_IDLE_SECONDS
                logout(request)
                messages.info(
                    request,
                    f"{settings.STAFF_IDLE_SECONDS // 60} 分钟未操作，为保护考生信息已自动退出，请重新登录。"
                    if idle
                    else f"工作人员每次登录最长 {settings.STAFF_ABSOLUTE_SECONDS // 3600} 小时，"
                    "请重新登录。",
                )
                return self._away(request, "accounts:login")
            if started is None:
                session[STARTED] = now
            if seen is None or now - seen >= 60:
                session[SEEN] = now
            if name not in WHILE_PASSWORD_EXPIRED and password_expired(
                user, max_age_days=settings.STAFF_PASSWORD_MAX_AGE_DAYS
            ):
                messages.warning(
                    request,
                    "这是他人为您设置的初始密码，请先设置只有您知道的新密码。"
                    if is_temporary(user)
                    else f"工作人员密码每 {settings.STAFF_PASSWORD_MAX_AGE_DAYS} 天须更换一次，"
                    "请先设置新密码。",
                )
                return self._away(request, "accounts:password_change")
            return None
        if name in BEFORE_SECOND_FACTOR:
            return None
        return self._away(request, "accounts:otp_verify")

    @staticmethod
    def _away(request: HttpRequest, to: str) -> HttpResponse:
        if request.headers.get("X-Requested-With") == "fetch":
            # The pages' scripts: nothing was done; say what to do.
            return JsonResponse(
                {
                    "ok": False,
                    "code": "SECOND_FACTOR_REQUIRED",
                    "message": "请先完成登录验证（身份验证器动态码），再重试。",
                    "location": reverse(to),
                },
                status=403,
            )
        query = urlencode({"next": request.get_full_path()}) if to != "accounts:login" else ""
        return redirect(reverse(to) + (f"?{query}" if query else ""))
