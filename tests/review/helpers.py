"""Shared steps of the review tests: a candidate who uploaded and submitted, a claimed
application, a decision posted the way the page posts it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from medexam.materials import services as materials
from medexam.materials import tallies
from medexam.materials.models import Application, UploadedImage
from medexam.review import services
from tests.materials.helpers import fill_required, submit

S = Application.State


def confirm_all(candidate) -> None:
    """Confirm intake warnings (a second candidate uploads the same demo pictures, and the
    blur check may find a synthetic picture borderline): the candidate's "确认图片无误"."""
    for img in candidate.application.images.filter(warnings_confirmed=False, status="active"):
        materials.confirm_warnings(image_uuid=img.uuid, actor=candidate.user)


def submitted_with_images(candidate, jpeg) -> Application:
    fill_required(candidate, jpeg)
    confirm_all(candidate)
    return submit(candidate)


def resubmit(candidate) -> Application:
    confirm_all(candidate)
    return submit(candidate)


def mark_submitted(candidate, *, minutes_ago: int = 0, route: str = "online") -> Application:
    """A submitted application without images: enough for queue and claim tests."""
    application = candidate.application
    before = tallies.snapshot(application)
    application.state = S.SUBMITTED
    application.round = 1
    application.route = route
    application.rule_code = "R7" if route == "online" else "R8"
    application.submitted_at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    application.save()
    # Counted as the submit transition counts it (the queue's counts read the counters).
    tallies.add(tallies.for_transition(application, "submit", before=before, now=timezone.now()))
    tallies.remember(application)
    return application


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def claimed(application: Application, reviewer) -> Application:
    services.claim_application(application_id=application.pk, reviewer=reviewer)
    return fresh(application)


def image(application: Application, item: str = "id_proof", slot: str = "") -> UploadedImage:
    images = UploadedImage.objects.filter(
        application=application, item__code=item, status=UploadedImage.Status.ACTIVE
    )
    if slot:
        images = images.filter(slot=slot)
    return images.order_by("position").first()


def request_replacement(application, reviewer, *images_to_flag, reason="unclear", note="") -> None:
    application = fresh(application)
    services.decide(
        application_id=application.pk,
        reviewer=reviewer,
        version=application.version,
        outcome="request_changes",
        flags=[
            services.Flag(reason=reason, note=note, image_uuid=str(img.uuid))
            for img in images_to_flag
        ],
    )


def all_ok(application: Application) -> dict[str, str]:
    """The decision form's verdicts with every live image marked 合格 (approving needs them)."""
    return {
        f"verdict-{img.uuid}": "ok"
        for img in UploadedImage.objects.filter(
            application=application, status=UploadedImage.Status.ACTIVE
        )
    }
