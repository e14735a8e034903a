"""The decision form keeps everything on a failed validation, shows each error beside its
image and in a linked summary (aria-invalid), starts with no verdict, and approving needs
every image marked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.review.helpers import all_ok, claimed, fresh, image, submitted_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(candidate, jpeg, site_reviewer):
    return claimed(submitted_with_images(candidate, jpeg), site_reviewer)


def tag(body: str, pattern: str) -> str:
    return re.search(pattern, body).group(0)


def test_no_image_starts_with_a_verdict(client, site_reviewer, in_review):
    client.force_login(site_reviewer)
    body = client.get(reverse("review:application", args=[in_review.pk])).content.decode()
    radios = re.findall(r'<input type="radio" name="verdict-[^>]*>', body)
    assert radios and not any("checked" in r for r in radios)


def test_a_failed_validation_keeps_every_choice_and_note(client, site_reviewer, in_review):
    front, back = image(in_review, slot="front"), image(in_review, slot="back")
    client.force_login(site_reviewer)

    response = client.post(
        reverse("review:decide", args=[in_review.pk]),
        {
            "version": in_review.version,
            "outcome": "request_changes",
            "reason": "请按要求更换",
            f"verdict-{front.uuid}": "replace",
            f"reason-{front.uuid}": "expired",
            f"note-{front.uuid}": "身份证已过期",
            f"verdict-{back.uuid}": "replace",
            f"note-{back.uuid}": "反面模糊",  # no reason: the error
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "checked" in tag(body, rf'<input[^>]*name="verdict-{front.uuid}" value="replace"[^>]*>')
    assert "checked" in tag(body, rf'<input[^>]*name="verdict-{back.uuid}" value="replace"[^>]*>')
    assert "selected" in tag(body, r'<option value="expired"[^>]*>')
    assert 'value="身份证已过期"' in body and 'value="反面模糊"' in body
    assert "checked" in tag(body, r'<input[^>]*name="outcome" value="request_changes"[^>]*>')
    assert ">请按要求更换</textarea>" in body
    select = tag(body, rf'<select name="reason-{back.uuid}"[^>]*>')
    assert (
        'aria-invalid="true"' in select and f'aria-describedby="reason-{back.uuid}-error"' in select
    )
    card = body.split(f'id="image-{back.uuid}"', 1)[1].split("</fieldset>", 1)[0]
    assert "请为每一项需要更换的材料选择一个原因" in card
    summary = body.split('id="decision-errors"', 1)[1].split("</div>", 1)[0]
    assert f'href="#reason-{back.uuid}"' in summary and 'role="alert"' in body
    assert "身份证明（反面）：请为每一项需要更换的材料选择一个原因" in summary
    assert fresh(in_review).state == "in_review"


def test_approving_needs_every_image_marked(client, site_reviewer, in_review):
    client.force_login(site_reviewer)
    marks = all_ok(in_review)
    first = next(iter(marks))
    del marks[first]

    response = client.post(
        reverse("review:decide", args=[in_review.pk]),
        {"version": in_review.version, "outcome": "approve", **marks},
    )

    body = response.content.decode()
    uuid = first.removeprefix("verdict-")
    assert response.status_code == 400 and "审核通过前，请标记这张图片" in body
    assert f'href="#image-{uuid}"' in body.split('id="decision-errors"', 1)[1]
    assert fresh(in_review).state == "in_review"
    ok = client.post(
        reverse("review:decide", args=[in_review.pk]),
        {"version": in_review.version, "outcome": "approve", **all_ok(in_review)},
    )
    assert ok.status_code == 302 and fresh(in_review).state == "approved"
    from medexam.audit.models import AuditEntry

    marks = AuditEntry.objects.get(action="review.verdicts", application=in_review)
    assert marks.actor == site_reviewer and set(marks.data["verdicts"].values()) == {"ok"}


def test_an_online_case_is_not_offered_the_on_site_check(client, site_reviewer, in_review):
    assert in_review.route == "online"
    client.force_login(site_reviewer)

    body = client.post(
        reverse("review:decide", args=[in_review.pk]), {"version": in_review.version}
    ).content.decode()

    summary = body.split('id="decision-errors"', 1)[1].split("</div>", 1)[0]
    assert "请选择一个审核结论" in summary and "现场审核" not in summary
    assert 'href="#outcome-approve"' in summary


def test_a_service_refusal_is_shown_beside_its_field_with_the_input_kept(
    client, site_reviewer, in_review
):
    client.force_login(site_reviewer)

    response = client.post(
        reverse("review:decide", args=[in_review.pk]),
        {"version": in_review.version, "outcome": "reject", **all_ok(in_review)},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "判定“不符合报名条件”时必须填写理由" in body.split('id="decision-reason-error"', 1)[1]
    assert "checked" in tag(body, r'<input[^>]*name="outcome" value="reject"[^>]*>')
