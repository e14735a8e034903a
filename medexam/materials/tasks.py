"""Materials' background tasks: review thumbnails, the orphan sweep, the retention purge."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def make_thumbnail(image_id: int) -> bool:
    """The review thumbnail of one image, right after its upload committed. Idempotent: an
    image that has one (a duplicate delivery), or that was deleted meanwhile, is left alone."""
    from medexam.materials.models import UploadedImage
    from medexam.materials.services import ensure_thumbnail

    image = UploadedImage.objects.filter(pk=image_id).first()
    if image is None or image.thumbnail:
        return False
    try:
        ensure_thumbnail(image)
    except UploadedImage.DoesNotExist:
        return False
    return True


@task()
def make_missing_thumbnails(limit: int = 500) -> int:
    """Thumbnails whose task never ran (the broker was down at upload time). Younger images
    are left to their own task."""
    from medexam.materials.models import UploadedImage

    cutoff = timezone.now() - dt.timedelta(minutes=2)
    pending = UploadedImage.objects.filter(thumbnail="", uploaded_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    return sum(make_thumbnail.call(pk) for pk in list(pending[:limit]))


@task()
def sweep_orphan_files() -> int:
    from medexam.candidates.import_jobs import sweep_import_files
    from medexam.materials.sweep import sweep_orphan_files as sweep

    return len(sweep()) + sweep_import_files()


@task()
def purge_closed_exams() -> int:
    """Images of every exam an administrator closed (is_active off), files included."""
    from medexam.materials.models import UploadedImage
    from medexam.materials.retention import purge_exam_images
    from medexam.rules.models import Exam

    purged = 0
    for exam in Exam.objects.filter(is_active=False):
        if UploadedImage.objects.filter(application__candidate__exam=exam).exists():
            purged += purge_exam_images(exam=exam).images
    return purged
