"""Password rules of level 3 (GB/T 22239-2019 8.1.4.1 a: 口令具有复杂度要求并定期更换), as
Django password validators (settings.AUTH_PASSWORD_VALIDATORS), so every path that sets a
password through `validate_password` applies them: activation, reset, the change page.

* at least 8 characters (Django's MinimumLengthValidator), not a common password, not only
  digits;
* three of four kinds of characters: lower-case letters, capitals, digits, symbols;
* nothing like the account's own data: the ID number (whole, its last six digits, the birth
  date in it), the phone number (whole or its last eight digits), the name, the username; or
  a password at least 70 % alike to the ID number or phone number;
* none of the account's last five passwords (their hashes are kept, PasswordHistory);
* staff passwords expire after 90 days (settings.STAFF_PASSWORD_MAX_AGE_DAYS; the staff
  middleware sends them to the change page).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

if TYPE_CHECKING:
    from medexam.accounts.models import User

SIMILARITY = 0.7


class CharacterClassesValidator:
    def __init__(self, classes: int = 3) -> None:
        self.classes = classes

    def validate(self, password: str, user: Any = None) -> None:
        kinds = [
            bool(re.search(r"[a-z]", password)),
            bool(re.search(r"[A-Z]", password)),
            bool(re.search(r"[0-9]", password)),
            bool(re.search(r"[^a-zA-Z0-9]", password)),
        ]
        if sum(kinds) < self.classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.classes} 类。"


def _personal_values(user: User) -> tuple[list[str], list[str]]:
    """(numbers, words) of the account: ID numbers and phones; names and the username."""
    from medexam.candidates.models import Candidate

    numbers: list[str] = []
    words = [w for w in (user.username, user.display_name) if w and len(w) >= 2]
    if user.pk is not None and user.is_candidate:
        for candidate in Candidate.objects.filter(user=user):
            numbers += [candidate.id_number.lower(), re.sub(r"\D", "", candidate.phone)]
            words.append(candidate.name)
    return [n for n in numbers if len(n) >= 6], [w.lower() for w in words if w]


def _fragments(number: str) -> list[str]:
    """The parts of an ID or phone number people build passwords from."""
    parts = [number, number[-6:]]
    if len(number) == 11 and number.isdigit():  # a mobile number: its last eight digits
        parts.append(number[-8:])
    if len(number) == 18:  # a resident ID: the birth date yyyymmdd in it
        parts.append(number[6:14])
    return parts


class PersonalDataValidator:
    def validate(self, password: str, user: User | None = None) -> None:
        if user is None:
            return
        numbers, words = _personal_values(user)
        typed = password.lower()
        digits = re.sub(r"[^0-9x]", "", typed)
        for number in numbers:
            if any(part in typed or part in digits for part in _fragments(number)):
                raise ValidationError(self.get_help_text(), code="password_personal")
            if difflib.SequenceMatcher(None, typed, number).ratio() >= SIMILARITY:
                raise ValidationError(self.get_help_text(), code="password_personal")
        if any(word in typed for word in words):
            raise ValidationError(self.get_help_text(), code="password_personal")

    def get_help_text(self) -> str:
        return "密码不能包含或近似于本人的证件号码、手机号码、姓名或用户名。"


class HistoryValidator:
    """Refuses the last `keep` passwords; records each new one (Django calls
    `password_changed` when a user whose password was set is saved)."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def _recent_hashes(self, user: User) -> list[str]:
        from medexam.accounts.models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-id")
            .values_list("password", flat=True)[: self.keep]
        )
        return hashes or [user.password]

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None or user.pk is None:
            return
        if any(check_password(password, h) for h in self._recent_hashes(user) if h):
            raise ValidationError(
                f"不能与最近 {self.keep} 次使用过的密码相同，请换一个新密码。",
                code="password_reused",
            )

    def password_changed(self, password: str, user: User | None = None) -> None:
        from medexam.accounts.models import PasswordHistory, User

        if user is None or user.pk is None:
            return
        now = timezone.now()
        PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
        keep = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id")
        old = list(keep.values_list("id", flat=True)[self.keep :])
        if old:
            PasswordHistory.objects.filter(id__in=old).delete()
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now

    def get_help_text(self) -> str:
        return f"不能与最近 {self.keep} 次使用过的密码相同。"


# A password someone else set (a new staff account, a reset by the security administrator)
# is dated here: it counts as expired, so the person sets their own at the first login.
TEMPORARY = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def mark_temporary(user: User) -> None:
    """The password just set was chosen by someone else: change it at the next login."""
    type(user).objects.filter(pk=user.pk).update(password_changed_at=TEMPORARY)
    user.password_changed_at = TEMPORARY


def is_temporary(user: User) -> bool:
    return user.password_changed_at == TEMPORARY


def password_expired(user: User, *, max_age_days: int, now=None) -> bool:
    if not user.is_staff_member:
        return False
    if is_temporary(user):
        return True
    if max_age_days <= 0:
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > dt.timedelta(days=max_age_days)
