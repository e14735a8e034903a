"""Deleting candidates' images once the exam year's purpose has ended (PIPL art. 19, 47):
the stored files and their thumbnails, not only the rows. Decisions, messages and the audit
log stay (they hold no images); replacement requests lose their link to the image."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from medexam.audit.services import record
from medexam.files.services import delete_later
from medexam.materials.models import UploadedImage
from medexam.rules.models import Exam

BATCH = 500


class RetentionError(Exception):
    pass


@dataclass(frozen=True)
class PurgeReport:
    images: int
    files: int


def purge_exam_images(*, exam: Exam, actor=None, dry_run: bool = False) -> PurgeReport:
    """Delete every image of a closed exam. An active exam is refused: candidates may still
    be uploading and reviewers reviewing."""
    if exam.is_active:
        raise RetentionError(
            f"{exam.slug} is still active; close it first (candidates can then no longer log in)"
        )
    images = UploadedImage.objects.filter(application__candidate__exam=exam)
    if dry_run:
        count = images.count()
        files = sum(1 for f, t in images.values_list("file", "thumbnail") for n in (f, t) if n)
        return PurgeReport(images=count, files=files)
    total_images = total_files = 0
    while True:
        with transaction.atomic():
            batch = list(images.order_by("pk").values_list("pk", "file", "thumbnail")[:BATCH])
            if not batch:
                break
            names = [n for _, f, t in batch for n in (f, t) if n]
            UploadedImage.objects.filter(pk__in=[pk for pk, _, _ in batch]).delete()
            # The files go after the grace period, with the rows' deletion committed (a
            # backup taken meanwhile still restores with them): files.services.
            delete_later(names, reason="exam.purged")
        total_images += len(batch)
        total_files += len(names)
    record(
        action="exam.images_purged",
        actor=actor,
        target=f"exam:{exam.slug}",
        summary=f"删除 {exam.title} 的全部考生图片（{total_images} 张）",
        data={"images": total_images, "files": total_files},
    )
    return PurgeReport(images=total_images, files=total_files)
