"""Staff accounts: created, deactivated and given a new password by the security
administrator (/manage/staff/) or by the operator's `create_staff` command. Every change is
audited; nobody changes their own account here (accounts/roles.py)."""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from medexam.accounts import passwords, roles
from medexam.accounts.models import User
from medexam.audit.services import record
from medexam.errors import DomainError

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.rules.models import ExamSite

_ALPHABET = string.ascii_letters + string.digits


def initial_password() -> str:
    """16 characters with every class level 3 asks for (upper, lower, digit, symbol)."""
    while True:
        body = "".join(secrets.choice(_ALPHABET) for _ in range(14))
        candidate = body + secrets.choice("@#%+=") + secrets.choice(string.digits)
        if any(c.isupper() for c in candidate) and any(c.islower() for c in candidate):
            return candidate


def _check_actor(actor: User | None, *, role: str, target: User | None = None) -> None:
    """The security administrator acts on reviewers and system administrators, never on
    themselves; the command (actor None, the operator) on any role."""
    if actor is None:
        return
    if not roles.can_manage_staff(actor):
        raise DomainError("not_allowed", "只有安全管理员可以管理工作人员账号。", 404)
    if role not in roles.MANAGED_ROLES:
        raise DomainError(
            "role_not_managed",
            "安全管理员和审计管理员账号只能由运维人员用 create_staff 命令创建和管理。",
        )
    if target is not None and target.pk == actor.pk:
        raise DomainError("own_account", "不能在这里修改自己的账号。")


@transaction.atomic
def create_staff(
    *,
    actor: User | None,
    request: HttpRequest | None = None,
    username: str,
    display_name: str,
    role: str,
    exam_site: ExamSite | None = None,
    province: str = "",
    password: str | None = None,
) -> tuple[User, str]:
    """A new staff account and its initial password (shown once to whoever created it)."""
    if role == User.Role.CANDIDATE or role not in User.Role.values:
        raise DomainError("bad_role", "请选择工作人员的角色。")
    _check_actor(actor, role=role)
    if role == User.Role.SITE_REVIEWER and exam_site is None:
        raise DomainError("site_required", "考点审核人员必须选择所属考点。")
    if role == User.Role.PROVINCE_REVIEWER and not province:
        raise DomainError("province_required", "考区审核人员必须填写所属考区。")
    if User.objects.filter(username=username).exists():
        raise DomainError("username_taken", f"用户名 {username} 已被使用，请换一个。")
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        exam_site=exam_site if role == User.Role.SITE_REVIEWER else None,
        province=province if role == User.Role.PROVINCE_REVIEWER else "",
    )
    password = password or initial_password()
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("weak_password", "；".join(exc.messages)) from exc
    user.set_password(password)
    user.save()
    # Someone else chose it: the person sets their own at the first login (middleware).
    passwords.mark_temporary(user)
    roles.sync_groups(user)
    record(
        action="staff.created",
        actor=actor,
        request=request,
        target=f"user:{user.pk}",
        summary=f"创建{user.get_role_display()}账号 {user.username}",
        data={"role": role, "site": exam_site.code if exam_site else "", "province": province},
    )
    return user, password


@transaction.atomic
def set_active(
    *, actor: User | None, request: HttpRequest | None = None, user_id: int, active: bool
) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).exclude(role="candidate").first()
    if user is None:
        raise DomainError("not_found", "没有这个工作人员账号。", 404)
    _check_actor(actor, role=user.role, target=user)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        record(
            action="staff.activated" if active else "staff.deactivated",
            actor=actor,
            request=request,
            target=f"user:{user.pk}",
            summary=("启用" if active else "停用")
            + f"{user.get_role_display()}账号 {user.username}",
        )
    return user


@transaction.atomic
def reset_password(
    *, actor: User | None, request: HttpRequest | None = None, user_id: int
) -> tuple[User, str]:
    user = User.objects.select_for_update().filter(pk=user_id).exclude(role="candidate").first()
    if user is None:
        raise DomainError("not_found", "没有这个工作人员账号。", 404)
    _check_actor(actor, role=user.role, target=user)
    password = initial_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    passwords.mark_temporary(user)
    record(
        action="staff.password_reset",
        actor=actor,
        request=request,
        target=f"user:{user.pk}",
        summary=f"重置{user.get_role_display()}账号 {user.username} 的密码",
    )
    return user, password
