"""Who may manage which exam's registration data (import, export, API)."""

from medexam.rules.models import Exam


def may_manage(user, exam: Exam) -> bool:
    """Administrators: every exam. Province officials: their province's exams. Nobody else."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.role == user.Role.ADMIN:
        return True
    return (
        user.role == user.Role.PROVINCE_REVIEWER
        and bool(user.province)
        and user.province == exam.province
    )


def exams_managed_by(user):
    exams = Exam.objects.order_by("-year", "slug")
    if user.is_superuser or user.role == user.Role.ADMIN:
        return exams
    if user.role == user.Role.PROVINCE_REVIEWER and user.province:
        return exams.filter(province=user.province)
    return exams.none()
