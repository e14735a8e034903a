"""What the candidate is told to do next: the route in words (R1: nothing to upload, no
rule codes), the "需要您处理" list after a change request, the message's link, the next
steps after each outcome, and the on-site appointment slip whose QR code opens the case."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from medexam.audit.models import AuditEntry
from medexam.materials import guidance, services
from medexam.review import services as review
from tests.materials.helpers import main_text, upload
from tests.review.helpers import (
    claimed,
    fresh,
    image,
    request_replacement,
    submitted_with_images,
)

pytestmark = pytest.mark.django_db


text = main_text


@pytest.fixture
def changes_requested(candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(
        application, site_reviewer, image(application, slot="back"), note="反面文字看不清"
    )
    return fresh(application)


def test_military_candidates_are_told_only_that_nothing_needs_uploading(client, candidate):
    candidate.military = True
    candidate.save()
    client.force_login(candidate.user)

    page = text(client.get(reverse("materials:materials")))

    assert "无需上传报名材料" in page
    assert "须先上传所有报名材料" not in page and "必须上传所有报名材料" not in page
    assert "全部上传完成后" not in page
    assert not re.search(r"R\d", page)


def test_candidates_never_see_rule_codes_and_the_table_is_named_once(client, candidate):
    client.force_login(candidate.user)

    page = text(client.get(reverse("materials:materials")))

    assert not re.search(r"（R\d）|\bR\d\b", page)
    assert "审核审核" not in page and "辽宁省2022年医师资格考试审核条件对照表" in page


def test_the_required_items_done_are_counted(client, candidate, jpeg):
    upload(candidate, jpeg(1), slot="front")
    upload(candidate, jpeg(2), item="diploma")
    client.force_login(candidate.user)

    page = text(client.get(reverse("materials:materials")))

    from medexam.rules.selectors import evaluation_for

    required = len(evaluation_for(candidate).required)
    match = re.search(r"已完成 (\d+)/(\d+) 项必传材料", page)
    assert match and match.groups() == ("1", str(required))  # the ID needs all three sides


def test_a_change_request_lists_each_flagged_image_with_reason_deadline_and_link(
    client, candidate, changes_requested
):
    back = image(changes_requested, slot="back")
    client.force_login(candidate.user)

    body = client.get(reverse("materials:materials")).content.decode()

    todo = body.split('id="todo"', 1)[1].split("</section>", 1)[0]
    assert f'href="#image-{back.uuid}"' in todo
    assert "身份证明（反面）需更换" in todo and "不清晰：反面文字看不清" in todo
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", todo)
    assert f'id="image-{back.uuid}"' in body  # the link lands on the image


def test_the_reason_stays_on_the_item_after_the_flagged_image_is_deleted(
    client, candidate, changes_requested
):
    back = image(changes_requested, slot="back")
    services.delete_image(image_uuid=back.uuid, actor=candidate.user)
    client.force_login(candidate.user)

    body = client.get(reverse("materials:materials")).content.decode()

    item = body.split('id="item-id_proof"', 1)[1].split("</article>", 1)[0]
    assert "审核意见：身份证明（反面）需更换：不清晰，反面文字看不清" in item
    todo = body.split('id="todo"', 1)[1].split("</section>", 1)[0]
    assert 'href="#slot-id_proof-back"' in todo and "不清晰：反面文字看不清" in todo


def test_the_change_request_message_links_to_the_list(client, candidate, changes_requested):
    message = candidate.user.messages.get(kind="changes_requested")
    client.force_login(candidate.user)

    body = client.get(reverse("messaging:detail", args=[message.pk])).content.decode()

    assert f'href="{reverse("materials:materials")}#todo"' in body


def decide(application, reviewer, outcome, **kwargs):
    application = fresh(application)
    review.decide(
        application_id=application.pk,
        reviewer=reviewer,
        version=application.version,
        outcome=outcome,
        **kwargs,
    )
    return fresh(application)


@pytest.fixture
def onsite_pending(candidate, jpeg, site_reviewer):
    candidate.chsi_verifiable = False  # R8: offline
    candidate.save()
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    return decide(application, site_reviewer, "onsite")


def test_online_approval_says_no_site_visit_is_needed(client, candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    decide(application, site_reviewer, "approve")
    client.force_login(candidate.user)

    page = text(client.get(reverse("materials:materials")))

    assert "审核已完成" in page and "无需到考点现场审核" in page


def test_the_on_site_check_says_where_when_and_what_to_bring(client, candidate, onsite_pending):
    client.force_login(candidate.user)

    page = text(client.get(reverse("materials:materials")))

    assert "沈阳市考点现场审核处" in page
    assert "2022年2月14日至2022年2月18日" in page and "8:30" in page
    assert "原件" in page and "现场审核预约单" in page


def test_the_slip_carries_a_qr_code_of_the_scan_address_and_no_personal_data(
    client, candidate, onsite_pending
):
    client.force_login(candidate.user)

    response = client.get(reverse("materials:onsite_slip"))

    body = response.content.decode()
    assert response.status_code == 200 and "<svg" in body and "现场审核预约单" in body
    assert candidate.masked_id_number in body and candidate.id_number not in body
    assert "身份证明" in text(response) and "毕业证书" in text(response)
    token = guidance.slip_token(onsite_pending)
    assert guidance.application_id_from_slip(token) == onsite_pending.pk
    assert candidate.id_number not in token and candidate.registration_no not in token


def test_scanning_the_slip_opens_the_on_site_check_and_is_logged(
    client, site_reviewer, onsite_pending
):
    client.force_login(site_reviewer)
    token = guidance.slip_token(onsite_pending)

    response = client.get(reverse("review:onsite_scan", args=[token]))

    assert response.status_code == 302
    assert (
        response["Location"] == reverse("review:application", args=[onsite_pending.pk]) + "#onsite"
    )
    assert AuditEntry.objects.filter(
        action="review.onsite_slip_scanned", application=onsite_pending, actor=site_reviewer
    ).exists()


def test_a_forged_or_foreign_slip_opens_nothing(client, other_site_reviewer, onsite_pending):
    client.force_login(other_site_reviewer)
    token = guidance.slip_token(onsite_pending)

    assert client.get(reverse("review:onsite_scan", args=[token])).status_code == 404
    assert client.get(reverse("review:onsite_scan", args=["1:forged"])).status_code == 404


def test_there_is_no_slip_before_the_on_site_stage(client, candidate):
    client.force_login(candidate.user)
    response = client.get(reverse("materials:onsite_slip"))
    assert response.status_code == 302


def test_a_blocked_check_page_says_what_is_missing_not_that_0_images_lock(client, candidate):
    client.force_login(candidate.user)

    page = text(client.get(reverse("materials:submit")))

    assert "还不能提交" in page and "身份证明" in page
    assert "全部 0 张图片" not in page


def test_at_resubmission_locked_items_offer_no_change(client, candidate, changes_requested):
    client.force_login(candidate.user)

    body = client.get(reverse("materials:submit")).content.decode()

    rows = dict(
        re.findall(r'id="check-(\w+)"(.*?)</div>\s*(?=<div class="summary-row|</dl>)', body, re.S)
    )
    assert "更改" in rows["id_proof"]  # its back side is unlocked
    assert "更改" not in rows["diploma"] and "已锁定" in rows["diploma"]


def test_without_script_a_refusal_is_shown_at_the_item_and_names_it(client, candidate, jpeg):
    from django.core.files.uploadedfile import SimpleUploadedFile

    kept = upload(candidate, jpeg(1), slot="front")
    client.force_login(candidate.user)

    response = client.post(
        reverse("materials:upload", args=["diploma"]),
        {"image": SimpleUploadedFile("diploma.jpg", b"GIF89a" + b"\0" * 100)},
    )
    assert response.status_code == 302 and response["Location"].endswith("#item-diploma")
    body = client.get(response["Location"]).content.decode()

    item = body.split('id="item-diploma"', 1)[1].split("</article>", 1)[0]
    assert "“毕业证书”没有上传成功" in item and 'role="alert"' in item
    top = body.split('id="item-id_proof"', 1)[0]
    assert "没有上传成功" not in top  # not a banner far away from the item
    assert f'id="image-{kept.uuid}"' in body  # what was uploaded stays
    again = client.get(reverse("materials:materials")).content.decode()
    assert "没有上传成功" not in again  # shown once


def test_a_locked_page_folds_the_empty_optional_items(client, candidate, jpeg):
    from tests.review.helpers import submitted_with_images

    submitted_with_images(candidate, jpeg)
    client.force_login(candidate.user)

    body = client.get(reverse("materials:materials")).content.decode()

    folded = body.split('class="card collapsed-items"', 1)[1].split("</details>", 1)[0]
    assert "乡医证" in folded and "住院医师/全科医生规范化培训证书材料" in folded
    assert 'id="item-village_doctor"' not in body and 'id="item-id_proof"' in body
