"""The province reviewer's view of one application's history (its audit entries), and its
export, mounted under /review/ by medexam.review.urls, out of scope answers 404; and the
whole audit log at /audit/, for the audit administrator only (accounts/roles.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from medexam.accounts import roles
from medexam.accounts.decorators import AuthenticatedRequest, role_required
from medexam.accounts.models import User
from medexam.audit.labels import ACTIONS
from medexam.audit.models import AuditEntry
from medexam.audit.selectors import (
    COLUMNS,
    AuditFilters,
    entries_for,
    entry_row,
    filter_choices,
    image_labels,
    log_page,
)
from medexam.audit.services import record, record_refusal
from medexam.exports import FORMATS, write_table
from medexam.materials.models import Application
from medexam.materials.selectors import can_view_application


def _application(request: AuthenticatedRequest, pk: int) -> Application:
    application = (
        Application.objects.select_related("candidate__exam", "candidate__exam_site")
        .filter(pk=pk)
        .first()
    )
    if (
        request.user.role != User.Role.PROVINCE_REVIEWER
        or application is None
        or not can_view_application(request.user, application)
    ):
        record_refusal(request, target=f"application:{pk}")
        raise Http404
    return application


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def application_log(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    filters = AuditFilters.from_query(request.GET)
    page = log_page(
        application,
        filters,
        before=_int(request.GET.get("before")),
        after=_int(request.GET.get("after")),
    )
    images = image_labels(application)
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    return render(
        request,
        "audit/application_log.html",
        {
            "app": application,
            "page": page,
            "rows": [entry_row(e, images) for e in page.entries],
            "filters": filters,
            "choices": filter_choices(application),
            "images": sorted(images.items(), key=lambda pair: pair[1]),
            "query": query.urlencode(),
        },
    )


@login_required
def application_log_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404
    filters = AuditFilters.from_query(request.GET)
    images = image_labels(application)
    rows = [entry_row(e, images) for e in entries_for(application, filters).iterator()]
    content = write_table(rows, columns=COLUMNS, fmt=fmt, sheet_title="审计日志")
    # Taking the log out is itself logged (after the rows were read, so not in this file).
    record(
        action="audit.exported",
        request=request,
        application=application,
        target=f"application:{application.pk}",
        summary=f"导出审计日志（{fmt}）",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{application.candidate.registration_no}-{stamp}.{fmt}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


PAGE_SIZE = 100


@role_required(roles.can_read_audit_log)
def full_log(request: AuthenticatedRequest) -> HttpResponse:
    """The whole audit log, newest first, for the audit administrator alone (separation of
    duties, accounts/roles.py); reading it is itself recorded."""
    filters = AuditFilters.from_query(request.GET)
    username = request.GET.get("user", "").strip()[:150]
    entries = filters.apply(AuditEntry.objects.select_related("actor"))
    if username:
        entries = entries.filter(actor__username=username)
    before = _int(request.GET.get("before"))
    if before:
        entries = entries.filter(id__lt=before)
    rows = list(entries.order_by("-id")[: PAGE_SIZE + 1])
    older = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    record(
        action="audit.read",
        request=request,
        target="audit",
        summary="查阅审计日志" + ("（筛选）" if filters.active or username else ""),
        data={"action": filters.action, "user": username, "before": before},
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/full_log.html",
        {
            "rows": [
                {
                    **entry_row(e, {}),
                    "target": e.target,
                    "username": e.actor.username if e.actor else "",
                }
                for e in rows
            ],
            "filters": filters,
            "username": username,
            "actions": sorted(ACTIONS.items(), key=lambda pair: pair[1]),
            "older": older,
            "query": query.urlencode(),
        },
    )
