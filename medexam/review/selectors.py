"""Reads of the reviewer's workspace: the queue with its filters, one application as the
reviewer sees it, statistics, and the reasons the results export prints. Query counts do
not grow with the page size."""

from __future__ import annotations

import datetime as dt
import statistics as stats
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.candidates.idcrypto import tail_prefix
from medexam.formats import day
from medexam.materials.models import Application, ReplacementReason, UploadedImage
from medexam.materials.selectors import MaterialsPage, materials_page
from medexam.review.models import Decision, PhoneCall, ReplacementRequest
from medexam.review.services import held_by_other, is_in_scope, scoped_applications
from medexam.rules.models import Exam
from medexam.rules.reasons import label as reason_label
from medexam.rules.trial import TrialCheck

if TYPE_CHECKING:
    from medexam.accounts.models import User

S = Application.State
ROUTES = {"online": "线上审核", "offline": "线下审核"}


# --- the queue ----------------------------------------------------------------------------


@dataclass
class QueueFilters:
    state: str = ""
    route: str = ""
    rule: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    warnings: bool = False
    resubmitted: bool = False
    precheck: bool = False  # 预检发现问题: Application.precheck_issues
    q: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> QueueFilters:
        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        state = params.get("state", "")
        return cls(
            state=state if state in S.values or state == "all" else "",
            route=params.get("route", "") if params.get("route") in ROUTES else "",
            rule=params.get("rule", "")[:16],
            submitted_from=day("from"),
            submitted_to=day("to"),
            warnings=params.get("warnings") == "1",
            resubmitted=params.get("resubmitted") == "1",
            precheck=params.get("precheck") == "1",
            q=params.get("q", "").strip()[:64],
        )


def queue(user: User, filters: QueueFilters) -> QuerySet[Application]:
    """Applications in `user`'s scope; by default those waiting for a reviewer (submitted or
    in review), oldest first. Candidate and site come along in the same query."""
    warned = UploadedImage.objects.filter(
        application=OuterRef("pk"), status=UploadedImage.Status.ACTIVE
    ).exclude(warnings=[])
    queryset = (
        scoped_applications(user)
        .select_related("candidate", "candidate__exam_site", "claimed_by")
        .annotate(has_warnings=Exists(warned))
    )
    if filters.state == "all":
        queryset = queryset.exclude(state=S.DRAFT)
    elif filters.state:
        queryset = queryset.filter(state=filters.state)
    else:
        queryset = queryset.filter(state__in=[S.SUBMITTED, S.IN_REVIEW])
    if filters.route:
        queryset = queryset.filter(route=filters.route)
    if filters.rule:
        queryset = queryset.filter(rule_code=filters.rule)
    if filters.submitted_from:
        queryset = queryset.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        queryset = queryset.filter(submitted_at__date__lte=filters.submitted_to)
    if filters.warnings:
        queryset = queryset.filter(has_warnings=True)
    if filters.resubmitted:
        queryset = queryset.filter(round__gt=1)
    if filters.precheck:
        # Denormalised (kept in step by medexam.precheck.services): one column, no join.
        queryset = queryset.filter(precheck_issues=True)
    if filters.q:
        term = filters.q
        match = Q(candidate__name__icontains=term) | Q(candidate__registration_no=term)
        # Last digits of the ID number only (at least 4): reviewers never search by full ID.
        if 4 <= len(term) <= 6 and term[:-1].isdigit():
            match |= Q(candidate__id_tail__startswith=tail_prefix(term))
        queryset = queryset.filter(match)
    return queryset.order_by("submitted_at", "id")


# --- one application ----------------------------------------------------------------------


@dataclass
class Pair:
    """A replacement uploaded after a request, beside the image it replaced."""

    old: UploadedImage
    new: UploadedImage | None


@dataclass
class Duplicate:
    image: UploadedImage
    links: list[tuple[int | None, str]]  # (application pk in scope or None, label)


@dataclass
class ReviewPage:
    application: Application
    page: MaterialsPage
    decisions: list[Decision]
    calls: list[PhoneCall]
    history: list[AuditEntry]
    pairs: dict[int, list[Pair]]  # item pk -> pairs of the last round
    duplicates: dict[int, Duplicate]  # image pk -> other uses
    open_requests: dict[int, ReplacementRequest]  # image pk -> the request that flagged it
    timeline: object | None
    held_by_other: bool
    held_by_me: bool
    reasons: list[tuple[str, str]] = field(default_factory=lambda: list(ReplacementReason.choices))


def review_page(application: Application, user: User) -> ReviewPage:
    page = materials_page(application)
    images = list(UploadedImage.objects.filter(application=application).select_related("item"))
    by_pk = {img.pk: img for img in images}
    decisions = list(
        Decision.objects.filter(application=application)
        .select_related("reviewer")
        .prefetch_related("requests__item", "requests__image")
    )
    # At re-review: every image the last "please replace" named, beside what replaced it.
    pairs: dict[int, list[Pair]] = defaultdict(list)
    replacements = {
        img.replaces_id: img
        for img in images
        if img.replaces_id and img.status != UploadedImage.Status.PROPOSED
    }
    asked = next(
        (d for d in reversed(decisions) if d.outcome == Decision.Outcome.REQUEST_CHANGES), None
    )
    if asked is not None and asked.round < application.round:
        for r in asked.requests.all():
            old = by_pk.get(r.image_id) if r.image_id is not None else None
            if old is not None:
                pairs[old.item_id].append(Pair(old=old, new=replacements.get(old.pk)))
    last_requests = {}
    if decisions:
        for r in decisions[-1].requests.all():
            if r.image_id:
                last_requests[r.image_id] = r
    duplicates = _duplicates(application, user, [img for img in images if img.warnings])
    check = page.evaluation.trial_period
    timeline = trial_rows(check) if check is not None else None
    history = list(
        AuditEntry.objects.filter(application=application)
        .exclude(action="image.viewed")
        .select_related("actor")
        .order_by("-created_at", "-id")[:200]
    )
    now = timezone.now()
    return ReviewPage(
        application=application,
        page=page,
        decisions=decisions,
        calls=list(PhoneCall.objects.filter(application=application).select_related("reviewer")),
        history=history,
        pairs=dict(pairs),
        duplicates=duplicates,
        open_requests={pk: r for pk, r in last_requests.items() if pk in by_pk},
        timeline=timeline,
        held_by_other=held_by_other(application, user, now),
        held_by_me=bool(
            application.claimed_by_id == user.pk
            and application.claim_expires_at
            and application.claim_expires_at > now
        ),
    )


@dataclass(frozen=True)
class TrialRow:
    label: str
    kind: str  # completed | pledged | gap | overlap
    x: int  # of 1000 units across the window
    width: int
    title: str


def trial_rows(check: TrialCheck) -> list[TrialRow]:
    """The trial period as bars across the window (segments, then gaps and overlaps), each
    row its own stretched SVG track so that labels stay HTML text."""
    start, end = check.window
    total = max((end - start).days, 1)

    def row(a: dt.date, b: dt.date, kind: str, label: str) -> TrialRow | None:
        a_c, b_c = max(a, start), min(b, end)
        if b_c <= a_c:
            return None
        x = round((a_c - start).days * 1000 / total)
        width = max(round((b_c - start).days * 1000 / total) - x, 2)
        return TrialRow(
            label, kind, x, width, f"{label}：{day(a)} 至 {day(b)}（{(b - a).days} 天）"
        )

    rows = [
        row(s.start, s.end, s.status, s.institution or "（未填写机构）") for s in check.segments
    ]
    rows += [row(a, b, "gap", "空档") for a, b in check.gaps]
    rows += [row(a, b, "overlap", "重叠（只算一次）") for a, b in check.overlaps]
    return [r for r in rows if r is not None]


def _duplicates(
    application: Application, user: User, images: list[UploadedImage]
) -> dict[int, Duplicate]:
    uuids = {
        u
        for img in images
        for w in img.warnings
        if w.get("code") == "DUPLICATE"
        for u in w.get("other_applications", []) + w.get("same_application", [])
    }
    others = {
        str(o.uuid): o
        for o in UploadedImage.objects.filter(uuid__in=uuids).select_related(
            "application__candidate__exam", "item"
        )
    }
    result = {}
    for img in images:
        for w in img.warnings:
            if w.get("code") != "DUPLICATE":
                continue
            links: list[tuple[int | None, str]] = []
            for u in w.get("same_application", []):
                other = others.get(u)
                if other is not None:
                    links.append((None, f"本考生的“{other.item.name}”"))
            for u in w.get("other_applications", []):
                other = others.get(u)
                if other is None:
                    continue
                if is_in_scope(user, other.application):
                    links.append(
                        (
                            other.application_id,
                            f"{other.application.candidate.name}的“{other.item.name}”",
                        )
                    )
                else:
                    links.append((None, "其他考点的考生（不在您的审核范围内）"))
            result[img.pk] = Duplicate(image=img, links=links)
    return result


# --- for the results export (medexam.exports) ---------------------------------------------


def decision_reasons(*, application_ids: list[int]) -> dict[int, list[str]]:
    """The latest decision's reasons per application: its requests, then its note."""
    latest: dict[int, Decision] = {}
    for decision in (
        Decision.objects.filter(application_id__in=application_ids)
        .exclude(outcome=Decision.Outcome.REOPEN)
        .order_by("created_at", "id")
    ):
        latest[decision.application_id] = decision
    requests = defaultdict(list)
    for r in (
        ReplacementRequest.objects.filter(decision__in=[d.pk for d in latest.values()])
        .select_related("item", "image")
        .order_by("id")
    ):
        requests[r.decision_id].append(r)
    # The wording of each reason is the exam file's: one read per exam, not per row.
    exam_ids = {r.item.exam_id for rows in requests.values() for r in rows}
    exams = {e.pk: e for e in Exam.objects.filter(pk__in=exam_ids).only("rules")}
    reasons: dict[int, list[str]] = {}
    for application_id, decision in latest.items():
        lines = [
            f"{r.item.name}：{reason_label(exams.get(r.item.exam_id), r.reason)}"
            + (f"（{r.note}）" if r.note else "")
            for r in requests[decision.pk]
        ]
        if decision.reason:
            lines.append(decision.reason)
        reasons[application_id] = lines
    return reasons


# --- statistics ---------------------------------------------------------------------------


@dataclass
class SiteStats:
    site: str
    by_state: dict[str, int]
    by_route: dict[str, int]
    total: int
    median_hours: float | None
    state_cells: list[int] = field(default_factory=list)  # in the order of Statistics.states

    @property
    def online(self) -> int:
        return self.by_route.get(ROUTES["online"], 0)

    @property
    def offline(self) -> int:
        return self.by_route.get(ROUTES["offline"], 0)


@dataclass
class Statistics:
    sites: list[SiteStats]
    states: list[tuple[str, str]]
    reasons: list[tuple[str, int]]
    rounds: list[tuple[int, int]]
    median_hours: float | None


def statistics(user: User) -> Statistics:
    applications = scoped_applications(user).exclude(state=S.DRAFT)
    counts = (
        applications.values("candidate__exam_site__name", "state", "route")
        .annotate(n=Count("id"))
        .order_by("candidate__exam_site__name")
    )
    sites: dict[str, SiteStats] = {}
    for row in counts:
        name = row["candidate__exam_site__name"]
        site = sites.setdefault(name, SiteStats(name, Counter(), Counter(), 0, None))
        site.by_state[row["state"]] += row["n"]
        site.by_route[ROUTES.get(row["route"], "未定")] += row["n"]
        site.total += row["n"]
    # Time to decision: from the submission of the round to the reviewer's decision.
    durations: dict[str, list[float]] = defaultdict(list)
    decided = (
        Decision.objects.filter(application__in=applications, submitted_at__isnull=False)
        .exclude(outcome=Decision.Outcome.REOPEN)
        .values_list("application__candidate__exam_site__name", "submitted_at", "created_at")
    )
    for name, submitted, created in decided:
        if submitted is not None:  # the query asks for a submission time; this says so
            durations[name].append((created - submitted).total_seconds() / 3600)
    for name, site in sites.items():
        if durations.get(name):
            site.median_hours = round(stats.median(durations[name]), 1)
    states = [(value, label) for value, label in S.choices if value != S.DRAFT]
    for site in sites.values():
        site.state_cells = [site.by_state.get(value, 0) for value, _ in states]
    everything = [h for values in durations.values() for h in values]
    reasons = (
        ReplacementRequest.objects.filter(application__in=applications)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")
    )
    rounds = applications.values("round").annotate(n=Count("id")).order_by("round")
    return Statistics(
        sites=sorted(sites.values(), key=lambda s: s.site),
        states=states,
        reasons=[(reason_label(None, r["reason"]), r["n"]) for r in reasons],
        rounds=[(r["round"], r["n"]) for r in rounds],
        median_hours=round(stats.median(everything), 1) if everything else None,
    )
