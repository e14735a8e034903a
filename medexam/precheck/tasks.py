"""The pre-check's task: one image, read after its upload committed (queue "heavy": about
half a second of CPU, on a worker, never in the request)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="heavy")
def precheck_image(image_id: int) -> bool:
    """Idempotent: a second delivery finds the stored result and does nothing."""
    from medexam.precheck.services import precheck_image as run

    return run(image_id=image_id) is not None
