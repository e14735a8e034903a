"""The reviewer's forms: input checked field by field, and a service's refusal shown beside
the field it concerns."""

from __future__ import annotations

import pytest

from medexam.errors import DomainError
from medexam.materials.models import UploadedImage
from medexam.refusals import add_to_form
from medexam.review.forms import PICK_A_REASON, PICK_AN_OUTCOME, DecisionForm, OnsiteCheckForm
from medexam.review.services import Flag
from tests.review.helpers import submitted_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(candidate, jpeg):
    return submitted_with_images(candidate, jpeg)


def _form(application, data):
    return DecisionForm(
        data,
        images=application.images.filter(status=UploadedImage.Status.ACTIVE),
        items=application.candidate.exam.items.all(),
    )


def test_a_decision_with_a_flagged_image_becomes_the_services_input(application):
    image = application.images.first()
    form = _form(
        application,
        {
            "version": "3",
            "outcome": "request_changes",
            "reason": " 请更换 ",
            f"verdict-{image.uuid}": "replace",
            f"reason-{image.uuid}": "unclear",
            f"note-{image.uuid}": "反面模糊",
            "add-other": "on",
            "reason-item-other": "incomplete",
        },
    )

    assert form.is_valid(), form.errors
    assert form.decision() == {
        "version": 3,
        "outcome": "request_changes",
        "reason": "请更换",
        "flags": [
            Flag(reason="unclear", note="反面模糊", image_uuid=str(image.uuid)),
            Flag(reason="incomplete", note="", item_code="other"),
        ],
        # Every image's mark goes along (recorded with the decision); unmarked ones as "".
        "verdicts": {
            str(img.uuid): ("replace" if img.pk == image.pk else "")
            for img in application.images.filter(status="active")
        },
    }


def test_a_flagged_image_without_a_reason_is_an_error_beside_its_reason(application):
    image = application.images.first()
    form = _form(application, {"version": "1", "outcome": "request_changes",
                               f"verdict-{image.uuid}": "replace"})  # fmt: skip

    assert not form.is_valid()
    assert form.errors == {f"reason-{image.uuid}": [PICK_A_REASON]}


def test_an_unknown_outcome_is_an_error_beside_the_outcome(application):
    form = _form(application, {"version": "1", "outcome": "maybe"})

    assert not form.is_valid()
    assert form.errors == {"outcome": [PICK_AN_OUTCOME]}


def test_a_stale_or_garbled_version_is_left_to_the_service_to_refuse(application):
    form = _form(application, {"outcome": "reject", "reason": "不符合"})

    assert form.is_valid()
    assert form.decision()["version"] is None


def test_a_services_refusal_is_shown_beside_the_field_it_names(application):
    form = _form(application, {"version": "1", "outcome": "reject"})
    assert form.is_valid()

    add_to_form(form, DomainError("REASON_REQUIRED", "必须填写理由", field="reason"))
    add_to_form(form, DomainError("STALE", "请刷新", 409))

    assert form.errors == {"reason": ["必须填写理由"], "__all__": ["请刷新"]}


def test_the_onsite_form_reads_passed_as_a_yes_or_no():
    assert OnsiteCheckForm({"version": "2", "passed": "1"}).is_valid()
    passed = OnsiteCheckForm({"version": "2", "passed": "1"})
    failed = OnsiteCheckForm({"version": "2", "passed": "0", "note": "原件不符"})
    missing = OnsiteCheckForm({"version": "2"})
    for form in (passed, failed, missing):
        assert form.is_valid(), form.errors
    assert [f.cleaned_data["passed"] for f in (passed, failed, missing)] == [True, False, False]
