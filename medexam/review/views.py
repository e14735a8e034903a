"""The reviewer's pages: permission → form → service → response. Everything is scoped:
an application outside the reviewer's scope answers 404, exactly like one that does not exist."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from medexam.accounts.decorators import AuthenticatedRequest, province_required, reviewer_required
from medexam.accounts.models import User
from medexam.audit.services import record, record_refusal
from medexam.errors import DomainError
from medexam.materials import guidance
from medexam.materials.models import Application, UploadedImage
from medexam.refusals import add_to_form, answer, answer_form, wants_json
from medexam.review import bulk, forms, selectors, services
from medexam.review.export_jobs import request_export
from medexam.review.models import Decision, ExportJob, PhoneCall
from medexam.rules import reasons
from medexam.rules.models import Exam, MaterialItem

S = Application.State


def scoped_application(request: AuthenticatedRequest, pk: int) -> Application:
    application = (
        services.scoped_applications(request.user)
        .select_related("candidate__exam", "candidate__exam_site", "candidate__user", "claimed_by")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        record_refusal(request, target=f"application:{pk}")
        raise Http404
    return application


def _detail(pk: int) -> str:
    return reverse("review:application", args=[pk])


# --- queue --------------------------------------------------------------------------------


SEARCHES = "queue_searches"  # session key: {token: search term}
KEPT_SEARCHES = 20


def _search_term(request: AuthenticatedRequest) -> str:
    """The search term of the page's `s` token, kept in the session (never in the URL, so
    that names and ID digits stay out of access logs, proxies and browser history)."""
    token = request.GET.get("s", "")
    return str(request.session.get(SEARCHES, {}).get(token, "")) if token else ""


@reviewer_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    filters = selectors.QueueFilters.from_query(request.GET, q=_search_term(request))
    page = selectors.queue_page(
        request.user, filters, after=request.GET.get("after"), before=request.GET.get("before")
    )
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(
        request,
        "review/queue.html",
        {
            "page": page,
            "filters": filters,
            "flags": [(name, label) for name, (label, _) in selectors.FLAGS.items()],
            "states": [(v, label) for v, label in S.choices if v != S.DRAFT],
            "rules": selectors.rule_codes(request.user),
            "query": query.urlencode(),
            "export_filters": [(k, v) for k, v in query.items() if k != "format"],
            "waiting": selectors.waiting_count(request.user),
            "bulk_ids": bulk.eligible_ids(page.rows, request.user),
            "lease_minutes": settings.REVIEW_CLAIM_MINUTES,
        },
    )


@reviewer_required
@require_POST
def queue_search(request: AuthenticatedRequest) -> HttpResponse:
    """The filter form is POSTed: the search term goes into the session under a short
    random token and the queue's URL carries the token and the other filters only."""
    params = QueryDict(mutable=True)
    for key in ("state", "route", "rule", "from", "to", *selectors.FLAGS):
        value = request.POST.get(key, "")
        if value:
            params[key] = value
    term = request.POST.get("q", "").strip()[:64]
    if term and selectors.is_full_id_number(term):
        messages.error(request, "不能按完整证件号码搜索，请输入证件号码的后4-6位、姓名或报名号。")
        term = ""
    if term:
        token = secrets.token_urlsafe(6)
        kept = dict(list(request.session.get(SEARCHES, {}).items())[-(KEPT_SEARCHES - 1) :])
        kept[token] = term
        request.session[SEARCHES] = kept
        params["s"] = token
    url = reverse("review:queue")
    return redirect(f"{url}?{params.urlencode()}" if params else url)


@reviewer_required
def bulk_approve(request: AuthenticatedRequest) -> HttpResponse:
    """GET: the confirmation listing what will be approved (and what will not, and why).
    POST: approve them, each as one by one would (bulk.bulk_approve)."""
    if request.method == "POST":
        versions = {}
        for key in request.POST:
            value = request.POST.get(key, "")
            if key.startswith("app-") and key[4:].isdigit() and value.isdigit():
                versions[int(key[4:])] = int(value)
        if not versions:
            messages.error(request, "没有要批量通过的申请，请在队列中勾选。")
            return redirect("review:queue")
        result = bulk.bulk_approve(reviewer=request.user, versions=versions, request=request)
        if result.approved:
            messages.success(
                request, f"已批量审核通过 {len(result.approved)} 份申请，并已逐一通知考生。"
            )
        for pk, why in result.skipped:
            messages.warning(request, f"申请 {pk} 未通过：{why}。")
        return redirect("review:queue")
    ids = [int(v) for v in request.GET.getlist("ids") if v.isdigit()]
    if not ids:
        messages.error(request, "请先在队列中勾选要批量通过的申请。")
        return redirect("review:queue")
    return render(
        request,
        "review/bulk_approve.html",
        {"selection": bulk.selection(request.user, ids), "max_batch": bulk.MAX_BATCH},
    )


@reviewer_required
@require_POST
def next_application(request: AuthenticatedRequest) -> HttpResponse:
    application = services.claim_next(reviewer=request.user, request=request)
    if application is None:
        messages.info(request, "队列中暂时没有等待审核的申请。")
        return redirect("review:queue")
    return redirect(_detail(application.pk))


@reviewer_required
@require_POST
def queue_export(request: AuthenticatedRequest) -> HttpResponse:
    """The queue with the page's filters, written by a worker (review.export_jobs)."""
    params = {
        k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "format", "s")
    }
    # The worker has no session: the search term goes with the job (never a full ID number:
    # queue_search refuses those), and stays out of the audit entry.
    token = request.POST.get("s", "")
    term = request.session.get(SEARCHES, {}).get(token, "") if token else ""
    if term:
        params["q"] = term
    return _export(request, kind=ExportJob.Kind.QUEUE, params=params, back="review:queue")


def _export(request: AuthenticatedRequest, *, kind: str, params: dict, back: str) -> HttpResponse:
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
    except DomainError as exc:
        return answer(request, exc, back=reverse(back))
    return redirect("exports:status", job_uuid=job.uuid)


# --- one application ----------------------------------------------------------------------


@reviewer_required
def application(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    app = scoped_application(request, pk)
    if services.touch_claim(application=app, reviewer=request.user):
        app.refresh_from_db(fields=["claim_expires_at"])
    return _application_page(request, app)


@reviewer_required
@require_POST
def reveal_id_number(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The full ID number, on the reviewer's explicit "显示" (a POST, so it is never in a
    link, a history entry or a prefetch), audited; the page stays masked otherwise."""
    app = scoped_application(request, pk)
    record(
        action="candidate.id_number_revealed",
        request=request,
        application=app,
        target=f"candidate:{app.candidate_id}",
        summary="查看完整证件号码",
    )
    return _application_page(request, app, revealed_id_number=app.candidate.id_number)


def _application_page(
    request: AuthenticatedRequest,
    app: Application,
    form: forms.DecisionForm | None = None,
    status: int = 200,
    revealed_id_number: str = "",
) -> HttpResponse:
    """The reviewer's page of one application; `form`: a decision form that did not go
    through, shown again with everything the reviewer chose and each error beside its input."""
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
    form = form or decision_form(
        app,
        images=[v.image for iv in view.page.items for v in iv.images],
        items=[iv.item for iv in view.page.items],
    )
    return render(
        request,
        "review/application.html",
        {
            "app": app,
            "candidate": app.candidate,
            "view": view,
            "ev": view.page.evaluation,
            "item_reasons": {
                iv.item.code: reasons.for_item(app.candidate.exam, iv.item.code)
                for iv in view.page.items
            },
            "form": form,
            "image_fields": {
                image_view.image.pk: forms.image_fields(form, image_view.image.uuid)
                for iv in view.page.items
                for image_view in iv.images
            },
            "item_fields": {
                iv.item.code: forms.item_fields(form, iv.item.code) for iv in view.page.items
            },
            "error_summary": forms.error_summary(
                form,
                {
                    **{iv.item.code: iv.item.name for iv in view.page.items},
                    **{
                        str(v.image.uuid): v.image.place_label(numbered=True)
                        for iv in view.page.items
                        for v in iv.images
                    },
                },
            ),
            "rotate_choices": forms.ROTATE_CHOICES,
            "call_outcomes": PhoneCall.Outcome.choices,
            "outcomes": Decision.Outcome,
            "can_decide": app.state == S.IN_REVIEW and not view.held_by_other,
            "is_province": request.user.role == User.Role.PROVINCE_REVIEWER,
            "can_reopen": request.user.role == User.Role.PROVINCE_REVIEWER
            and app.state in (S.APPROVED, S.REJECTED, S.ONSITE_PENDING),
            "reviewers": reviewers,
            "revealed_id_number": revealed_id_number,
        },
        status=status,
    )


@reviewer_required
@require_POST
def claim(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    scoped_application(request, pk)  # out of scope: 404, audited
    try:
        services.claim_application(application_id=pk, reviewer=request.user, request=request)
    except DomainError as exc:
        return answer(request, exc, back=_detail(pk))
    messages.success(request, "已领取该申请，其他审核人员在您审核期间不能同时审核。")
    return redirect(_detail(pk))


@reviewer_required
@require_POST
def release(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    scoped_application(request, pk)  # out of scope: 404, audited
    try:
        services.release_claim(application_id=pk, reviewer=request.user, request=request)
    except DomainError as exc:
        return answer(request, exc, back=_detail(pk))
    messages.success(request, "已放回队列。")
    return redirect("review:queue")


def decision_form(app: Application, data=None, *, images=None, items=None) -> forms.DecisionForm:
    """The decision form of `app`: one verdict per live image, "please add" per item
    (`images`, `items`: the page's own, when it has read them)."""
    return forms.DecisionForm(
        data,
        # Not through app.images / exam.items: a related manager fills each row's foreign key
        # from a deferred field here, one query per row.
        images=images
        if images is not None
        else UploadedImage.objects.filter(
            application_id=app.pk, status=UploadedImage.Status.ACTIVE
        ).only("uuid"),
        items=items
        if items is not None
        else MaterialItem.objects.filter(exam_id=app.candidate.exam_id).only("code"),
        route=app.route,
    )


@reviewer_required
@require_POST
def decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    app = scoped_application(request, pk)
    form = decision_form(app, request.POST)
    if not form.is_valid():
        if wants_json(request):
            return answer_form(request, form, back=_detail(pk))
        # Nothing the reviewer chose or typed is lost: the page comes back with it all.
        return _application_page(request, app, form, status=400)
    try:
        decision = services.decide(
            application_id=pk, reviewer=request.user, request=request, **form.decision()
        )
    except DomainError as exc:
        if exc.status == 404 or wants_json(request):
            return answer(request, exc, back=_detail(pk))
        add_to_form(form, exc)
        app = scoped_application(request, pk)  # a stale page: show the current state
        return _application_page(request, app, form, status=exc.status)
    messages.success(request, f"已保存审核结论：{decision.get_outcome_display()}，并已通知考生。")
    return redirect(_detail(pk))


@reviewer_required
def onsite_scan(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The candidate's appointment slip scanned at the site: open the application at its
    on-site check. A forged code or a candidate of another site answers 404."""
    pk = guidance.application_id_from_slip(token)
    if pk is None:
        raise Http404
    app = scoped_application(request, pk)
    record(
        action="review.onsite_slip_scanned",
        request=request,
        application=app,
        target=f"application:{app.pk}",
        summary="扫描现场审核预约单",
    )
    if app.state != S.ONSITE_PENDING:
        messages.info(request, f"该考生当前为“{app.get_state_display()}”，不在待现场审核状态。")
    return redirect(_detail(pk) + "#onsite")


@reviewer_required
@require_POST
def onsite(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    scoped_application(request, pk)  # out of scope: 404 before any answer about the input
    form = forms.OnsiteCheckForm(request.POST)
    if not form.is_valid():
        return answer_form(request, form, back=_detail(pk))
    try:
        services.record_onsite_check(
            application_id=pk, reviewer=request.user, request=request, **form.cleaned_data
        )
    except DomainError as exc:
        return answer(request, exc, back=_detail(pk))
    messages.success(request, "已记录现场审核结果，并已通知考生。")
    return redirect(_detail(pk))


@province_required
@require_POST
def reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    scoped_application(request, pk)  # out of scope: 404 before any answer about the input
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        return answer_form(request, form, back=_detail(pk))
    try:
        services.reopen(application_id=pk, actor=request.user, request=request, **form.cleaned_data)
    except DomainError as exc:
        return answer(request, exc, back=_detail(pk))
    messages.success(request, "已重新进入审核，由您领取。")
    return redirect(_detail(pk))


@province_required
@require_POST
def reassign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    scoped_application(request, pk)
    form = forms.ReassignForm(request.POST)
    if not form.is_valid():
        return answer_form(request, form, back=_detail(pk))
    target = form.cleaned_data["reviewer"]
    try:
        services.reassign(
            application_id=pk, actor=request.user, to_reviewer=target, request=request
        )
    except DomainError as exc:
        return answer(request, exc, back=_detail(pk))
    messages.success(request, f"已分配给 {target}。")
    return redirect(_detail(pk))


@reviewer_required
@require_POST
def phone_call(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    scoped_application(request, pk)  # out of scope: 404 before any answer about the input
    form = forms.PhoneCallForm(request.POST)
    if not form.is_valid():
        return answer_form(request, form, back=_detail(pk) + "#calls")
    try:
        services.log_phone_call(
            application_id=pk, reviewer=request.user, request=request, **form.cleaned_data
        )
    except DomainError as exc:
        return answer(request, exc, back=_detail(pk) + "#calls")
    messages.success(request, "已记录电话联系。")
    return redirect(_detail(pk) + "#calls")


# --- statistics and exports ---------------------------------------------------------------


def _exam_for(user: User) -> Exam | None:
    if user.role == User.Role.SITE_REVIEWER and user.exam_site is not None:
        return user.exam_site.exam
    return Exam.objects.filter(province=user.province, is_active=True).order_by("-year").first()


@reviewer_required
def statistics(request: AuthenticatedRequest) -> HttpResponse:
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
def results_export(request: AuthenticatedRequest) -> HttpResponse:
    """The results of the reviewer's scope (a site, or the province), written by a worker."""
    return _export(request, kind=ExportJob.Kind.RESULTS, params={}, back="review:statistics")
