"""The access matrix: site A's reviewer against site B's candidate, pages and files; the
candidate and the administrator against the reviewer's pages. Out of scope is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from medexam.accounts.models import User
from medexam.audit.models import AuditEntry
from medexam.review.export_jobs import delete_expired_exports
from medexam.review.models import ExportJob
from tests.factories import UserFactory
from tests.jobs.helpers import committed
from tests.review.helpers import all_ok, fresh, image, submitted_with_images

pytestmark = pytest.mark.django_db

GET_PAGES = ["review:application", "review:audit_log", "review:audit_export"]
POST_PAGES = [
    "review:claim",
    "review:release",
    "review:decide",
    "review:onsite",
    "review:reopen",
    "review:reassign",
    "review:phone_call",
    "review:reveal_id_number",
]


@pytest.fixture
def dalian_application(other_candidate, jpeg):
    return submitted_with_images(other_candidate, jpeg)


def login(client, user):
    client.force_login(user)
    return client


def test_site_reviewer_gets_404_for_another_sites_pages_and_files(
    client, site_reviewer, dalian_application
):
    login(client, site_reviewer)
    pk = dalian_application.pk
    for name in GET_PAGES:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    for name in POST_PAGES:
        assert (
            client.post(
                reverse(name, args=[pk]), {"version": 1, "outcome": "approve", "reason": "x"}
            ).status_code
            == 404
        ), name
    img = image(dalian_application)
    assert client.get(reverse("materials:image", args=[img.uuid])).status_code == 404
    assert client.get(reverse("materials:thumbnail", args=[img.uuid])).status_code == 404
    assert fresh(dalian_application).state == "submitted"
    assert not AuditEntry.objects.filter(action="image.viewed").exists()


def test_the_queue_lists_only_the_reviewers_site(
    client, site_reviewer, dalian_application, candidate, jpeg
):
    mine = submitted_with_images(candidate, jpeg)
    body = login(client, site_reviewer).get(reverse("review:queue")).content.decode()
    assert candidate.registration_no in body
    assert dalian_application.candidate.registration_no not in body
    assert reverse("review:application", args=[mine.pk]) in body


def test_the_queue_shows_masked_id_numbers(client, site_reviewer, candidate, jpeg):
    submitted_with_images(candidate, jpeg)
    body = login(client, site_reviewer).get(reverse("review:queue")).content.decode()
    assert candidate.masked_id_number in body
    assert candidate.id_number not in body


def test_site_reviewer_sees_own_sites_application_and_its_images(
    client, site_reviewer, candidate, jpeg
):
    application = submitted_with_images(candidate, jpeg)
    login(client, site_reviewer)
    response = client.get(reverse("review:application", args=[application.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert candidate.masked_id_number in body and candidate.id_number not in body
    img = image(application)
    assert reverse("materials:image", args=[img.uuid]) in body
    assert client.get(reverse("materials:image", args=[img.uuid])).status_code == 200
    viewed = AuditEntry.objects.get(action="image.viewed")
    assert (viewed.actor, viewed.actor_role, viewed.actor_site, viewed.ip) == (
        site_reviewer,
        "site_reviewer",
        "沈阳市",
        "127.0.0.1",
    )
    assert viewed.target == f"image:{img.uuid}"
    # Site reviewers do not read the audit log; the province does.
    assert client.get(reverse("review:audit_log", args=[application.pk])).status_code == 404


def test_the_full_id_number_shows_only_on_an_audited_post(client, site_reviewer, candidate, jpeg):
    application = submitted_with_images(candidate, jpeg)
    login(client, site_reviewer)
    url = reverse("review:reveal_id_number", args=[application.pk])
    page = client.get(reverse("review:application", args=[application.pk])).content.decode()
    assert f'action="{url}"' in page and candidate.id_number not in page
    assert client.get(url).status_code == 405  # never a link
    assert not AuditEntry.objects.filter(action="candidate.id_number_revealed").exists()
    response = client.post(url)
    assert response.status_code == 200
    assert candidate.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="candidate.id_number_revealed")
    assert (entry.actor, entry.application_id) == (site_reviewer, application.pk)
    assert candidate.id_number not in f"{entry.summary} {entry.target} {entry.data}"


def test_the_candidates_own_page_shows_the_id_number_masked(client, candidate):
    client.force_login(candidate.user)
    body = client.get(reverse("materials:registration")).content.decode()
    assert candidate.masked_id_number in body and candidate.id_number not in body


def test_province_reviewer_sees_every_site(client, province_reviewer, dalian_application):
    login(client, province_reviewer)
    assert (
        client.get(reverse("review:application", args=[dalian_application.pk])).status_code == 200
    )
    assert (
        dalian_application.candidate.registration_no
        in client.get(reverse("review:queue")).content.decode()
    )


@pytest.mark.parametrize("role", [User.Role.CANDIDATE, User.Role.ADMIN])
def test_candidates_and_administrators_get_404_on_review_pages(client, role, dalian_application):
    login(client, UserFactory(role=role))
    for name in ("review:queue", "review:statistics", "review:queue_export"):
        assert client.get(reverse(name)).status_code == 404, name
    assert (
        client.get(reverse("review:application", args=[dalian_application.pk])).status_code == 404
    )
    assert client.post(reverse("review:next")).status_code == 404


def test_anonymous_users_are_sent_to_login(client, dalian_application):
    response = client.get(reverse("review:application", args=[dalian_application.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_decision_posted_from_the_page_unlocks_the_flagged_image(
    client, site_reviewer, candidate, jpeg
):
    application = submitted_with_images(candidate, jpeg)
    login(client, site_reviewer)
    client.post(reverse("review:claim", args=[application.pk]))
    application = fresh(application)
    back = image(application, slot="back")
    response = client.post(
        reverse("review:decide", args=[application.pk]),
        {
            "version": application.version,
            "outcome": "request_changes",
            f"verdict-{back.uuid}": "replace",
            f"reason-{back.uuid}": "unclear",
            f"note-{back.uuid}": "看不清",
        },
    )
    assert response.status_code == 302
    back.refresh_from_db()
    assert back.unlocked and back.replacement_reason == "unclear"
    assert fresh(application).state == "changes_requested"


def test_a_stale_page_is_told_to_refresh(client, site_reviewer, candidate, jpeg):
    application = submitted_with_images(candidate, jpeg)
    login(client, site_reviewer)
    client.post(reverse("review:claim", args=[application.pk]))
    old_version = fresh(application).version
    client.post(
        reverse("review:decide", args=[application.pk]),
        {"version": old_version, "outcome": "approve", **all_ok(application)},
    )
    response = client.post(
        reverse("review:decide", args=[application.pk]),
        {"version": old_version, "outcome": "reject", "reason": "x"},
        follow=True,
    )
    assert "请刷新页面查看最新状态" in response.content.decode()
    assert fresh(application).state == "approved"


def test_statistics_and_exports_answer_in_scope(
    client, site_reviewer, province_reviewer, candidate, other_candidate, jpeg
):
    submitted_with_images(candidate, jpeg)
    submitted_with_images(other_candidate, jpeg)
    login(client, site_reviewer)
    page = client.get(reverse("review:statistics")).content.decode()
    assert "沈阳市" in page and "大连市" not in page
    csv = exported(client, "review:queue_export", state="all", format="csv").decode("utf-8-sig")
    assert candidate.registration_no in csv and candidate.id_number not in csv
    results = exported(client, "review:results_export", format="csv").decode("utf-8-sig")
    assert candidate.registration_no in results
    assert other_candidate.registration_no not in csv
    assert other_candidate.registration_no not in results
    xlsx = exported(client, "review:queue_export", format="xlsx")
    assert xlsx[:2] == b"PK"  # a zip: the .xlsx
    login(client, province_reviewer)
    page = client.get(reverse("review:statistics")).content.decode()
    assert "沈阳市" in page and "大连市" in page


def exported(client, url_name, **data) -> bytes:
    """Asks for an export as the page's form does, lets the worker write it, downloads it."""
    with committed():
        response = client.post(reverse(url_name), data)
    assert response.status_code == 302
    job = ExportJob.objects.get(uuid=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    download = client.get(reverse("exports:download", args=[job.uuid]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def test_an_export_is_its_requesters_alone_and_every_download_is_audited(
    client, site_reviewer, other_site_reviewer, province_reviewer, candidate, jpeg
):
    submitted_with_images(candidate, jpeg)
    login(client, site_reviewer)
    exported(client, "review:results_export", format="csv")
    job = ExportJob.objects.get()
    url = reverse("exports:download", args=[job.uuid])
    for other in (other_site_reviewer, province_reviewer):
        login(client, other)
        assert client.get(url).status_code == 404
        assert client.get(reverse("exports:status", args=[job.uuid])).status_code == 404
    assert AuditEntry.objects.filter(action="export.downloaded").count() == 1
    entry = AuditEntry.objects.get(action="export.downloaded")
    assert entry.actor == site_reviewer and entry.target == f"export:{job.uuid}"


def test_an_expired_export_is_gone(client, site_reviewer, candidate, jpeg, _private_storage):
    submitted_with_images(candidate, jpeg)
    login(client, site_reviewer)
    exported(client, "review:results_export", format="xlsx")
    job = ExportJob.objects.get()
    stored = _private_storage / job.file
    assert stored.exists()

    later = job.expires_at + dt.timedelta(seconds=1)
    assert delete_expired_exports(now=later) == 1
    assert delete_expired_exports(now=later) == 0  # a second scheduler finds nothing to do

    assert not stored.exists()
    response = client.get(reverse("exports:download", args=[job.uuid]))
    assert response.status_code == 410 and "已过期" in response.content.decode()


def test_a_draft_is_out_of_every_reviewers_scope_and_each_attempt_is_audited(
    client, site_reviewer, province_reviewer, candidate, jpeg
):
    from tests.materials.helpers import fill_required

    fill_required(candidate, jpeg)  # uploaded, not submitted
    draft = fresh(candidate.application)
    assert draft.state == "draft"
    img = image(draft)
    for reviewer in (site_reviewer, province_reviewer):
        login(client, reviewer)
        assert client.get(reverse("review:application", args=[draft.pk])).status_code == 404
        assert client.post(reverse("review:claim", args=[draft.pk])).status_code == 404
        assert client.get(reverse("materials:image", args=[img.uuid])).status_code == 404
        assert client.get(reverse("materials:thumbnail", args=[img.uuid])).status_code == 404
        queue = client.get(reverse("review:queue"), {"state": "all"}).content.decode()
        assert candidate.registration_no not in queue
    assert client.get(reverse("review:audit_log", args=[draft.pk])).status_code == 404
    assert fresh(draft).state == "draft" and fresh(draft).claimed_by is None
    assert not AuditEntry.objects.filter(action="image.viewed").exists()
    refused = AuditEntry.objects.filter(action="access.refused").order_by("id")
    assert [(e.actor.username, e.target) for e in refused] == [
        *[
            (who, target)
            for who in ("reviewer-shenyang", "province")
            for target in (
                f"application:{draft.pk}",
                f"application:{draft.pk}",
                f"image:{img.uuid}",
                f"image:{img.uuid}",
            )
        ],
        ("province", f"application:{draft.pk}"),
    ]
    assert refused[0].ip == "127.0.0.1" and refused[0].actor_role == "site_reviewer"


def test_another_sites_attempts_and_other_roles_attempts_are_audited(
    client, site_reviewer, candidate, dalian_application
):
    login(client, site_reviewer)
    client.get(reverse("review:application", args=[dalian_application.pk]))
    client.force_login(candidate.user)
    client.get(reverse("review:queue"))
    refused = AuditEntry.objects.filter(action="access.refused").order_by("id")
    assert [(e.actor, e.target) for e in refused] == [
        (site_reviewer, f"application:{dalian_application.pk}"),
        (candidate.user, "page:review:queue"),
    ]


def test_another_candidates_message_is_refused_and_audited(client, candidate, other_candidate):
    from medexam.messaging.models import Message

    theirs = Message.objects.create(recipient=other_candidate.user, kind="x", subject="s", body="b")
    client.force_login(candidate.user)
    assert client.get(reverse("messaging:detail", args=[theirs.pk])).status_code == 404
    entry = AuditEntry.objects.get(action="access.refused")
    assert (entry.actor, entry.target) == (candidate.user, f"message:{theirs.pk}")
