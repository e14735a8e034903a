"""The queue's "next": oldest first, one holder per application, leases that expire."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from medexam.errors import DomainError
from medexam.materials.models import Application
from medexam.review import services
from medexam.review.selectors import QueueFilters, queue
from tests.review.helpers import fresh, mark_submitted

pytestmark = pytest.mark.django_db
S = Application.State


@pytest.fixture
def waiting(shenyang_candidates):
    # The last candidate submitted first: "next" must follow submission time, not ids.
    return [
        mark_submitted(c, minutes_ago=10 - 3 * i)
        for i, c in enumerate(reversed(shenyang_candidates))
    ]


def test_next_claims_the_oldest_waiting_application(waiting, site_reviewer):
    application = services.claim_next(reviewer=site_reviewer)
    assert application.pk == waiting[0].pk
    application = fresh(application)
    assert application.state == S.IN_REVIEW
    assert application.claimed_by == site_reviewer
    assert application.claim_expires_at > timezone.now()


def test_two_reviewers_pressing_next_get_different_applications(
    waiting, site_reviewer, second_site_reviewer
):
    first = services.claim_next(reviewer=site_reviewer)
    second = services.claim_next(reviewer=second_site_reviewer)
    assert [first.pk, second.pk] == [waiting[0].pk, waiting[1].pk]


def test_next_gives_back_what_the_reviewer_held(waiting, site_reviewer):
    first = services.claim_next(reviewer=site_reviewer)
    services.claim_next(reviewer=site_reviewer)
    assert fresh(first).claimed_by is None


def test_an_expired_lease_returns_the_application_to_the_queue(
    waiting, site_reviewer, second_site_reviewer
):
    first = services.claim_next(reviewer=site_reviewer)
    Application.objects.filter(pk=first.pk).update(
        claim_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    taken = services.claim_application(application_id=first.pk, reviewer=second_site_reviewer)
    assert fresh(taken).claimed_by == second_site_reviewer


def test_a_live_claim_cannot_be_taken(waiting, site_reviewer, second_site_reviewer):
    first = services.claim_next(reviewer=site_reviewer)
    with pytest.raises(DomainError) as held:
        services.claim_application(application_id=first.pk, reviewer=second_site_reviewer)
    assert held.value.code == "HELD"
    assert fresh(first).claimed_by == site_reviewer


def test_next_never_leaves_the_reviewers_site(other_candidate, site_reviewer):
    mark_submitted(other_candidate)
    assert services.claim_next(reviewer=site_reviewer) is None
    assert fresh(other_candidate.application).claimed_by is None


def test_the_province_reassigns_and_site_reviewers_cannot(
    waiting, site_reviewer, second_site_reviewer, other_site_reviewer, province_reviewer
):
    application = services.claim_next(reviewer=site_reviewer)
    with pytest.raises(DomainError):
        services.reassign(
            application_id=application.pk, actor=site_reviewer, to_reviewer=second_site_reviewer
        )
    with pytest.raises(DomainError) as out:
        services.reassign(
            application_id=application.pk, actor=province_reviewer, to_reviewer=other_site_reviewer
        )
    assert out.value.code == "OUT_OF_SCOPE"
    services.reassign(
        application_id=application.pk, actor=province_reviewer, to_reviewer=second_site_reviewer
    )
    assert fresh(application).claimed_by == second_site_reviewer


def test_queue_filters_and_search(shenyang_candidates, candidate, site_reviewer):
    a, b, c = (mark_submitted(x) for x in shenyang_candidates)
    Application.objects.filter(pk=b.pk).update(round=2, route="offline")
    everyone = [a.pk, b.pk, c.pk]

    def ids(**kwargs):
        return sorted(queue(site_reviewer, QueueFilters(**kwargs)).values_list("pk", flat=True))

    assert ids() == sorted(everyone)
    assert ids(flags=frozenset({"resubmitted"})) == [b.pk]
    assert ids(route="offline") == [b.pk]
    assert ids(q=shenyang_candidates[2].name) == [c.pk]
    assert ids(q=shenyang_candidates[0].id_number[-4:]) == [a.pk]
    assert ids(q=shenyang_candidates[0].registration_no) == [a.pk]
    assert ids(flags=frozenset({"warnings"})) == []
    assert ids(q=shenyang_candidates[0].name[:2]) == sorted(
        x.application.pk
        for x in shenyang_candidates
        if x.name.startswith(shenyang_candidates[0].name[:2])
    )


def test_working_on_the_application_renews_the_lease(client, waiting, site_reviewer):
    from django.urls import reverse

    application = services.claim_next(reviewer=site_reviewer)
    soon = timezone.now() + dt.timedelta(minutes=1)
    Application.objects.filter(pk=application.pk).update(claim_expires_at=soon)
    client.force_login(site_reviewer)
    assert client.get(reverse("review:application", args=[application.pk])).status_code == 200
    assert fresh(application).claim_expires_at > soon + dt.timedelta(minutes=20)


def test_phone_calls_are_logged_on_the_application(waiting, site_reviewer):
    from medexam.audit.models import AuditEntry

    application = waiting[0]
    services.log_phone_call(
        application_id=application.pk, reviewer=site_reviewer, outcome="no_answer", note="下午再打"
    )
    call = application.phone_calls.get()
    assert (call.reviewer, call.outcome, call.note) == (site_reviewer, "no_answer", "下午再打")
    entry = AuditEntry.objects.get(action="review.phone_call")
    assert entry.summary == "电话联系考生：无人接听，下午再打"
    with pytest.raises(DomainError):
        services.log_phone_call(application_id=application.pk, reviewer=site_reviewer, outcome="x")
