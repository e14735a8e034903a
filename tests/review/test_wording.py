"""The wording defects of issue 19, each pinned: no doubled actor, no 取出, submissions
counted one way, reviewer pages about the candidate (not to them), dates without padding."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from medexam.audit.models import AuditEntry
from medexam.materials import services as materials
from tests.materials.helpers import main_text, upload
from tests.review.helpers import (
    claimed,
    confirm_all,
    fresh,
    image,
    request_replacement,
    submitted_with_images,
)

pytestmark = pytest.mark.django_db


def test_the_history_names_the_reviewer_once(client, candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    client.force_login(site_reviewer)

    page = main_text(client.get(reverse("review:application", args=[application.pk])))

    assert "沈阳审核员：开始审核" in page and "沈阳审核员 开始审核" not in page


def test_a_resubmission_is_counted_the_same_way_everywhere(client, candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    request_replacement(application, site_reviewer, back, note="看不清")
    materials.delete_image(image_uuid=back.uuid, actor=candidate.user)
    upload(candidate, jpeg(900), slot="back")
    confirm_all(candidate)
    materials.submit_application(application_id=application.pk, actor=candidate.user)
    claimed(fresh(application), site_reviewer)
    client.force_login(site_reviewer)

    page = main_text(client.get(reverse("review:application", args=[application.pk])))
    queue = main_text(client.get(reverse("review:queue"), {"state": "all"}))

    assert "第2次提交" in page and "第2次提交" in queue
    assert not re.search(r"第\d+轮", page + queue)
    assert "更换后的新图片" in page
    entry = AuditEntry.objects.get(action="image.replaced", application=application)
    assert entry.summary == "删除待更换的图片：身份证明（反面）"


def test_reviewer_pages_speak_about_the_candidate(client, candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    client.force_login(site_reviewer)

    page = main_text(client.get(reverse("review:application", args=[application.pk])))

    assert "考生的最高学历为本科" in page and "您的最高学历" not in page


def test_messages_write_dates_without_leading_zeros(candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(application, site_reviewer, image(application, slot="back"))

    body = candidate.user.messages.get(kind="changes_requested").body

    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", body)
    assert not re.search(r"年0\d月|月0\d日", body)
