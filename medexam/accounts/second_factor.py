"""The second factor: TOTP (django-otp) for every staff account, with one-time recovery codes
(django-otp's static device); and the code a login asks for past the per-account limit
(accounts.throttling): an SMS code for candidates, the authenticator's code for staff.

TOTP secrets are kept in the database as django-otp keeps them (TOTPDevice.key, hex), not
encrypted at rest: whoever reads the database and the password hashes still has to break the
hashes, but a database copy lets its holder compute codes (README, "Staff two-factor").
"""

from __future__ import annotations

import io
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from medexam.accounts.models import User
from medexam.accounts.services import check_login_code, subject_for

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django_otp.models import Device

ISSUER = "医师资格考试考生服务系统"
RECOVERY_CODES = 10


def staff_user(username: str) -> User | None:
    user = User.objects.filter(username=username).first()
    return user if user is not None and user.is_staff_member and user.is_active else None


def verify_device_code(user: User, code: str) -> Device | None:
    """The device (authenticator or recovery codes) that accepts `code`, or None. A recovery
    code works once; django-otp slows down repeated failures per device."""
    code = "".join(code.split())
    if not code:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None


def check_challenge(*, username: str, code: str) -> tuple[bool, Device | None]:
    """The code a login past the per-account limit needs before its password is checked."""
    user = staff_user(username)
    if user is not None:
        device = verify_device_code(user, code)
        return device is not None, device
    return check_login_code(subject=subject_for(username), code=code), None


def mark_verified(request: HttpRequest, device: Device) -> None:
    from medexam.accounts.middleware import GENERATION

    # Read before the login: a device removed in between raises the value past this one,
    # and the next request looks the device up (and finds it gone).
    generation = (
        User.objects.filter(pk=device.user_id)
        .values_list("second_factor_generation", flat=True)
        .first()
    )
    otp_login(request, device)
    # Later requests need not look the device up while no device of the account is
    # removed (accounts.middleware.SecondFactorMiddleware).
    request.session[GENERATION] = generation


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator of an enrolment (kept across page loads until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (made here with segno; nothing goes to a web
    service)."""
    import segno

    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=4, xmldecl=False)
    return out.getvalue().decode()


def base32_secret(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


def confirm_enrolment(*, user: User, code: str) -> list[str] | None:
    """Confirms the pending authenticator with a code from it; returns the new recovery codes
    (shown once), or None if the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or not device.verify_token("".join(code.split())):
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Replaces the account's recovery codes with ten new ones (each works once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def reset_devices(*, user: User) -> int:
    """Removes every second-factor device of the account (a lost phone): the next login
    enrols a new authenticator. The caller audits it."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    return removed
