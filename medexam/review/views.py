"""The reviewer's pages: permission → form → service → response. Everything is scoped:
an application outside the reviewer's scope answers 404, exactly like one that does not exist."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from medexam import exports
from medexam.accounts.decorators import province_required, reviewer_required
from medexam.accounts.models import User
from medexam.materials.models import Application, ReplacementReason
from medexam.review import selectors, services
from medexam.review.export_jobs import request_export
from medexam.review.forms import flags_from_post, version_from_post
from medexam.review.models import Decision, ExportJob, PhoneCall
from medexam.rules.models import Exam

S = Application.State


def scoped_application(request: HttpRequest, pk: int) -> Application:
    application = (
        services.scoped_applications(request.user)
        .select_related("candidate__exam", "candidate__exam_site", "candidate__user", "claimed_by")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404
    return application


def _detail(pk: int) -> str:
    return reverse("review:application", args=[pk])


# --- queue --------------------------------------------------------------------------------


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = selectors.QueueFilters.from_query(request.GET)
    applications = selectors.queue(request.user, filters)
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "review/queue.html",
        {
            "page": page,
            "filters": filters,
            "states": [(v, label) for v, label in S.choices if v != S.DRAFT],
            "rules": sorted(
                set(
                    services.scoped_applications(request.user)
                    .exclude(rule_code="")
                    .values_list("rule_code", flat=True)
                )
            ),
            "query": query.urlencode(),
            "export_filters": [(k, v) for k, v in query.items() if k != "format"],
            "waiting": services.waiting_applications(request.user).count(),
            "lease_minutes": settings.REVIEW_CLAIM_MINUTES,
        },
    )


@reviewer_required
@require_POST
def next_application(request: HttpRequest) -> HttpResponse:
    application = services.claim_next(reviewer=request.user, request=request)
    if application is None:
        messages.info(request, "队列中暂时没有等待审核的申请。")
        return redirect("review:queue")
    return redirect(_detail(application.pk))


@reviewer_required
@require_POST
def queue_export(request: HttpRequest) -> HttpResponse:
    """The queue with the page's filters, written by a worker (review.export_jobs)."""
    params = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "format")}
    return _export(request, kind=ExportJob.Kind.QUEUE, params=params, back="review:queue")


def _export(request: HttpRequest, *, kind: str, params: dict, back: str) -> HttpResponse:
    exam = _exam_for(request.user)
    if exam is None:
        raise Http404
    try:
        job = request_export(
            user=request.user,
            kind=kind,
            fmt=request.POST.get("format", "xlsx"),
            exam=exam,
            params=params,
            request=request,
            source="review",
        )
    except exports.ExportError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return redirect("exports:status", job_uuid=job.uuid)


# --- one application ----------------------------------------------------------------------


@reviewer_required
def application(request: HttpRequest, pk: int) -> HttpResponse:
    app = scoped_application(request, pk)
    if services.touch_claim(application=app, reviewer=request.user):
        app.refresh_from_db(fields=["claim_expires_at"])
    view = selectors.review_page(app, request.user)
    reviewers = []
    if request.user.role == User.Role.PROVINCE_REVIEWER:
        reviewers = list(
            User.objects.filter(
                role=User.Role.SITE_REVIEWER,
                exam_site_id=app.candidate.exam_site_id,
                is_active=True,
            )
        )
    return render(
        request,
        "review/application.html",
        {
            "app": app,
            "candidate": app.candidate,
            "view": view,
            "ev": view.page.evaluation,
            "reasons": ReplacementReason.choices,
            "call_outcomes": PhoneCall.Outcome.choices,
            "outcomes": Decision.Outcome,
            "can_decide": app.state == S.IN_REVIEW and not view.held_by_other,
            "is_province": request.user.role == User.Role.PROVINCE_REVIEWER,
            "can_reopen": request.user.role == User.Role.PROVINCE_REVIEWER
            and app.state in (S.APPROVED, S.REJECTED, S.ONSITE_PENDING),
            "reviewers": reviewers,
        },
    )


def _refusal(request: HttpRequest, exc: services.ReviewError, pk: int) -> HttpResponse:
    if exc.status == 404:
        raise Http404
    messages.error(request, exc.message)
    return redirect(_detail(pk))


@reviewer_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.claim_application(application_id=pk, reviewer=request.user, request=request)
    except services.ReviewError as exc:
        return _refusal(request, exc, pk)
    messages.success(request, "已领取该申请，其他审核人员在您审核期间不能同时审核。")
    return redirect(_detail(pk))


@reviewer_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.release_claim(application_id=pk, reviewer=request.user, request=request)
    except services.ReviewError as exc:
        return _refusal(request, exc, pk)
    messages.success(request, "已放回队列。")
    return redirect("review:queue")


@reviewer_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    app = scoped_application(request, pk)
    image_uuids = [
        str(u) for u in app.images.filter(status="active").values_list("uuid", flat=True)
    ]
    item_codes = list(app.candidate.exam.items.values_list("code", flat=True))
    flags = flags_from_post(request.POST, image_uuids=image_uuids, item_codes=item_codes)
    try:
        decision = services.decide(
            application_id=pk,
            reviewer=request.user,
            version=version_from_post(request.POST),
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
            flags=flags,
            request=request,
        )
    except services.ReviewError as exc:
        return _refusal(request, exc, pk)
    messages.success(request, f"已保存审核结论：{decision.get_outcome_display()}，并已通知考生。")
    return redirect(_detail(pk))


@reviewer_required
@require_POST
def onsite(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.record_onsite_check(
            application_id=pk,
            reviewer=request.user,
            version=version_from_post(request.POST),
            passed=request.POST.get("passed") == "1",
            note=request.POST.get("note", ""),
            request=request,
        )
    except services.ReviewError as exc:
        return _refusal(request, exc, pk)
    messages.success(request, "已记录现场审核结果，并已通知考生。")
    return redirect(_detail(pk))


@province_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.reopen(
            application_id=pk,
            actor=request.user,
            version=version_from_post(request.POST),
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except services.ReviewError as exc:
        return _refusal(request, exc, pk)
    messages.success(request, "已重新进入审核，由您领取。")
    return redirect(_detail(pk))


@province_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    scoped_application(request, pk)
    target = User.objects.filter(pk=request.POST.get("reviewer") or 0).first()
    if target is None:
        messages.error(request, "请选择要分配给的审核人员。")
        return redirect(_detail(pk))
    try:
        services.reassign(
            application_id=pk, actor=request.user, to_reviewer=target, request=request
        )
    except services.ReviewError as exc:
        return _refusal(request, exc, pk)
    messages.success(request, f"已分配给 {target}。")
    return redirect(_detail(pk))


@reviewer_required
@require_POST
def phone_call(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.log_phone_call(
            application_id=pk,
            reviewer=request.user,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
            request=request,
        )
    except services.ReviewError as exc:
        return _refusal(request, exc, pk)
    messages.success(request, "已记录电话联系。")
    return redirect(_detail(pk) + "#calls")


# --- statistics and exports ---------------------------------------------------------------


def _exam_for(user: User) -> Exam | None:
    if user.role == User.Role.SITE_REVIEWER and user.exam_site_id:
        return user.exam_site.exam
    return Exam.objects.filter(province=user.province, is_active=True).order_by("-year").first()


@reviewer_required
def statistics(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "review/statistics.html",
        {
            "stats": selectors.statistics(request.user),
            "exam": _exam_for(request.user),
            "exports": ExportJob.objects.filter(requested_by=request.user)[:5],
        },
    )


@reviewer_required
@require_POST
def results_export(request: HttpRequest) -> HttpResponse:
    """The results of the reviewer's scope (a site, or the province), written by a worker."""
    return _export(request, kind=ExportJob.Kind.RESULTS, params={}, back="review:statistics")
