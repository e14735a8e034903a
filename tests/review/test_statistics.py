"""Statistics per site: counts by state and route, median time to decision, the most common
replacement reasons and resubmission rounds, each within the reader's scope."""

from __future__ import annotations

import datetime as dt

import pytest
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
