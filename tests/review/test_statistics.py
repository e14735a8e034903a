"""Statistics per site: counts by state and route, median time to decision, the most common
replacement reasons and resubmission rounds, each within the reader's scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from medexam.materials.models import Application
from medexam.review import services
from medexam.review.selectors import decision_reasons, statistics
from tests.factories import CandidateFactory
from tests.review.helpers import claimed, fresh, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db


def _submitted_hours_ago(application, hours: float):
    """Move the submission back in time, so that the decision takes `hours`."""
    at = timezone.now() - dt.timedelta(hours=hours)
    Application.objects.filter(pk=application.pk).update(submitted_at=at)
    return fresh(application)


def test_statistics_count_time_and_reasons(
    candidate, other_candidate, jpeg, site_reviewer, other_site_reviewer, province_reviewer
):
    mine = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    mine = _submitted_hours_ago(mine, 2.5)
    request_replacement(mine, site_reviewer, image(mine, slot="back"), reason="expired")
    theirs = claimed(submitted_with_images(other_candidate, jpeg), other_site_reviewer)
    theirs = _submitted_hours_ago(theirs, 6.5)
    services.decide(
        application_id=theirs.pk,
        reviewer=other_site_reviewer,
        version=theirs.version,
        outcome="approve",
    )

    province = statistics(province_reviewer)
    by_site = {s.site: s for s in province.sites}
    # Every site of the province is a row, whether anything happened there or not.
    assert len(province.sites) == 14
    assert (by_site["大连市"].total, by_site["大连市"].median_hours) == (1, 6.5)
    assert (by_site["沈阳市"].total, by_site["沈阳市"].median_hours) == (1, 2.5)
    assert (by_site["鞍山市"].total, by_site["鞍山市"].median_hours) == (0, None)
    # Counted by whole hours: the median of 2 h and 6 h decisions lies between them.
    assert province.median_hours == 3.0
    assert province.reasons == [("证件过期", 1)]
    assert [(r.label, r.n, r.share, r.cumulative) for r in province.replace_pareto] == [
        ("证件过期", 1, 100.0, 100.0)
    ]
    assert province.rounds == [(1, 2)]
    dalian = by_site["大连市"]
    cells = dict(zip([v for v, _ in province.states], dalian.state_cells, strict=True))
    assert cells["approved"] == 1
    assert (dalian.online, dalian.offline) == (1, 0)
    assert province.totals.state_cells == [
        sum(site.state_cells[i] for site in province.sites) for i in range(len(province.states))
    ]

    shenyang = statistics(site_reviewer)
    assert [s.site for s in shenyang.sites] == ["沈阳市"]
    assert fresh(mine).state == Application.State.CHANGES_REQUESTED


def test_the_province_sees_drafts_overdue_replacements_and_rejections(
    candidate, other_candidate, jpeg, site_reviewer, other_site_reviewer, province_reviewer
):
    mine = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(mine, site_reviewer, image(mine, slot="back"), reason="unclear")
    Application.objects.filter(pk=mine.pk).update(
        supplement_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    theirs = claimed(submitted_with_images(other_candidate, jpeg), other_site_reviewer)
    services.decide(
        application_id=theirs.pk,
        reviewer=other_site_reviewer,
        version=theirs.version,
        outcome="reject",
        reason="学历不符合报考条件",
    )
    CandidateFactory(exam=candidate.exam, exam_site=candidate.exam_site)  # a draft

    province = statistics(province_reviewer)
    shenyang = next(s for s in province.sites if s.site == "沈阳市")
    cells = dict(zip([v for v, _ in province.states], shenyang.state_cells, strict=True))
    assert [label for _, label in province.states] == [
        "未提交",
        "已提交",
        "审核中",
        "要求更换",
        "通过",
        "不通过",
        "待现场审核",
    ]
    assert (cells["draft"], cells["changes_requested"], shenyang.overdue) == (1, 1, 1)
    assert province.totals.overdue == 1
    assert [(r.label, r.n) for r in province.reject_pareto] == [("学历不符合报考条件", 1)]
    assert province.reject_total == 1


def test_the_results_export_carries_the_reviewers_reasons(candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(
        application,
        site_reviewer,
        image(application, slot="front"),
        reason="mismatch",
        note="姓名与报名信息不一致",
    )
    assert decision_reasons(application_ids=[application.pk]) == {
        application.pk: ["身份证明：与报名信息不一致（姓名与报名信息不一致）"]
    }


def test_the_median_time_to_decision_is_within_its_bucket_of_the_true_median(exam):
    """Decisions taken from minutes to months after submission, counted per site by hour
    bucket (whole hours for three days, then whole days): the statistics' median lies in the
    bucket of the median of the real durations, per site and over all; a site that
    decided nothing has none. The counters stay at most 159 per site."""
    import random
    import statistics as stats

    from medexam.accounts.models import User
    from medexam.materials import tallies
    from medexam.materials.models import SiteTally
    from tests.factories import UserFactory

    rng = random.Random(15)
    sites = list(exam.sites.order_by("pk"))
    durations: dict[int, list[float]] = {}
    for site in sites[:-1]:  # the last decided nothing
        durations[site.pk] = [
            min(rng.lognormvariate(rng.uniform(1, 4.5), 1.2), 24 * 120)
            for _ in range(rng.randint(1, 600))
        ]
    for pk, hours in durations.items():
        tallies.add(Counter((pk, "hours", str(tallies.hour_bucket(h))) for h in hours))
    assert (
        SiteTally.objects.filter(kind="hours")
        .values("exam_site")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["n"]
        <= 72 + 87 + 1
    )

    province = statistics(UserFactory(role=User.Role.PROVINCE_REVIEWER, province=exam.province))

    def within_a_bucket(median: float | None, hours: list[float]) -> bool:
        """Between the bucket of the lower middle duration and that of the upper one (the
        same bucket but for an even count with the two middle ones apart)."""
        low = tallies.hour_bucket(stats.median_low(hours))
        high = tallies.hour_bucket(stats.median_high(hours))
        return median is not None and low <= median <= high + tallies.bucket_width(high)

    by_name = {s.site: s for s in province.sites}
    for site in sites[:-1]:
        assert within_a_bucket(by_name[site.name].median_hours, durations[site.pk]), site.name
    assert by_name[sites[-1].name].median_hours is None
    everything = [h for hours in durations.values() for h in hours]
    assert within_a_bucket(province.median_hours, everything)
