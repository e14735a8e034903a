"""Decisions through the one transition function: unlock exactness, stale pages, the rules of
each outcome, and the candidate's side of a replacement round."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.errors import DomainError
from medexam.materials import services as materials
from medexam.materials.models import Application, UploadedImage
from medexam.materials.services import image_is_locked
from medexam.messaging.models import Message, OutboxMessage
from medexam.review import services
from medexam.review.models import Decision, ReplacementRequest
from medexam.review.selectors import review_page
from tests.materials.helpers import upload
from tests.review.helpers import (
    claimed,
    fresh,
    image,
    request_replacement,
    resubmit,
    submitted_with_images,
)

pytestmark = pytest.mark.django_db
S = Application.State


@pytest.fixture
def in_review(candidate, jpeg, site_reviewer):
    return claimed(submitted_with_images(candidate, jpeg), site_reviewer)


def lock_map(application):
    application = fresh(application)
    return {
        img.pk: image_is_locked(application, img)
        for img in UploadedImage.objects.filter(application=application).select_related("item")
    }


def test_request_changes_unlocks_exactly_the_flagged_image(in_review, site_reviewer):
    back = image(in_review, slot="back")
    before = lock_map(in_review)
    assert all(before.values())

    request_replacement(in_review, site_reviewer, back, reason="unclear", note="反面模糊")

    after = lock_map(in_review)
    assert [pk for pk, locked in after.items() if not locked] == [back.pk]
    application = fresh(in_review)
    assert application.state == S.CHANGES_REQUESTED
    assert application.claimed_by is None
    assert application.supplement_deadline > timezone.now() + dt.timedelta(days=2)
    back.refresh_from_db()
    assert (back.replacement_reason, back.replacement_note) == ("unclear", "反面模糊")


def test_the_candidate_can_replace_only_the_flagged_image(
    in_review, site_reviewer, candidate, jpeg
):
    back, front = image(in_review, slot="back"), image(in_review, slot="front")
    request_replacement(in_review, site_reviewer, back)

    with pytest.raises(DomainError) as refused:
        materials.delete_image(image_uuid=front.uuid, actor=candidate.user)
    assert refused.value.code == "LOCKED"
    with pytest.raises(DomainError):
        upload(candidate, jpeg(900), item="other")
    materials.delete_image(image_uuid=back.uuid, actor=candidate.user)
    with pytest.raises(DomainError):
        upload(candidate, jpeg(901), slot="front")
    new = upload(candidate, jpeg(902), slot="back")
    assert new.replaces_id == back.pk

    application = resubmit(candidate)
    assert (application.state, application.round, application.is_resubmission) == (
        S.SUBMITTED,
        2,
        True,
    )
    assert all(lock_map(application).values())


def test_re_review_shows_each_replaced_image_beside_its_replacement(
    in_review, site_reviewer, candidate, jpeg
):
    back = image(in_review, slot="back")
    request_replacement(in_review, site_reviewer, back)
    materials.delete_image(image_uuid=back.uuid, actor=candidate.user)
    new = upload(candidate, jpeg(903), slot="back")
    resubmit(candidate)

    page = review_page(fresh(in_review), site_reviewer)

    pairs = [(p.old.pk, p.new.pk) for pairs in page.pairs.values() for p in pairs]
    assert pairs == [(back.pk, new.pk)]


def test_a_decision_from_a_stale_page_does_not_overwrite_a_newer_one(in_review, site_reviewer):
    version = in_review.version
    services.decide(
        application_id=in_review.pk, reviewer=site_reviewer, version=version, outcome="approve"
    )

    with pytest.raises(DomainError) as stale:
        services.decide(
            application_id=in_review.pk,
            reviewer=site_reviewer,
            version=version,
            outcome="reject",
            reason="不符合",
        )

    assert stale.value.code == "STALE"
    assert fresh(in_review).state == S.APPROVED
    assert list(Decision.objects.values_list("outcome", flat=True)) == ["approve"]


def test_a_reviewer_cannot_decide_what_another_holds(in_review, second_site_reviewer):
    with pytest.raises(DomainError) as held:
        services.decide(
            application_id=in_review.pk,
            reviewer=second_site_reviewer,
            version=in_review.version,
            outcome="approve",
        )
    assert held.value.code == "HELD"
    assert "沈阳审核员" in held.value.message


@pytest.mark.parametrize(
    ("outcome", "reason", "flag", "code"),
    [
        ("reject", "", False, "REASON_REQUIRED"),
        ("approve", "", True, "FLAGS_WITH_OUTCOME"),
        ("request_changes", "", False, "NO_FLAGS"),
        ("onsite", "", False, "NOT_OFFLINE"),  # the candidate is on the online route (R7)
        ("maybe", "", False, "BAD_OUTCOME"),
    ],
)
def test_refused_decisions_change_nothing(in_review, site_reviewer, outcome, reason, flag, code):
    flags = [services.Flag(reason="unclear", image_uuid=str(image(in_review).uuid))] if flag else []
    with pytest.raises(DomainError) as refused:
        services.decide(
            application_id=in_review.pk,
            reviewer=site_reviewer,
            version=in_review.version,
            outcome=outcome,
            reason=reason,
            flags=flags,
        )
    assert refused.value.code == code
    assert fresh(in_review).state == S.IN_REVIEW
    assert all(lock_map(in_review).values())


def test_other_reason_needs_a_note(in_review, site_reviewer):
    with pytest.raises(DomainError) as refused:
        request_replacement(in_review, site_reviewer, image(in_review), reason="other")
    assert refused.value.code == "NOTE_REQUIRED"


def test_approval_tells_the_candidate_in_app_and_by_sms(in_review, site_reviewer, candidate):
    services.decide(
        application_id=in_review.pk,
        reviewer=site_reviewer,
        version=in_review.version,
        outcome="approve",
    )
    message = Message.objects.filter(recipient=candidate.user).first()
    assert message.subject == "审核通过"
    sms = OutboxMessage.objects.get(message=message)
    assert sms.phone == candidate.phone and "审核通过" in sms.body
    assert (
        AuditEntry.objects.filter(action="application.transition", data__to="approved").count() == 1
    )


def test_the_changes_message_names_the_items_the_reasons_and_the_deadline(
    in_review, site_reviewer, candidate
):
    request_replacement(
        in_review,
        site_reviewer,
        image(in_review, slot="back"),
        reason="expired",
        note="身份证已过期",
    )
    message = Message.objects.filter(recipient=candidate.user, kind="changes_requested").get()
    assert "身份证明（反面）需更换：证件过期，身份证已过期" in message.body
    assert "前完成更换并重新提交审核" in message.body
    assert ReplacementRequest.objects.get().reason == "expired"


def test_items_can_be_opened_for_additions(in_review, site_reviewer, candidate, jpeg):
    application = fresh(in_review)
    services.decide(
        application_id=application.pk,
        reviewer=site_reviewer,
        version=application.version,
        outcome="request_changes",
        flags=[services.Flag(reason="incomplete", item_code="other", note="补传成绩单")],
    )
    assert fresh(in_review).unlocked_items == ["other"]
    assert all(lock_map(in_review).values())  # no existing image unlocked
    assert upload(candidate, jpeg(904), item="other").item.code == "other"


def test_offline_route_goes_onsite_then_closes_with_the_check_of_originals(
    candidate, jpeg, site_reviewer
):
    application = submitted_with_images(candidate, jpeg)
    Application.objects.filter(pk=application.pk).update(route="offline")
    application = claimed(application, site_reviewer)
    services.decide(
        application_id=application.pk,
        reviewer=site_reviewer,
        version=application.version,
        outcome="onsite",
    )
    application = fresh(application)
    assert application.state == S.ONSITE_PENDING

    with pytest.raises(DomainError):
        services.record_onsite_check(
            application_id=application.pk,
            reviewer=site_reviewer,
            version=application.version,
            passed=False,
        )
    services.record_onsite_check(
        application_id=application.pk,
        reviewer=site_reviewer,
        version=application.version,
        passed=True,
    )
    assert fresh(application).state == S.APPROVED
    assert Decision.objects.last().outcome == "onsite_approved"


def test_the_province_reopens_a_closed_decision(in_review, site_reviewer, province_reviewer):
    services.decide(
        application_id=in_review.pk,
        reviewer=site_reviewer,
        version=in_review.version,
        outcome="approve",
    )
    application = fresh(in_review)
    with pytest.raises(DomainError):
        services.reopen(
            application_id=application.pk,
            actor=site_reviewer,
            version=application.version,
            reason="复核",
        )
    services.reopen(
        application_id=application.pk,
        actor=province_reviewer,
        version=application.version,
        reason="学历存疑，复核",
    )
    application = fresh(application)
    assert application.state == S.IN_REVIEW and application.claimed_by == province_reviewer


def test_after_the_deadline_flagged_images_lock_again_and_the_candidate_is_told(
    in_review, site_reviewer, candidate, jpeg
):
    back = image(in_review, slot="back")
    request_replacement(in_review, site_reviewer, back)
    later = fresh(in_review).supplement_deadline + dt.timedelta(minutes=1)

    assert services.close_expired_supplements(now=later) == 1

    application = fresh(in_review)
    assert application.state == S.SUBMITTED and application.round == 2
    assert all(lock_map(application).values())
    assert Message.objects.filter(recipient=candidate.user, kind="supplement_closed").count() == 1
    assert services.close_expired_supplements(now=later) == 0


def test_the_deadline_reminder_goes_out_once(in_review, site_reviewer, candidate):
    request_replacement(in_review, site_reviewer, image(in_review))
    soon = fresh(in_review).supplement_deadline - dt.timedelta(hours=2)
    assert services.send_deadline_reminders(now=soon) == 1
    assert services.send_deadline_reminders(now=soon) == 0
    assert Message.objects.filter(recipient=candidate.user, kind="supplement_reminder").count() == 1


def test_reminders_go_out_the_day_before_and_on_the_morning_of_the_deadline_once_each(
    in_review, site_reviewer, candidate
):
    request_replacement(in_review, site_reviewer, image(in_review))
    deadline = timezone.localtime(fresh(in_review).supplement_deadline)
    day = deadline.date()
    tz = deadline.tzinfo

    def at(days_before: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(day - dt.timedelta(days=days_before), dt.time(hour), tzinfo=tz)

    assert services.send_deadline_reminders(now=at(1, 8)) == 0  # too early
    assert services.send_deadline_reminders(now=at(1, 9)) == 1  # the day before
    assert services.send_deadline_reminders(now=at(1, 15)) == 0
    assert services.send_deadline_reminders(now=at(0, 7)) == 0
    assert services.send_deadline_reminders(now=at(0, 8)) == 1  # the deadline's morning
    assert services.send_deadline_reminders(now=at(0, 12)) == 0
    subjects = list(
        Message.objects.filter(recipient=candidate.user, kind="supplement_reminder")
        .order_by("id")
        .values_list("subject", flat=True)
    )
    assert subjects == ["补充材料明天截止", "补充材料今天截止"]
    assert OutboxMessage.objects.filter(kind="supplement_reminder").count() == 2
