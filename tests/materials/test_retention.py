import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.files.services import delete_due_files, grace
from medexam.materials import services
from medexam.materials.models import UploadedImage
from tests.materials.helpers import stored_files, upload

pytestmark = pytest.mark.django_db


def test_closing_an_exam_year_deletes_its_images_files_included(
    candidate, other_candidate, jpeg, _private_storage, capsys
):
    for image in (
        upload(candidate, jpeg(1), slot="front"),
        upload(other_candidate, jpeg(2), item="other"),
    ):
        services.ensure_thumbnail(image)  # as the candidate's page would have
    assert len(stored_files(_private_storage)) == 4

    call_command("purge_exam_images", "liaoning-2022", "--close-exam")

    assert UploadedImage.objects.count() == 0
    # The files outlive their rows by the grace period (a backup taken meanwhile restores
    # with them), then go.
    assert len(stored_files(_private_storage)) == 4
    assert delete_due_files(now=timezone.now() + grace()) == 4
    assert stored_files(_private_storage) == []
    assert "deleted 2 image(s), 4 file(s)" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="exam.images_purged").count() == 1


def test_an_active_exam_keeps_its_images(candidate, jpeg, _private_storage):
    upload(candidate, jpeg(1), slot="front")

    with pytest.raises(CommandError, match="still active"):
        call_command("purge_exam_images", "liaoning-2022")

    assert UploadedImage.objects.count() == 1
    assert len(stored_files(_private_storage)) == 1
