"""Races with real threads against PostgreSQL: the row lock on the application decides."""

from __future__ import annotations

import pytest

from medexam.audit.models import AuditEntry
from medexam.errors import DomainError
from medexam.materials import services
from medexam.materials.models import Application, UploadedImage
from tests.materials.helpers import fill_required, stored_files, upload
from tests.races import needs_postgres, run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, needs_postgres]


def test_eight_uploads_into_one_free_place_store_exactly_one(candidate, jpeg, _private_storage):
    # `other` takes 10: fill 9, then race 8 uploads for the last place.
    for seed in range(9):
        upload(candidate, jpeg(seed), item="other")
    images = [jpeg(100 + i) for i in range(8)]

    outcomes = run_together([lambda d=d: upload(candidate, d, item="other") for d in images])

    stored = [o for o in outcomes if isinstance(o, UploadedImage)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(stored) == 1, outcomes
    assert len(refused) == 7 and {r.code for r in refused} == {"ITEM_FULL"}
    assert candidate.application.images.filter(item__code="other").count() == 10
    # 10 images: the refused racers left no file behind
    assert len(stored_files(_private_storage)) == 10


def test_uploads_racing_a_submit_land_before_the_lock_or_are_refused(candidate, jpeg):
    fill_required(candidate, jpeg)
    extra = [jpeg(200 + i) for i in range(6)]

    workers = [lambda d=d: upload(candidate, d, item="other") for d in extra]
    workers.append(
        lambda: services.submit_application(
            application_id=candidate.application.pk, actor=candidate.user
        )
    )
    outcomes = run_together(workers)

    application = Application.objects.get(pk=candidate.application.pk)
    assert application.state == Application.State.SUBMITTED
    submitted_at = AuditEntry.objects.get(action="application.transition").pk
    upload_entries = AuditEntry.objects.filter(action="image.uploaded", data__item="other")
    assert all(entry.pk < submitted_at for entry in upload_entries)
    landed = [o for o in outcomes[:-1] if isinstance(o, UploadedImage)]
    refused = [o for o in outcomes[:-1] if isinstance(o, DomainError)]
    assert len(landed) + len(refused) == 6
    assert {r.code for r in refused} <= {"LOCKED"}
    assert application.images.filter(item__code="other").count() == len(landed)


def test_two_deletes_of_the_same_image_remove_it_once(candidate, jpeg):
    image = upload(candidate, jpeg(1), slot="front")

    outcomes = run_together(
        [
            lambda: services.delete_image(image_uuid=image.uuid, actor=candidate.user)
            for _ in range(4)
        ]
    )

    assert sum(1 for o in outcomes if o is None) == 1
    assert sum(1 for o in outcomes if isinstance(o, DomainError)) == 3
    assert AuditEntry.objects.filter(action="image.deleted").count() == 1


def test_viewers_racing_for_a_new_thumbnail_leave_one_file(candidate, jpeg, _private_storage):
    image = upload(candidate, jpeg(1), slot="front")

    names = run_together(
        [
            lambda: services.ensure_thumbnail(UploadedImage.objects.get(pk=image.pk))
            for _ in range(6)
        ]
    )

    image.refresh_from_db()
    assert names == [image.thumbnail.name] * 6, names
    assert sorted(p.name for p in stored_files(_private_storage)) == sorted(
        [image.file.name.rsplit("/", 1)[-1], image.thumbnail.name.rsplit("/", 1)[-1]]
    )
