"""The per-site counters of `SiteTally`, changed in the transaction of what they count.

Every change is one upsert (INSERT ... ON CONFLICT DO UPDATE, on PostgreSQL and SQLite) of
the sorted keys it touches: two transactions that touch the same counters lock their rows in
the same order, so they queue behind each other instead of deadlocking. The counters of one
site are shared rows: a transition waits for another one of the same site to commit (a few
milliseconds), which is the price of statistics that read 14 x 20 rows instead of a million.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection

from medexam import sql
from medexam.materials.models import Application, SiteTally

if TYPE_CHECKING:
    from django.db.models import QuerySet

Key = tuple[int, str, str]  # (exam_site_id, kind, code)
S = Application.State
# A decision's time is counted in whole hours for the first three days, then in whole days
# up to 90 days, then in the last bucket: at most 159 counters per site, whatever the
# population (whole hours up to 90 days made 12,784 rows for 14 sites at a million, read
# by every statistics page).
HOURLY = 72
MAX_HOURS = 24 * 90


def hour_bucket(hours: float) -> int:
    """The counter (its first hour) of a decision taken `hours` after the submission."""
    if hours < HOURLY:
        return max(int(hours), 0)
    return min(HOURLY + int((hours - HOURLY) // 24) * 24, MAX_HOURS)


def bucket_width(start: int) -> int:
    """How many hours the counter starting at `start` spans."""
    return 1 if start < HOURLY else 24


# The transitions that decide (the statistics' "time to decision").
DECIDING = frozenset(
    {"approve", "request_changes", "reject", "send_onsite", "pass_onsite", "fail_onsite"}
)
REASON_CHARS = 64


def add(deltas: Counter[Key] | dict[Key, int]) -> None:
    """Add `deltas` to the counters (missing ones start at 0), in one statement."""
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[int | str] = []
    for (site, kind, code), n in rows:
        params += [site, kind, code[:REASON_CHARS], n]
    t = sql.table(SiteTally)
    with connection.cursor() as cursor:
        # Table and column names are the model's (quoted); every value is a parameter.
        cursor.execute(
            f"INSERT INTO {t} (exam_site_id, kind, code, n) VALUES {values} "  # noqa: S608
            f"ON CONFLICT (exam_site_id, kind, code) DO UPDATE SET n = {t}.n + excluded.n",
            params,
        )


def snapshot(application: Application) -> tuple[str, str, int, int]:
    """What the counters last counted of `application`: (state, route, round, site)."""
    stored = getattr(application, "_tallied", None)
    if stored is None:
        return (application.state, application.route, application.round, application.exam_site_id)
    return stored


def remember(application: Application) -> None:
    application._tallied = (  # type: ignore[attr-defined]
        application.state,
        application.route,
        application.round,
        application.exam_site_id,
    )


def for_transition(
    application: Application,
    name: str,
    *,
    before: tuple[str, str, int, int],
    now: dt.datetime,
    reason: str = "",
    replace_reasons: Iterable[str] = (),
) -> Counter[Key]:
    """The counters a transition changes: its states, the route and round a submission
    brings, and for a decision its time and its reasons."""
    state, route, round_, site = before
    deltas: Counter[Key] = Counter()
    new_site = application.exam_site_id
    deltas[(site, "state", state)] -= 1
    deltas[(new_site, "state", application.state)] += 1
    if state != S.DRAFT and route:
        deltas[(site, "route", route)] -= 1
    if application.state != S.DRAFT and application.route:
        deltas[(new_site, "route", application.route)] += 1
    for r in range(round_ + 1, application.round + 1):
        deltas[(new_site, "round", str(r))] += 1
    if name in DECIDING and application.submitted_at is not None:
        hours = (now - application.submitted_at).total_seconds() / 3600
        deltas[(new_site, "hours", str(hour_bucket(hours)))] += 1
    for code in replace_reasons:
        deltas[(new_site, "replace", code)] += 1
    if name in ("reject", "fail_onsite") and reason.strip():
        deltas[(new_site, "reject", reason.strip()[:REASON_CHARS])] += 1
    return deltas


def created(applications: Iterable[Application]) -> None:
    """New (draft) applications: count them."""
    add(Counter((a.exam_site_id, "state", a.state) for a in applications))


def created_drafts(site_ids: Iterable[int]) -> None:
    """New drafts, one per site id given (an import's rows)."""
    add(Counter((site, "state", S.DRAFT) for site in site_ids))


def move(applications: QuerySet[Application], sites: dict[int, int]) -> None:
    """Candidates changed site (`sites`: candidate id -> new site id): their applications
    follow, with the counters of what they are now (state, route, rounds). What was decided
    stays counted where it was decided (hours, reasons)."""
    deltas: Counter[Key] = Counter()
    moved = []
    for a in applications.filter(candidate_id__in=list(sites)).only(
        "pk", "candidate_id", "exam_site_id", "state", "route", "round"
    ):
        new = sites[a.candidate_id]
        if new == a.exam_site_id:
            continue
        for site, sign in ((a.exam_site_id, -1), (new, 1)):
            deltas[(site, "state", a.state)] += sign
            if a.state != S.DRAFT and a.route:
                deltas[(site, "route", a.route)] += sign
            for r in range(1, a.round + 1):
                deltas[(site, "round", str(r))] += sign
        moved.append((a.pk, new))
    for pk, new in moved:
        Application.objects.filter(pk=pk).update(exam_site_id=new)
    add(deltas)


def recount() -> None:
    """Rebuild the current-state counters (state, route, round) from the rows: after a bulk
    load (bench/population.py) or a repair. Decision times and reasons are history: kept."""
    from django.db.models import Count

    SiteTally.objects.filter(kind__in=["state", "route", "round"]).delete()
    deltas: Counter[Key] = Counter()
    rows = Application.objects.values("exam_site_id", "state", "route", "round").annotate(
        n=Count("id")
    )
    for row in rows.order_by():
        site, n = row["exam_site_id"], row["n"]
        deltas[(site, "state", row["state"])] += n
        if row["state"] != S.DRAFT and row["route"]:
            deltas[(site, "route", row["route"])] += n
        for r in range(1, row["round"] + 1):
            deltas[(site, "round", str(r))] += n
    items = list(deltas.items())
    for start in range(0, len(items), 500):
        add(dict(items[start : start + 500]))
