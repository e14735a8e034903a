"""`python -m medexam demo_totp USER`: the current second-factor code of a demo staff account,
so a person can log in to the demo without a phone. Demo only: refused with DEBUG off."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code (and the key for an authenticator app) of a demo staff account."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp is for the demo only (MEDEXAM_DEBUG=1).")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no authenticator.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(
            f"(valid about {device.step - int(totp.time - device.t0) % device.step} s more;"
            f" app key {secret})"
        )
