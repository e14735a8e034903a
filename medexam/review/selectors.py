"""Reads of the reviewer's workspace: the queue with its filters, one application as the
reviewer sees it, statistics, and the reasons the results export prints. Query counts do
not grow with the page size."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.candidates.idcrypto import tail_prefix
from medexam.candidates.importing import gb11643_check_char
from medexam.candidates.models import Candidate
from medexam.formats import day
from medexam.materials.models import (
    QUEUE_FLAGS,
    Application,
    ReplacementReason,
    SiteTally,
    UploadedImage,
)
from medexam.materials.selectors import MaterialsPage, materials_page
from medexam.materials.tallies import bucket_width
from medexam.review.models import Decision, PhoneCall, ReplacementRequest
from medexam.review.services import held_by_other, is_in_scope, scoped_applications
from medexam.rules.models import Exam, ExamSite
from medexam.rules.reasons import label as reason_label
from medexam.rules.trial import TrialCheck

if TYPE_CHECKING:
    from medexam.accounts.models import User

S = Application.State
ROUTES = {"online": "线上审核", "offline": "线下审核"}


# --- the queue ----------------------------------------------------------------------------

# The queue's yes/no filters: each is a column of the application row (set by the service
# that changes what it says) with a partial index per scope on (scope, submitted_at, id)
# WHERE the flag (materials.models.queue_indexes). A new filter is a column and a row in
# materials.models.QUEUE_FLAGS (its condition and indexes) and here (its label); never an
# EXISTS over the images at read time.
FLAGS: dict[str, tuple[str, Q]] = {
    name: (label, QUEUE_FLAGS[name][1])
    for name, label in (
        ("warnings", "有质量提示"),
        ("precheck", "预检发现问题"),
        ("resubmitted", "重新提交"),
    )
}

PAGE_SIZE = 50
# What a queue row shows and bulk.refusal reads, and nothing more: a page builds 150 model
# instances, and every column left out is one fewer value converted per row.
ROW_FIELDS = (
    "candidate__name",
    "candidate__registration_no",
    "candidate__id_number",
    "candidate__exam_site__name",
    "state",
    "round",
    "route",
    "rule_code",
    "has_warnings",
    "precheck_issues",
    "submitted_at",
    "claim_expires_at",
    "claimed_by__username",
    "claimed_by__display_name",
)
# Beyond this, a filtered queue says "more than 1000" instead of counting every row.
COUNT_CAP = 1000
# A name search looks at this many candidates of the scope whose name begins so, at most.
NAME_CAP = 200


@dataclass
class QueueFilters:
    state: str = ""
    route: str = ""
    rule: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    flags: frozenset[str] = frozenset()
    q: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str], q: str = "") -> QueueFilters:
        """The page's filters; the search term `q` comes from the session, never the URL
        (review.views.queue_search)."""

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        state = params.get("state", "")
        return cls(
            state=state if (state in S.values and state != S.DRAFT) or state == "all" else "",
            route=params.get("route", "") if params.get("route") in ROUTES else "",
            rule=params.get("rule", "")[:16],
            submitted_from=day("from"),
            submitted_to=day("to"),
            flags=frozenset(name for name in FLAGS if params.get(name) == "1"),
            q=q.strip()[:64],
        )

    @property
    def warnings(self) -> bool:
        return "warnings" in self.flags

    @property
    def resubmitted(self) -> bool:
        return "resubmitted" in self.flags

    @property
    def precheck(self) -> bool:
        return "precheck" in self.flags

    @property
    def only_state(self) -> bool:
        """Only the state is chosen: the site counters count this queue exactly."""
        return not (
            self.route
            or self.rule
            or self.submitted_from
            or self.submitted_to
            or self.flags
            or self.q
        )

    def states(self) -> list[str]:
        if self.state == "all":
            return [v for v in S.values if v != S.DRAFT]
        if self.state:
            return [self.state]
        return [S.SUBMITTED, S.IN_REVIEW]


def _local_midnight(day_: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day_, dt.time.min))


def is_full_id_number(term: str) -> bool:
    """A whole resident ID number (checksum and all): the queue never searches by one."""
    value = term.strip().upper()
    if len(value) == 15 and value.isdigit():
        return True
    return len(value) == 18 and value[:17].isdigit() and gb11643_check_char(value[:17]) == value[17]


def named(user: User, term: str) -> QuerySet[Candidate]:
    """The candidates of `user`'s scope whose name begins with `term` (one character: the
    whole name), by the name indexes (candidate_site_name_prefix,
    candidate_exam_name_prefix), in no particular order: taking the first NAME_CAP is then
    an index-only walk of NAME_CAP entries (in the index's order, by name), where an ORDER
    BY name would read every match (8,000 for a common name at a million) to sort them."""
    if len(term) >= 2:
        return scoped_candidates(user).filter(name__startswith=term).order_by()
    return scoped_candidates(user).filter(name=term).order_by()


def searched_candidates(user: User, term: str) -> tuple[list[int], bool]:
    """The candidates of `user`'s scope a search term names: by the beginning of the name
    (NAME_CAP of them at most), the registration number (exact), or the last 4-6
    characters of the ID number (`id_tail`, reversed, so a prefix); never the full ID
    number. Ids, and whether the name matched more than NAME_CAP (a common name, "李燕",
    is 8,000 of a million: the page says so instead of joining thousands of rows). Two
    statements, each through its own index."""
    by_name = list(named(user, term).values_list("pk", flat=True)[: NAME_CAP + 1])
    match = Q(registration_no=term)
    if 4 <= len(term) <= 6 and term[:-1].isdigit():
        # id_tail: the last six characters reversed (issue 18), so this is a prefix match
        # its index (candidate_id_tail_prefix) serves.
        match |= Q(id_tail__startswith=tail_prefix(term))
    others = list(scoped_candidates(user).filter(match).values_list("pk", flat=True)[:NAME_CAP])
    return by_name[:NAME_CAP] + others, len(by_name) > NAME_CAP


def scoped_candidates(user: User) -> QuerySet[Candidate]:
    """The candidates of `user`'s scope: a site's, or those of the province's exams (by exam
    id, so that the exam-led indexes serve a province's search)."""
    if user.role == user.Role.SITE_REVIEWER and user.exam_site_id:
        return Candidate.objects.filter(exam_site_id=user.exam_site_id)
    if user.role == user.Role.PROVINCE_REVIEWER and user.province:
        return Candidate.objects.filter(
            exam_id__in=Exam.objects.filter(province=user.province).values("pk")
        )
    return Candidate.objects.none()


def queue(
    user: User, filters: QueueFilters, searched: list[int] | None = None
) -> QuerySet[Application]:
    """Applications in `user`'s scope; by default those waiting for a reviewer (submitted or
    in review), oldest first. Candidate and site come along in the same query. Every filter
    is a condition on the application row that one of the queue indexes serves."""
    queryset = scoped_applications(user).select_related(
        "candidate", "candidate__exam_site", "claimed_by"
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
        queryset = queryset.filter(submitted_at__gte=_local_midnight(filters.submitted_from))
    if filters.submitted_to:
        end = _local_midnight(filters.submitted_to + dt.timedelta(days=1))
        queryset = queryset.filter(submitted_at__lt=end)
    for name in sorted(filters.flags):
        queryset = queryset.filter(FLAGS[name][1])
    if filters.q:
        if searched is None:
            searched, _ = searched_candidates(user, filters.q)
        queryset = queryset.filter(candidate_id__in=searched)
    return queryset.order_by("submitted_at", "id")


Cursor = tuple[dt.datetime, int]


def encode_cursor(application: Application) -> str:
    at = application.submitted_at
    assert at is not None  # the queue holds submitted applications only
    return f"{int(at.timestamp() * 1_000_000)}-{application.pk}"


def decode_cursor(value: str | None) -> Cursor | None:
    try:
        micros, pk = (value or "").split("-")
        at = dt.datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt.UTC)
        return at, int(pk)
    except (ValueError, OverflowError, OSError):
        return None


@dataclass
class QueuePage:
    rows: list[Application]
    count: int
    count_exact: bool  # False: "more than COUNT_CAP"
    next_cursor: str
    prev_cursor: str
    first: bool
    too_many_names: bool = False  # the name matched more than NAME_CAP candidates

    @property
    def count_label(self) -> str:
        return f"{self.count} 份" if self.count_exact else f"超过 {COUNT_CAP} 份"


def queue_page(
    user: User,
    filters: QueueFilters,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue by key (after / before a cursor on (submitted_at, id)), never
    by OFFSET: any page is a walk of size + 1 index entries. The count is exact from the
    site counters when only the state is chosen, else counted up to COUNT_CAP."""
    searched, too_many = searched_candidates(user, filters.q) if filters.q else (None, False)
    queryset = queue(user, filters, searched).only(*ROW_FIELDS)
    cursor_after, cursor_before = decode_cursor(after), decode_cursor(before)
    if cursor_before is not None:
        at, pk = cursor_before
        rows = list(
            queryset.filter(submitted_at__lte=at)
            .filter(Q(submitted_at__lt=at) | Q(id__lt=pk))
            .order_by("-submitted_at", "-id")[: size + 1]
        )
        first = len(rows) <= size
        rows = rows[:size][::-1]
        has_next = True
    else:
        if cursor_after is not None:
            at, pk = cursor_after
            queryset = queryset.filter(submitted_at__gte=at).filter(
                Q(submitted_at__gt=at) | Q(id__gt=pk)
            )
        rows = list(queryset[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        first = cursor_after is None
    if filters.only_state:
        count, exact = counted(user, filters.states()), True
    else:
        count = queue(user, filters, searched).order_by()[: COUNT_CAP + 1].count()
        exact = count <= COUNT_CAP
    return QueuePage(
        rows=rows,
        count=min(count, COUNT_CAP) if not exact else count,
        too_many_names=too_many,
        count_exact=exact,
        next_cursor=encode_cursor(rows[-1]) if rows and has_next else "",
        prev_cursor=encode_cursor(rows[0]) if rows and not first else "",
        first=first,
    )


def scoped_tallies(user: User) -> QuerySet[SiteTally]:
    """The site counters of `user`'s scope (the same scope as scoped_applications)."""
    tallies = SiteTally.objects.all()
    if user.role == user.Role.SITE_REVIEWER and user.exam_site_id:
        return tallies.filter(exam_site_id=user.exam_site_id)
    if user.role == user.Role.PROVINCE_REVIEWER and user.province:
        return tallies.filter(exam_site__exam__province=user.province)
    return tallies.none()


def counted(user: User, states: list[str]) -> int:
    """How many applications of `user`'s scope are in `states`, from the site counters."""
    total = scoped_tallies(user).filter(kind="state", code__in=states).aggregate(n=Sum("n"))["n"]
    return int(total or 0)


def waiting_count(user: User) -> int:
    """Submitted or in review and not held by a live claim: the counters minus the live
    claims (read through their partial index, a few hundred rows at most)."""
    held = (
        scoped_applications(user)
        .filter(
            state__in=[S.SUBMITTED, S.IN_REVIEW],
            claimed_by__isnull=False,
            claim_expires_at__gt=timezone.now(),
        )
        .count()
    )
    return max(counted(user, [S.SUBMITTED, S.IN_REVIEW]) - held, 0)


def rule_codes(user: User) -> list[str]:
    """The route rules of the exams in `user`'s scope, from the exams' rule files (a
    handful of rows, not the applications)."""
    if user.role == user.Role.SITE_REVIEWER and user.exam_site_id:
        exams = Exam.objects.filter(sites__id=user.exam_site_id)
    elif user.role == user.Role.PROVINCE_REVIEWER and user.province:
        exams = Exam.objects.filter(province=user.province)
    else:
        return []
    codes: set[str] = set()
    for routes in exams.values_list("rules__routes", flat=True):
        codes.update(str(r["code"]) for r in routes or [] if isinstance(r, dict) and "code" in r)
    return sorted(codes, key=lambda c: (len(c), c))


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
    images = list(
        UploadedImage.objects.filter(application=application)
        .select_related("item")
        .order_by("position", "uploaded_at")
    )
    page = materials_page(application, images)
    by_pk = {img.pk: img for img in images}
    decisions = list(
        Decision.objects.filter(application=application)
        .select_related("reviewer")
        .prefetch_related("requests")
    )
    # The requests' items and images are the page's own (read once above, not per request).
    items = {iv.item.pk: iv.item for iv in page.items}
    for decision in decisions:
        for r in decision.requests.all():
            if r.item_id in items:
                r.item = items[r.item_id]
            if r.image_id is not None and r.image_id in by_pk:
                r.image = by_pk[r.image_id]
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

# The columns of the statistics, in the order of the review: every state, drafts included.
STAT_COLUMNS: list[tuple[str, str]] = [
    (S.DRAFT, "未提交"),
    (S.SUBMITTED, "已提交"),
    (S.IN_REVIEW, "审核中"),
    (S.CHANGES_REQUESTED, "要求更换"),
    (S.APPROVED, "通过"),
    (S.REJECTED, "不通过"),
    (S.ONSITE_PENDING, "待现场审核"),
]
TOP_REASONS = 20


@dataclass
class SiteStats:
    site: str
    by_state: dict[str, int] = field(default_factory=dict)
    by_route: dict[str, int] = field(default_factory=dict)
    hours: Counter[int] = field(default_factory=Counter)  # decisions by hour bucket
    overdue: int = 0  # changes requested, supplement deadline passed
    median_hours: float | None = None
    state_cells: list[int] = field(default_factory=list)  # in the order of Statistics.states

    @property
    def online(self) -> int:
        return self.by_route.get("online", 0)

    @property
    def offline(self) -> int:
        return self.by_route.get("offline", 0)

    @property
    def total(self) -> int:
        """Submitted at least once (everything but drafts)."""
        return sum(n for state, n in self.by_state.items() if state != S.DRAFT)

    @property
    def candidates(self) -> int:
        return sum(self.by_state.values())


@dataclass
class Reason:
    label: str
    n: int
    share: float  # of all reasons of this kind, in %
    cumulative: float  # the Pareto line, in %


@dataclass
class Statistics:
    sites: list[SiteStats]
    states: list[tuple[str, str]]
    totals: SiteStats
    reasons: list[tuple[str, int]]  # replacement reasons, most frequent first
    replace_pareto: list[Reason]
    reject_pareto: list[Reason]
    replace_total: int
    reject_total: int
    rounds: list[tuple[int, int]]
    median_hours: float | None


def median_of_hours(hours: Counter[int]) -> float | None:
    """The median of decisions counted by hour buckets (tallies.hour_bucket: whole hours,
    then whole days), interpolated inside its bucket (exact to within that bucket)."""
    total = sum(hours.values())
    if not total:
        return None
    half, seen = total / 2, 0
    for start in sorted(hours):
        n = hours[start]
        if seen + n >= half:
            return round(start + bucket_width(start) * (half - seen) / n, 1)
        seen += n
    return float(max(hours))  # pragma: no cover - the loop returns


def _pareto(rows: list[tuple[str, int]], total: int) -> list[Reason]:
    result, running = [], 0
    for label, n in rows:
        running += n
        result.append(Reason(label, n, round(100 * n / total, 1), round(100 * running / total, 1)))
    return result


def scoped_sites(user: User) -> QuerySet[ExamSite]:
    if user.role == user.Role.SITE_REVIEWER and user.exam_site_id:
        return ExamSite.objects.filter(pk=user.exam_site_id)
    if user.role == user.Role.PROVINCE_REVIEWER and user.province:
        return ExamSite.objects.filter(exam__province=user.province)
    return ExamSite.objects.none()


def statistics(user: User) -> Statistics:
    """Every site of the scope, active or not, from the site counters (a few rows per site,
    whatever the population: at most 159 hour buckets per site) and the overdue replacements
    through their partial index. Five statements."""
    sites = {
        site.pk: SiteStats(site.name)
        for site in scoped_sites(user).order_by("exam__year", "code").only("pk", "name")
    }
    rounds: Counter[int] = Counter()
    replace: Counter[str] = Counter()
    for row in (
        scoped_tallies(user).exclude(kind="reject").values_list("exam_site_id", "kind", "code", "n")
    ):
        site_id, kind, code, n = row
        site = sites.get(site_id)
        if site is None or not n:
            continue
        if kind == "state":
            site.by_state[code] = site.by_state.get(code, 0) + n
        elif kind == "route":
            site.by_route[code] = site.by_route.get(code, 0) + n
        elif kind == "round":
            rounds[int(code)] += n
        elif kind == "hours":
            site.hours[int(code)] += n
        elif kind == "replace":
            replace[code] += n
    rejected = list(
        scoped_tallies(user)
        .filter(kind="reject")
        .values("code")
        .annotate(total=Sum("n"))
        .order_by("-total", "code")[: TOP_REASONS + 1]
    )
    reject_total = int(scoped_tallies(user).filter(kind="reject").aggregate(n=Sum("n"))["n"] or 0)
    # Through the partial index overdue_by_site: the schedule closes overdue supplements
    # (services.close_expired_supplements), so these are the few it has not reached yet.
    for overdue in (
        Application.objects.filter(
            exam_site_id__in=list(sites),
            state=S.CHANGES_REQUESTED,
            supplement_deadline__lt=timezone.now(),
        )
        .values("exam_site_id")
        .annotate(n=Count("*"))  # not count(id): an index-only scan of overdue_by_site
        .order_by()
    ):
        if overdue["exam_site_id"] in sites:
            sites[overdue["exam_site_id"]].overdue = overdue["n"]
    totals = SiteStats("合计")
    for site in sites.values():
        site.median_hours = median_of_hours(site.hours)
        site.state_cells = [site.by_state.get(value, 0) for value, _ in STAT_COLUMNS]
        for state, n in site.by_state.items():
            totals.by_state[state] = totals.by_state.get(state, 0) + n
        for route, n in site.by_route.items():
            totals.by_route[route] = totals.by_route.get(route, 0) + n
        totals.hours.update(site.hours)
        totals.overdue += site.overdue
    totals.state_cells = [totals.by_state.get(value, 0) for value, _ in STAT_COLUMNS]
    totals.median_hours = median_of_hours(totals.hours)
    reasons = sorted(replace.items(), key=lambda kv: (-kv[1], kv[0]))
    replace_total = sum(replace.values())
    labelled = [(reason_label(None, code), n) for code, n in reasons]
    # Reached round r minus reached round r + 1: the applications now at round r.
    at_round = [
        (r, rounds[r] - rounds.get(r + 1, 0))
        for r in sorted(rounds)
        if rounds[r] - rounds.get(r + 1, 0)
    ]
    return Statistics(
        sites=list(sites.values()),
        states=STAT_COLUMNS,
        totals=totals,
        reasons=labelled,
        replace_pareto=_pareto(labelled[:TOP_REASONS], replace_total),
        reject_pareto=_pareto(
            [(r["code"], int(r["total"])) for r in rejected[:TOP_REASONS]], reject_total
        ),
        replace_total=replace_total,
        reject_total=reject_total,
        rounds=at_round,
        median_hours=totals.median_hours,
    )
