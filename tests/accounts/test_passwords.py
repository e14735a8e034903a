"""Level-3 password rules (medexam.accounts.passwords). Issue 18 hole 6: a candidate could set
their own ID number as the password."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from medexam.accounts.models import PasswordHistory, User
from medexam.accounts.passwords import password_expired
from medexam.accounts.services import request_code, set_password_with_code
from medexam.errors import DomainError
from tests.accounts.test_activation import code_in

pytestmark = pytest.mark.django_db


def refused(password: str, user) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_a_candidate_cannot_set_the_id_number_as_password(
    imported_candidate, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = request_code(id_number=imported_candidate.id_number, purpose="activate")
    code = code_in(sms_outbox()[0])
    for password in (imported_candidate.id_number, imported_candidate.id_number.lower() + "!A"):
        with pytest.raises(DomainError) as exc:
            set_password_with_code(
                subject=sent.subject, code=code, password=password, purpose="activate"
            )
        assert exc.value.code == "weak_password" and "证件号码" in exc.value.message
    imported_candidate.user.refresh_from_db()
    assert not imported_candidate.user.has_usable_password()


@pytest.mark.parametrize(
    "make",
    [
        lambda c: c.id_number,
        lambda c: "Ab!" + c.id_number[-6:],  # its last six digits
        lambda c: "Born@" + c.id_number[6:14],  # the birth date inside it
        lambda c: "Tel#" + c.phone,
        lambda c: "Ph+" + c.phone[-8:],
        lambda c: c.name + "Pass-99",
        lambda c: c.id_number[:-3] + "aB!",  # the ID number with its end changed
    ],
)
def test_passwords_built_from_personal_data_are_refused(imported_candidate, make):
    messages = refused(make(imported_candidate), imported_candidate.user)
    assert any("证件号码、手机号码、姓名" in m for m in messages), messages


def test_the_same_password_is_fine_for_someone_else(imported_candidate, db):
    other = User.objects.create(username="someone", role=User.Role.SITE_REVIEWER)
    assert refused("Tel#" + imported_candidate.phone, other) == []


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abcdefgh12", False),
        ("ABCDEFGH12", False),
        ("abcdEFGHij", False),
        ("Abcdefgh12", True),
        ("abcdefg#12", True),
        ("密码很长很长#12", False),
    ],
)
def test_three_kinds_of_characters(password, ok, db):
    user = User.objects.create(username="someone", role=User.Role.SITE_REVIEWER)
    messages = refused(password, user)
    assert (not any("至少 3 类" in m for m in messages)) == ok, messages


def test_the_last_five_passwords_cannot_come_back(db):
    user = User.objects.create(username="someone", role=User.Role.SITE_REVIEWER)
    passwords = [f"Season-{n}-Pass!" for n in range(6)]
    for password in passwords:
        assert refused(password, user) == []
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for password in passwords[1:]:
        assert any("最近 5 次" in m for m in refused(password, user)), password
    assert refused(passwords[0], user) == []  # six passwords ago


def test_staff_passwords_expire_after_ninety_days_candidates_do_not(db, settings):
    staff = User.objects.create(username="someone", role=User.Role.SITE_REVIEWER)
    staff.set_password("Season-1-Pass!")
    staff.save()
    assert staff.password_changed_at is not None
    later = timezone.now() + dt.timedelta(days=91)
    assert password_expired(staff, max_age_days=90, now=later)
    assert not password_expired(staff, max_age_days=90, now=later - dt.timedelta(days=2))
    candidate = User.objects.create(username="cand", role=User.Role.CANDIDATE)
    assert not password_expired(candidate, max_age_days=90, now=later)
