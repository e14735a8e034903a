"""The security administrator's page of staff accounts (/manage/staff/): list, create,
deactivate and reactivate, new password. Initial passwords are shown once, in the answer
to the POST that made them (never stored in clear, never in a URL)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from medexam.accounts import roles, staff
from medexam.accounts.decorators import AuthenticatedRequest, role_required
from medexam.accounts.models import User
from medexam.errors import DomainError
from medexam.refusals import add_to_form, answer
from medexam.rules.models import ExamSite

security_admin_required = role_required(roles.can_manage_staff)


class StaffForm(forms.Form):
    username = forms.SlugField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=64)
    role = forms.ChoiceField(
        label="角色",
        choices=[(r, User.Role(r).label) for r in roles.MANAGED_ROLES],
    )
    exam_site = forms.ModelChoiceField(
        label="考点（考点审核人员）",
        queryset=ExamSite.objects.none(),
        required=False,
    )
    province = forms.CharField(
        label="考区（考区审核人员，如 liaoning）", max_length=32, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = self.fields["exam_site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = ExamSite.objects.select_related("exam").order_by("exam_id", "code")


def _page(
    request: AuthenticatedRequest, form: StaffForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    people = (
        User.objects.exclude(role=User.Role.CANDIDATE)
        .select_related("exam_site")
        .order_by("role", "username")
    )
    page = Paginator(people, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/staff.html",
        {"form": form, "page": page, "managed": roles.MANAGED_ROLES, **extra},
        status=status,
    )


@security_admin_required
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, StaffForm())
    form = StaffForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        user, password = staff.create_staff(
            actor=request.user, request=request, **form.cleaned_data
        )
    except DomainError as exc:
        add_to_form(form, exc)
        return _page(request, form, status=exc.status)
    return _page(request, StaffForm(), created=user, password=password)


@security_admin_required
@require_POST
def staff_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    try:
        user = staff.set_active(actor=request.user, request=request, user_id=pk, active=active)
    except DomainError as exc:
        return answer(request, exc, back="/manage/staff/")
    messages.success(request, f"已{'启用' if active else '停用'}账号 {user.username}。")
    return redirect("staff:list")


@security_admin_required
@require_POST
def staff_password(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        user, password = staff.reset_password(actor=request.user, request=request, user_id=pk)
    except DomainError as exc:
        return answer(request, exc, back="/manage/staff/")
    return _page(request, StaffForm(), created=user, password=password, reset=True)
