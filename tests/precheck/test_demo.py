"""The demo (bin/start) shows the pre-check: its submitted candidates' ID cards are drawn for
them, one card expired before the exam."""

from __future__ import annotations

import pytest

from medexam.demo.seeding import seed, submit_some
from medexam.materials.models import Application, UploadedImage
from medexam.precheck.models import PrecheckResult
from medexam.precheck.tasks import precheck_image

pytestmark = pytest.mark.django_db


def test_the_demo_queue_holds_an_expired_card(exam):
    seed(exam=exam, candidates=4)
    assert submit_some(exam=exam, count=2) == 2
    first_card = (
        Application.objects.filter(candidate__exam=exam, candidate__id_type="resident_id")
        .exclude(state=Application.State.DRAFT)
        .order_by("candidate__registration_no")
        .first()
    )
    back = UploadedImage.objects.get(application=first_card, slot="back")
    assert precheck_image.call(back.pk) is True
    result = PrecheckResult.objects.get(image=back)
    assert {"check": "validity", "outcome": "mismatch", "detail": "expired"} in result.checks
    first_card.refresh_from_db()
    assert first_card.precheck_issues
