"""Unlock exactness on every path the candidate has: the page's delete and upload forms, the
fetch (JSON) variants, and a replayed request. Only the flagged image changes lock state."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medexam.materials.models import UploadedImage
from tests.review.helpers import claimed, fresh, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def flagged(candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    request_replacement(application, site_reviewer, back, reason="unclear")
    return fresh(application), back


def active_uuids(application):
    return set(
        UploadedImage.objects.filter(application=application, status="active").values_list(
            "uuid", flat=True
        )
    )


def test_every_unflagged_image_refuses_deletion_by_page_and_fetch(client, candidate, flagged):
    application, back = flagged
    client.force_login(candidate.user)
    before = active_uuids(application)
    for other in UploadedImage.objects.filter(application=application).exclude(pk=back.pk):
        response = client.post(reverse("materials:delete", args=[other.uuid]), **FETCH)
        assert response.status_code == 409 and response.json()["code"] == "LOCKED"
        client.post(reverse("materials:delete", args=[other.uuid]))  # the plain form
    assert active_uuids(application) == before


def test_uploads_go_only_into_the_reopened_place(client, candidate, flagged, jpeg):
    application, back = flagged
    client.force_login(candidate.user)

    def post(slot, seed, item="id_proof"):
        return client.post(
            reverse("materials:upload", args=[item]),
            {
                "image": SimpleUploadedFile("p.jpg", jpeg(seed), content_type="image/jpeg"),
                "slot": slot,
            },
            **FETCH,
        )

    assert post("front", 301).json()["code"] in ("SLOT_TAKEN", "LOCKED")
    assert post("back", 302).json()["code"] == "SLOT_TAKEN"  # still in place: delete first
    assert post("", 303, item="diploma").json()["code"] == "LOCKED"

    assert client.post(reverse("materials:delete", args=[back.uuid]), **FETCH).json()["ok"]
    # A replayed delete finds nothing to delete and changes nothing.
    assert client.post(reverse("materials:delete", args=[back.uuid]), **FETCH).status_code == 404
    assert post("front", 304).json()["code"] in ("SLOT_TAKEN", "LOCKED")
    created = post("back", 305).json()
    assert created["ok"] and created["image"]["slot"] == "back"
    assert post("back", 306).json()["code"] in ("SLOT_TAKEN", "LOCKED")  # the place is filled
    new = UploadedImage.objects.get(uuid=created["image"]["id"])
    assert new.replaces_id == back.pk


def test_a_duplicate_warning_links_to_the_other_use_in_scope_only(
    client, candidate, other_candidate, jpeg, other_site_reviewer, province_reviewer
):
    mine = submitted_with_images(candidate, jpeg)
    theirs = submitted_with_images(other_candidate, jpeg)  # the same pictures, at Dalian
    dup = image(theirs)
    assert [w["code"] for w in dup.warnings if w["code"] == "DUPLICATE"] == ["DUPLICATE"]

    client.force_login(province_reviewer)
    page = client.get(reverse("review:application", args=[theirs.pk])).content.decode()
    assert reverse("review:application", args=[mine.pk]) in page
    assert f"{candidate.name}的“身份证明”" in page

    # Dalian's reviewer learns there is a duplicate, not whose it is.
    client.force_login(other_site_reviewer)
    page = client.get(reverse("review:application", args=[theirs.pk])).content.decode()
    assert "其他考点的考生（不在您的审核范围内）" in page
    assert reverse("review:application", args=[mine.pk]) not in page
    assert candidate.name not in page
