"""Who may manage which exam's registration data (import, export, API)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from medexam.accounts.models import User
from medexam.rules.models import Exam

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def may_manage(user: User | AnonymousUser, exam: Exam) -> bool:
    """Administrators: every exam. Province officials: their province's exams. Nobody else."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.is_superuser or user.role == user.Role.ADMIN:
        return True
    return (
        user.role == user.Role.PROVINCE_REVIEWER
        and bool(user.province)
        and user.province == exam.province
    )


def exams_managed_by(user: User) -> QuerySet[Exam]:
    exams = Exam.objects.order_by("-year", "slug")
    if user.is_superuser or user.role == user.Role.ADMIN:
        return exams
    if user.role == user.Role.PROVINCE_REVIEWER and user.province:
        return exams.filter(province=user.province)
    return exams.none()
