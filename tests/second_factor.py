"""Staff second factor in tests: an enrolled authenticator and the code it shows now, computed
from the device's key as a phone app computes it (RFC 6238, django-otp's own TOTP)."""

from __future__ import annotations

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrolled_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the app shows now; if this step's code was already used (django-otp refuses
    a code twice), the next step's, which the device accepts within its tolerance."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t >= totp.t():
        totp.time = (device.last_t + 1) * device.step + device.t0
    return f"{totp.token():0{device.digits}d}"
