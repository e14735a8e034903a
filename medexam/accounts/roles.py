"""Separation of duties (三权分立, GB/T 22239-2019 level 3): three administrator roles, each
with a Django group holding exactly its permissions, and none holding both the power to
grant permissions and the power to erase or hide traces.

* system administrator (系统管理员, role ``admin``): runs the exam's data: imports, results,
  exam rules. Cannot manage accounts, cannot read the audit log.
* security administrator (安全管理员, ``security_admin``): creates, changes and deactivates
  staff accounts (reviewers and system administrators) on /manage/staff/. Cannot read the
  audit log; every change they make is in it.
* audit administrator (审计管理员, ``audit_admin``): reads the audit log (/audit/), nothing
  else. Nobody, this role included, can change or delete an entry: the model refuses it, and
  on PostgreSQL a trigger refuses UPDATE and any DELETE younger than six months
  (`python -m medexam purge_audit_log`, run by the operator, removes only older ones).

Security and audit administrators are created only by `python -m medexam create_staff` (the
operator's shell), so the security administrator cannot make an auditor of their own.
The role field is the source of truth; the groups mirror it for Django's permission checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from medexam.accounts.models import User

SYSTEM_ADMIN = "admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"
ADMIN_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)

GROUP_NAMES = {
    SYSTEM_ADMIN: "系统管理员",
    SECURITY_ADMIN: "安全管理员",
    AUDIT_ADMIN: "审计管理员",
}

# app_label.codename, per role. Reviewers act through their scope (review.services), not
# through model permissions, and get none.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    SYSTEM_ADMIN: (
        "candidates.add_importjob",
        "candidates.view_importjob",
        "candidates.view_importrun",
        "candidates.view_candidate",
        "rules.view_exam",
        "rules.change_exam",
    ),
    SECURITY_ADMIN: ("accounts.view_user", "accounts.add_user", "accounts.change_user"),
    AUDIT_ADMIN: ("audit.view_auditentry",),
}

# What "grant permissions" and "erase or hide traces" mean in permissions.
GRANTS = {
    "accounts.add_user",
    "accounts.change_user",
    "auth.add_group",
    "auth.change_group",
    "auth.add_permission",
    "auth.change_permission",
}
ERASES = {
    "audit.change_auditentry",
    "audit.delete_auditentry",
    "accounts.delete_user",
    "auth.delete_group",
}
# Roles the security administrator's page may give (the other two: create_staff only).
MANAGED_ROLES = ("site_reviewer", "province_reviewer", SYSTEM_ADMIN)


def violations(permissions: dict[str, tuple[str, ...]] = PERMISSIONS) -> list[str]:
    """Roles that could both grant permissions and erase traces (must be none)."""
    return [
        role for role, perms in permissions.items() if GRANTS & set(perms) and ERASES & set(perms)
    ]


def can_read_audit_log(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == AUDIT_ADMIN)


def can_manage_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == SECURITY_ADMIN)


@transaction.atomic
def ensure_groups() -> None:
    """Creates the three groups with exactly their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def sync_groups(user: User) -> None:
    """Puts `user` in their role's group and no other role group; never a superuser (a
    superuser holds every permission, which is what separation of duties forbids)."""
    from django.contrib.auth.models import Group

    ensure_groups()
    groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    user.groups.remove(*groups)
    if user.role in GROUP_NAMES:
        user.groups.add(Group.objects.get(name=GROUP_NAMES[user.role]))
