"""Statistics per site: counts by state and route, median time to decision, the most common
replacement reasons and resubmission rounds, each within the reader's scope."""

from __future__ import annotations

import datetime as dt

import pytest

from medexam.materials.models import Application
from medexam.review import services
from medexam.review.models import Decision
from medexam.review.selectors import decision_reasons, statistics
from tests.review.helpers import claimed, fresh, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db


def test_statistics_count_time_and_reasons(
    candidate, other_candidate, jpeg, site_reviewer, other_site_reviewer, province_reviewer
):
    mine = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(mine, site_reviewer, image(mine, slot="back"), reason="expired")
    theirs = claimed(submitted_with_images(other_candidate, jpeg), other_site_reviewer)
    services.decide(
        application_id=theirs.pk,
        reviewer=other_site_reviewer,
        version=theirs.version,
        outcome="approve",
    )
    # Make the times known: 2 hours and 6 hours from submission to decision.
    for decision, hours in zip(Decision.objects.order_by("id"), (2, 6), strict=True):
        Decision.objects.filter(pk=decision.pk).update(
            submitted_at=decision.created_at - dt.timedelta(hours=hours)
        )

    province = statistics(province_reviewer)
    assert [(s.site, s.total, s.median_hours) for s in province.sites] == [
        ("大连市", 1, 6.0),
        ("沈阳市", 1, 2.0),
    ]
    assert province.median_hours == 4.0
    assert province.reasons == [("证件过期", 1)]
    assert province.rounds == [(1, 2)]
    dalian = province.sites[0]
    assert (
        dict(zip([v for v, _ in province.states], dalian.state_cells, strict=True))["approved"] == 1
    )
    assert (dalian.online, dalian.offline) == (1, 0)

    shenyang = statistics(site_reviewer)
    assert [s.site for s in shenyang.sites] == ["沈阳市"]
    assert fresh(mine).state == Application.State.CHANGES_REQUESTED


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
