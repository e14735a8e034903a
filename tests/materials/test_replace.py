"""One-step replace: the new image takes the old one's place and the old one is retired in
the same transaction, only once the new one is stored; anything refused changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from medexam.errors import DomainError
from medexam.files.services import delete_due_files, grace
from medexam.materials.models import UploadedImage
from tests.materials.helpers import stored_files, upload
from tests.review.helpers import claimed, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_flagged_image_is_replaced_in_one_step_and_kept_for_the_reviewer(
    candidate, jpeg, site_reviewer
):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    request_replacement(application, site_reviewer, back)

    new = upload(candidate, jpeg(501), item="id_proof", replaces=str(back.uuid))

    back.refresh_from_db()
    assert back.status == "replaced" and new.replaces_id == back.pk
    assert (new.slot, new.position, new.status) == ("back", back.position, "active")


def test_a_draft_image_is_replaced_and_its_file_removed(candidate, jpeg, _private_storage):
    old = upload(candidate, jpeg(1), item="diploma")
    old_file = old.file.name

    new = upload(candidate, jpeg(2), item="diploma", replaces=str(old.uuid))

    assert not UploadedImage.objects.filter(pk=old.pk).exists()
    assert new.position == old.position
    # Like every committed row's file, after the grace period (a backup may still need it).
    assert delete_due_files(now=timezone.now() + grace()) == 1
    assert old_file not in [
        str(p.relative_to(_private_storage)) for p in stored_files(_private_storage)
    ]


def test_a_refused_new_picture_leaves_the_old_one_as_it_was(candidate, jpeg, _private_storage):
    old = upload(candidate, jpeg(1), item="diploma")
    files = stored_files(_private_storage)

    with pytest.raises(DomainError):
        upload(candidate, b"GIF89a" + b"\0" * 64, item="diploma", replaces=str(old.uuid))

    assert UploadedImage.objects.get(pk=old.pk).status == "active"
    assert stored_files(_private_storage) == files


def test_a_locked_image_cannot_be_replaced(candidate, jpeg, site_reviewer):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    front, back = image(application, slot="front"), image(application, slot="back")
    request_replacement(application, site_reviewer, back)

    with pytest.raises(DomainError) as refused:
        upload(candidate, jpeg(9), item="id_proof", replaces=str(front.uuid))

    assert refused.value.code == "LOCKED"
    assert UploadedImage.objects.get(pk=front.pk).status == "active"
    assert UploadedImage.objects.filter(application=application, status="active").count() == (
        UploadedImage.objects.filter(application=application).exclude(status="replaced").count()
    )


def test_the_plain_form_replaces_without_script(client, candidate, jpeg):
    old = upload(candidate, jpeg(1), item="diploma")
    client.force_login(candidate.user)

    response = client.post(
        reverse("materials:upload", args=["diploma"]),
        {"image": SimpleUploadedFile("new.jpg", jpeg(3)), "replace": str(old.uuid)},
    )

    assert response.status_code == 302
    live = UploadedImage.objects.filter(application=candidate.application, item__code="diploma")
    assert live.count() == 1 and live.get().pk != old.pk


def test_without_script_several_files_from_one_pick_each_go_in(client, candidate, jpeg):
    client.force_login(candidate.user)

    response = client.post(
        reverse("materials:upload", args=["diploma"]),
        {
            "image": [
                SimpleUploadedFile("a.jpg", jpeg(11)),
                SimpleUploadedFile("b.gif", b"GIF89a" + b"\0" * 64),
                SimpleUploadedFile("c.jpg", jpeg(12)),
            ]
        },
    )

    assert response.status_code == 302 and response["Location"].endswith("#item-diploma")
    live = UploadedImage.objects.filter(application=candidate.application, item__code="diploma")
    assert live.count() == 2
    body = client.get(response["Location"]).content.decode()
    item = body.split('id="item-diploma"', 1)[1].split("</article>", 1)[0]
    assert "已上传 2 张" in item and "第 2 张" in item
