"""Bulk approve from the queue: only clean applications (online, complete, no warning, not
held by someone else), after a confirmation; each approved and told exactly as one by one;
a change after the confirmation skips that one; other sites' applications are never touched."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medexam.audit.models import AuditEntry
from medexam.messaging.models import Message, OutboxMessage
from medexam.review import bulk
from medexam.review.models import Decision
from tests.factories import CandidateFactory
from tests.review.helpers import claimed, fresh, submitted_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean(exam, shenyang, jpeg):
    """Two online applications of Shenyang with nothing to look at twice."""
    apps = []
    for _ in range(2):
        application = submitted_with_images(CandidateFactory(exam=exam, exam_site=shenyang), jpeg)
        application.images.update(warnings=[], warnings_confirmed=True)
        type(application).objects.filter(pk=application.pk).update(has_warnings=False)
        apps.append(fresh(application))
    return apps


def versions(apps):
    return {a.pk: fresh(a).version for a in apps}


def test_each_clean_application_is_approved_audited_and_told(clean, site_reviewer):
    result = bulk.bulk_approve(reviewer=site_reviewer, versions=versions(clean))

    assert [a.pk for a in result.approved] == [a.pk for a in clean] and not result.skipped
    for application in clean:
        assert fresh(application).state == "approved"
        assert Decision.objects.get(application=application).outcome == "approve"
        moves = list(
            AuditEntry.objects.filter(application=application, action="application.transition")
            .order_by("id")
            .values_list("data__from", "data__to")
        )
        assert moves[-2:] == [("submitted", "in_review"), ("in_review", "approved")]
        assert AuditEntry.objects.filter(
            application=application, action="review.bulk_approved", actor=site_reviewer
        ).exists()
        message = Message.objects.get(application=application, kind="approved")
        assert "审核通过" in message.subject
        assert OutboxMessage.objects.filter(message=message).exists()
        # The step through in_review tells the candidate in the app only, as a claim does.
        started = Message.objects.get(application=application, kind="in_review")
        assert not OutboxMessage.objects.filter(message=started).exists()


def test_warnings_offline_routes_and_held_applications_are_refused(
    clean, site_reviewer, other_site_reviewer, exam, shenyang
):
    warned, held = clean
    # As if submitted with a warned image (the flag is set at submission, when images lock).
    warned.images.filter(slot="front").update(warnings=[{"code": "BLURRY", "message": "x"}])
    type(warned).objects.filter(pk=warned.pk).update(has_warnings=True)
    colleague = other_site_reviewer
    colleague.exam_site = shenyang
    colleague.save()
    claimed(held, colleague)

    result = bulk.bulk_approve(reviewer=site_reviewer, versions=versions(clean))

    assert not result.approved
    reasons = dict(result.skipped)
    assert "质量提示" in reasons[warned.pk] and "正在由" in reasons[held.pk]
    assert fresh(warned).state == "submitted"


def test_an_application_changed_after_the_confirmation_is_skipped(clean, site_reviewer):
    stale = versions(clean)
    claimed(clean[0], site_reviewer)  # its version moves on

    result = bulk.bulk_approve(reviewer=site_reviewer, versions=stale)

    assert [a.pk for a in result.approved] == [clean[1].pk]
    assert "已有变更" in dict(result.skipped)[clean[0].pk]


def test_another_sites_applications_are_never_approved(clean, other_site_reviewer):
    result = bulk.bulk_approve(reviewer=other_site_reviewer, versions=versions(clean))
    assert not result.approved and all(fresh(a).state == "submitted" for a in clean)


def test_the_queue_offers_only_clean_rows_and_the_confirmation_lists_them(
    client, clean, site_reviewer, candidate
):
    candidate.chsi_verifiable = False  # offline
    candidate.save()
    from tests.review.helpers import mark_submitted

    offline = mark_submitted(candidate, route="offline")
    client.force_login(site_reviewer)

    queue = client.get(reverse("review:queue")).content.decode()
    assert all(f'id="bulk-{a.pk}"' in queue for a in clean)
    assert f'id="bulk-{offline.pk}"' not in queue

    ids = [a.pk for a in clean] + [offline.pk]
    page = client.get(reverse("review:bulk_approve"), {"ids": ids}).content.decode()
    assert "以下 <strong>2</strong> 份申请将被审核通过" in page
    assert "线下审核的考生还需现场审核原件" in page

    post = {f"app-{a.pk}": fresh(a).version for a in clean}
    response = client.post(reverse("review:bulk_approve"), post, follow=True)
    assert "已批量审核通过 2 份申请" in response.content.decode()
    assert all(fresh(a).state == "approved" for a in clean)
