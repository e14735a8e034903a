"""The audit log: append-only (in the database too, on PostgreSQL), complete for every
transition and image view, readable and exportable per application by the province only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from medexam.audit.models import AppendOnlyError, AuditEntry
from medexam.audit.services import record
from tests.review.helpers import image, submitted_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(candidate, jpeg):
    return submitted_with_images(candidate, jpeg)


def test_the_orm_refuses_to_change_or_delete_entries(candidate):
    entry = record(action="test.entry", summary="x")
    entry.summary = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_database_refuses_updates_and_deletes_on_postgresql(candidate):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    entry = record(action="test.entry", summary="original")
    for sql in (
        "UPDATE audit_auditentry SET summary = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.summary == "original"


def test_province_reads_and_exports_the_log_of_an_application(
    client, province_reviewer, site_reviewer, application
):
    client.force_login(site_reviewer)
    client.get(reverse("materials:image", args=[image(application).uuid]))
    client.force_login(province_reviewer)
    page = client.get(reverse("review:audit_log", args=[application.pk])).content.decode()
    assert "查看图片" in page and "沈阳审核员" in page and "状态变更" in page
    table = page.split("<tbody>", 1)[1]
    assert "image.viewed" not in table and "application.transition" not in table
    csv = client.get(reverse("review:audit_export", args=[application.pk]) + "?format=csv")
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Disposition"].startswith("attachment;")
    assert text.splitlines()[0] == "时间,操作人,角色,考点,IP 地址,操作,对象,说明"
    assert "查看图片" in text and "127.0.0.1" in text and "考点审核人员" in text
    assert "image:" not in text and "身份证明（正面）" in text
    assert AuditEntry.objects.filter(action="audit.exported", actor=province_reviewer).count() == 1
    xlsx = client.get(reverse("review:audit_export", args=[application.pk]) + "?format=xlsx")
    assert xlsx.status_code == 200


def test_every_transition_of_a_round_trip_is_logged(application, site_reviewer):
    from medexam.review import services

    services.claim_application(application_id=application.pk, reviewer=site_reviewer)
    application.refresh_from_db()
    services.decide(
        application_id=application.pk,
        reviewer=site_reviewer,
        version=application.version,
        outcome="approve",
    )
    moves = list(
        AuditEntry.objects.filter(
            action="application.transition", application=application
        ).values_list("data__from", "data__to")
    )
    assert moves == [("draft", "submitted"), ("submitted", "in_review"), ("in_review", "approved")]
    decided = AuditEntry.objects.filter(action="application.transition").last()
    assert decided.actor == site_reviewer and decided.actor_site == "沈阳市"
