"""The province's audit log of one application: newest first, a page at a time by key,
filtered by action, person, image and day, and everything in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.audit.selectors import PAGE_SIZE
from medexam.audit.services import record
from tests.review.helpers import image, submitted_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(candidate, jpeg):
    return submitted_with_images(candidate, jpeg)


def rows(body: str) -> list[str]:
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)


def test_the_newest_entry_comes_first_in_chinese(client, province_reviewer, application):
    record(action="review.phone_call", application=application, summary="最新的一条")
    client.force_login(province_reviewer)

    body = client.get(reverse("review:audit_log", args=[application.pk])).content.decode()

    first = rows(body)[0]
    assert "最新的一条" in first and "电话联系" in first
    table = "".join(rows(body))
    assert "review.phone_call" not in table and "site_reviewer" not in table
    assert "candidate" not in table and "image:" not in table


def test_pages_go_back_by_key_and_return(client, province_reviewer, application):
    for n in range(PAGE_SIZE + 5):
        record(action="image.viewed", application=application, summary=f"第{n}次查看")
    client.force_login(province_reviewer)
    url = reverse("review:audit_log", args=[application.pk])

    first = client.get(url)
    assert len(rows(first.content.decode())) == PAGE_SIZE
    older = first.context["page"].older
    second = client.get(url, {"before": older})
    total = AuditEntry.objects.filter(application=application).count()
    assert len(rows(second.content.decode())) == total - PAGE_SIZE
    assert second.context["page"].older is None
    back = client.get(url, {"after": second.context["page"].newer})
    assert [e.pk for e in back.context["page"].entries] == [
        e.pk for e in first.context["page"].entries
    ]


def test_filters_by_action_person_image_and_day(
    client, province_reviewer, site_reviewer, application
):
    front = image(application, slot="front")
    client.force_login(site_reviewer)
    client.get(reverse("materials:image", args=[front.uuid]))
    # Written nine days ago (the table refuses UPDATE on PostgreSQL: the clock moves instead).
    nine_days_ago = timezone.now() - dt.timedelta(days=9)
    with mock.patch("django.utils.timezone.now", return_value=nine_days_ago):
        old = record(action="review.released", application=application, actor=site_reviewer)
    client.force_login(province_reviewer)
    url = reverse("review:audit_log", args=[application.pk])

    def shown(**query):
        return client.get(url, query).context["page"].entries

    viewed = shown(action="image.viewed")
    assert viewed and {e.action for e in viewed} == {"image.viewed"}
    assert {e.actor for e in shown(actor=str(site_reviewer.pk))} == {site_reviewer}
    assert all(e.actor is None for e in shown(actor="system"))
    assert {e.target for e in shown(image=str(front.uuid))} == {f"image:{front.uuid}"}
    today = timezone.localdate().isoformat()
    assert old.pk not in [e.pk for e in shown(**{"from": today})]
    assert [e.pk for e in shown(to=(timezone.localdate() - dt.timedelta(days=8)).isoformat())] == [
        old.pk
    ]
    body = client.get(url, {"image": str(front.uuid)}).content.decode()
    assert "身份证明（正面）" in body and "查看图片" in body


def test_the_export_takes_the_filtered_rows(client, province_reviewer, site_reviewer, application):
    client.force_login(site_reviewer)
    client.get(reverse("materials:image", args=[image(application).uuid]))
    client.force_login(province_reviewer)

    text = (
        client.get(
            reverse("review:audit_export", args=[application.pk]),
            {"format": "csv", "action": "image.viewed"},
        )
        .content.decode("utf-8-sig")
        .splitlines()
    )

    assert len(text) == 2 and "查看图片" in text[1]


def test_a_log_of_thousands_still_answers_a_page_in_few_queries(
    client, province_reviewer, application, django_assert_max_num_queries
):
    AuditEntry.objects.bulk_create(
        [AuditEntry(action="image.viewed", application=application) for _ in range(2000)]
    )
    client.force_login(province_reviewer)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("review:audit_log", args=[application.pk]))
    assert len(response.context["page"].entries) == PAGE_SIZE
