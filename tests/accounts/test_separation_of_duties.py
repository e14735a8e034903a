"""三权分立: the system, security and audit administrators; only the audit administrator
reads the audit log; no role both grants permissions and erases traces; audit entries stay
at least six months."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from medexam.accounts import roles
from medexam.accounts.models import User
from medexam.audit.models import AuditEntry
from medexam.audit.retention import MIN_RETENTION_DAYS, purge_audit_log
from medexam.audit.services import record
from medexam.errors import DomainError
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    made = {
        role: UserFactory(username=f"the-{role}", role=role)
        for role in (User.Role.ADMIN, User.Role.SECURITY_ADMIN, User.Role.AUDIT_ADMIN)
    }
    for user in made.values():
        roles.sync_groups(user)
    return made


def perms_of(role: str) -> set[str]:
    group = Group.objects.get(name=roles.GROUP_NAMES[role])
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_no_role_can_both_grant_permissions_and_erase_traces(admins):
    assert roles.violations() == []
    for role in roles.ADMIN_ROLES:
        held = perms_of(role)
        assert held == set(roles.PERMISSIONS[role])
        assert not (held & roles.GRANTS and held & roles.ERASES), role
    assert perms_of(User.Role.AUDIT_ADMIN) == {"audit.view_auditentry"}
    assert not perms_of(User.Role.SECURITY_ADMIN) & {"audit.view_auditentry"}
    # The check itself can fail: a role holding both is reported.
    assert roles.violations({"x": ("accounts.change_user", "audit.delete_auditentry")}) == ["x"]
    # Nobody is a superuser (who would hold every permission at once).
    assert not User.objects.filter(is_superuser=True).exists()
    assert all(u.has_perm(p) for u in admins.values() for p in roles.PERMISSIONS[u.role])
    assert not admins[User.Role.ADMIN].has_perm("audit.view_auditentry")


def test_only_the_audit_administrator_reads_the_audit_log(
    client, admins, site_reviewer, province_reviewer, candidate
):
    record(action="review.claimed", actor=site_reviewer, summary="开始审核")
    url = reverse("audit:log")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in [*admins.values(), site_reviewer, province_reviewer, candidate.user]:
        client.force_login(user)
        response = client.get(url)
        expected = 200 if user.role == User.Role.AUDIT_ADMIN else 404
        assert response.status_code == expected, user.role
    client.force_login(admins[User.Role.AUDIT_ADMIN])
    body = client.get(url, {"user": site_reviewer.username}).content.decode()
    assert "开始审核" in body and site_reviewer.username in body
    reads = AuditEntry.objects.filter(action="audit.read")
    assert reads.count() == 2 and {e.actor for e in reads} == {admins[User.Role.AUDIT_ADMIN]}
    refused = AuditEntry.objects.filter(action="access.refused", target="page:audit:log")
    assert refused.count() == 5  # every other role's attempt is itself in the log


def test_the_audit_log_pages_by_key(client, admins):
    for n in range(130):
        record(action="review.claimed", summary=f"第{n}条")
    client.force_login(admins[User.Role.AUDIT_ADMIN])
    first = client.get(reverse("audit:log")).content.decode()
    assert "第129条" in first and "第29条" not in first and "before=" in first
    older = AuditEntry.objects.filter(summary="第30条").get().pk
    second = client.get(reverse("audit:log"), {"before": older}).content.decode()
    assert "第29条" in second and "第0条" in second and "第30条" not in second


def test_the_security_administrator_manages_staff_and_every_change_is_audited(
    client, admins, shenyang
):
    security = admins[User.Role.SECURITY_ADMIN]
    client.force_login(security)
    page = reverse("staff:list")
    assert client.get(page).status_code == 200
    response = client.post(
        page,
        {
            "username": "reviewer-new",
            "display_name": "新审核员",
            "role": "site_reviewer",
            "exam_site": shenyang.pk,
        },
    )
    assert response.status_code == 200
    created = User.objects.get(username="reviewer-new")
    password = response.context["password"]
    assert password in response.content.decode() and "no-store" in response["Cache-Control"]
    assert created.check_password(password) and created.exam_site == shenyang
    assert client.get(page).content.decode().count(password) == 0  # shown once
    entry = AuditEntry.objects.get(action="staff.created")
    assert (entry.actor, entry.target) == (security, f"user:{created.pk}")
    assert password not in f"{entry.summary} {entry.data}"

    client.post(reverse("staff:active", args=[created.pk]), {"active": "0"})
    created.refresh_from_db()
    assert not created.is_active
    assert AuditEntry.objects.filter(action="staff.deactivated", actor=security).count() == 1


def test_the_security_administrator_cannot_make_an_auditor_nor_touch_their_own_account(
    client, admins
):
    security, auditor = admins[User.Role.SECURITY_ADMIN], admins[User.Role.AUDIT_ADMIN]
    client.force_login(security)
    for role in ("audit_admin", "security_admin"):
        response = client.post(
            reverse("staff:list"), {"username": f"x-{role}", "display_name": "x", "role": role}
        )
        assert response.status_code == 400
        assert not User.objects.filter(username=f"x-{role}").exists()
    for target in (security, auditor):
        client.post(reverse("staff:active", args=[target.pk]), {"active": "0"})
        client.post(reverse("staff:password", args=[target.pk]))
        target.refresh_from_db()
        assert target.is_active and target.check_password(PASSWORD)
    # And nobody else reaches the page.
    for user in (auditor, admins[User.Role.ADMIN]):
        client.force_login(user)
        assert client.get(reverse("staff:list")).status_code == 404


def test_the_operator_creates_auditors_with_the_command(admins):
    out = io.StringIO()
    call_command("create_staff", "auditor-2", "--role", "audit_admin", stdout=out)
    user = User.objects.get(username="auditor-2")
    assert user.role == "audit_admin" and user.groups.get().name == "审计管理员"
    password = out.getvalue().rsplit("：", 1)[1].strip()
    assert user.check_password(password)
    assert AuditEntry.objects.get(action="staff.created").actor is None
    with pytest.raises(DomainError):
        from medexam.accounts import staff

        staff.create_staff(
            actor=admins[User.Role.SECURITY_ADMIN],
            username="auditor-3",
            display_name="x",
            role="audit_admin",
        )


def _old_entry(days: int) -> AuditEntry:
    """An entry written `days` ago (rows cannot be updated: inserted with its date)."""
    sql = (
        "INSERT INTO audit_auditentry (created_at, actor_role, actor_site, action, target, "
        "summary, data) VALUES (%s, '', '', 'review.claimed', '', %s, %s)"
    )
    if connection.vendor == "postgresql":
        sql = sql[:-3] + "%s::jsonb)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now() - dt.timedelta(days=days), f"{days} 天前", "{}"])
    return AuditEntry.objects.get(summary=f"{days} 天前")


def test_the_purge_never_removes_an_entry_younger_than_six_months():
    old, young = _old_entry(400), _old_entry(150)
    with pytest.raises(DomainError, match="六个月"):
        purge_audit_log(older_than_days=MIN_RETENTION_DAYS - 1)
    with pytest.raises(CommandError):
        call_command("purge_audit_log", "--older-than-days", "30", stdout=io.StringIO())
    assert purge_audit_log(older_than_days=365) == 1
    remaining = set(AuditEntry.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and young.pk in remaining
    purge = AuditEntry.objects.get(action="audit.purged")
    assert purge.data["deleted"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_delete_a_young_entry_whoever_asks():
    old, young = _old_entry(200), _old_entry(10)
    with pytest.raises(Exception, match="kept six months"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [young.pk])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
        assert cursor.rowcount == 1
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [young.pk])


def test_the_demo_has_one_account_per_role(exam):
    from medexam.demo.seeding import REVIEWER_PASSWORD, seed

    seed(exam=exam, candidates=2)
    for username, role in (
        ("admin", "admin"),
        ("security", "security_admin"),
        ("auditor", "audit_admin"),
        ("province", "province_reviewer"),
    ):
        user = User.objects.get(username=username)
        assert user.role == role and user.check_password(REVIEWER_PASSWORD)
        assert not user.is_superuser
