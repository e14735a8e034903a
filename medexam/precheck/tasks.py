"""The pre-check's task: one image, read after its upload committed (queue "heavy": about
half a second of CPU, on a worker, never in the request)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="heavy")
def precheck_image(image_id: int) -> bool:
    """Idempotent: a second delivery finds the stored result and does nothing."""
    from medexam.precheck.services import precheck_image as run

    return run(image_id=image_id) is not None


@task()
def precheck_missing(limit: int = 200) -> int:
    """Pre-checks whose task was lost (the broker was down at upload time): queued again, on
    the heavy queue, for images of the last two days in places the pre-check reads. Younger
    images are left to their own task; older ones a reviewer has long looked at."""
    import datetime as dt

    from django.utils import timezone

    from medexam.jobs import enqueue_now
    from medexam.materials.models import UploadedImage
    from medexam.precheck.selectors import PENDING_WINDOW
    from medexam.precheck.services import looks_at

    now = timezone.now()
    missing = (
        UploadedImage.objects.filter(
            status=UploadedImage.Status.ACTIVE,
            precheck__isnull=True,
            uploaded_at__lt=now - dt.timedelta(minutes=2),
            uploaded_at__gt=now - PENDING_WINDOW,
        )
        .order_by("pk")
        .values_list("pk", "item__code", "slot", "application__candidate__exam_id")[: limit * 5]
    )
    queued = 0
    for pk, code, slot, exam_id in missing:
        if queued < limit and looks_at(exam_id, code, slot) and enqueue_now(precheck_image, pk):
            queued += 1
    return queued
