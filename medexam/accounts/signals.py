"""A removed (or unconfirmed) second-factor device raises its account's
`second_factor_generation`, whatever removed it (a reset, a re-enrolment, new recovery
codes, the admin site, a queryset delete): every session verified before then looks its
device up again on its next request and, the device gone, is no longer verified."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from medexam.accounts.models import User


def _bump(user_id: int | None) -> None:
    if user_id is not None:
        User.objects.filter(pk=user_id).update(
            second_factor_generation=F("second_factor_generation") + 1
        )


def device_removed(sender: Any, instance: Any, **kwargs: Any) -> None:
    _bump(instance.user_id)


def device_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    # A device saved unconfirmed cannot verify a session any more (django-otp's rule);
    # a confirmed one saved (its counters after each code) changes nothing.
    if not instance.confirmed and not created:
        _bump(instance.user_id)


def connect() -> None:
    for model in (TOTPDevice, StaticDevice):
        post_delete.connect(device_removed, sender=model, dispatch_uid=f"2fa-del-{model.__name__}")
        post_save.connect(device_saved, sender=model, dispatch_uid=f"2fa-save-{model.__name__}")
