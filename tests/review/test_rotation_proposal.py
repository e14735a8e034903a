"""A reviewer's proposed fix: the image turned as a new normalised version, the original
kept; the candidate uses it or replaces it; an unused proposal goes at the next submission."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from medexam.files.services import delete_due_files, grace
from medexam.materials import proposals
from medexam.materials import services as materials
from medexam.materials.models import UploadedImage, private_storage
from medexam.review import services
from tests.materials.helpers import stored_files, upload
from tests.review.helpers import claimed, confirm_all, fresh, image, submitted_with_images

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proposed(candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    services.decide(
        application_id=application.pk,
        reviewer=site_reviewer,
        version=fresh(application).version,
        outcome="request_changes",
        flags=[services.Flag(reason="orientation", image_uuid=str(back.uuid), rotate=90)],
    )
    return fresh(application), back


def pixels(img: UploadedImage) -> Image.Image:
    with private_storage().open(img.file.name, "rb") as fh:
        return Image.open(io.BytesIO(fh.read())).convert("L")


def test_the_reviewer_turns_a_copy_and_the_original_stays(proposed):
    application, back = proposed
    proposal = UploadedImage.objects.get(application=application, status="proposed")
    back.refresh_from_db()

    assert back.status == "active" and back.unlocked and proposal.replaces_id == back.pk
    assert (proposal.width, proposal.height) == (back.height, back.width)
    assert proposal.rotation == 90 and proposal.size <= 200 * 1024
    assert pixels(proposal).size == pixels(back).transpose(Image.Transpose.ROTATE_270).size
    message = application.candidate.user.messages.get(kind="changes_requested").body
    assert "审核人员已把这张图片转正" in message


def test_the_candidate_uses_the_turned_version(proposed, client, candidate):
    application, back = proposed
    proposal = UploadedImage.objects.get(application=application, status="proposed")
    client.force_login(candidate.user)
    page = client.get(reverse("materials:materials")).content.decode()
    assert "使用转正后的图片" in page and str(proposal.uuid) in page

    client.post(reverse("materials:accept_proposal", args=[proposal.uuid]))

    back.refresh_from_db()
    proposal.refresh_from_db()
    assert (back.status, proposal.status) == ("replaced", "active")
    assert proposal.slot == "back" and proposal.position == back.position
    confirm_all(candidate)
    materials.submit_application(application_id=application.pk, actor=candidate.user)
    assert fresh(application).state == "submitted"


def test_a_new_upload_instead_discards_the_proposal(proposed, candidate, jpeg, _private_storage):
    application, back = proposed
    proposal = UploadedImage.objects.get(application=application, status="proposed")

    new = upload(candidate, jpeg(808), item="id_proof", replaces=str(back.uuid))

    assert not UploadedImage.objects.filter(pk=proposal.pk).exists()
    assert new.replaces_id == back.pk
    # The proposal's files go after the grace period, as every committed row's.
    delete_due_files(now=timezone.now() + grace())
    names = [str(p.relative_to(_private_storage)) for p in stored_files(_private_storage)]
    assert proposal.file.name not in names


def test_an_unused_proposal_goes_at_the_next_submission(proposed, candidate):
    application, _ = proposed
    confirm_all(candidate)

    materials.submit_application(application_id=application.pk, actor=candidate.user)

    assert not UploadedImage.objects.filter(application=application, status="proposed").exists()
    assert proposals.proposals_for(application) == {}


def test_a_proposal_needs_the_image_flagged(client, candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    client.force_login(site_reviewer)

    response = client.post(
        reverse("review:decide", args=[application.pk]),
        {"version": application.version, "outcome": "request_changes", f"rotate-{back.uuid}": "90"},
    )

    assert (
        response.status_code == 400 and "建议转正时，请把这张图片标为" in response.content.decode()
    )
    assert not UploadedImage.objects.filter(status="proposed").exists()
