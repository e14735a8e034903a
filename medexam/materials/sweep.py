"""Removing stored files no row points at: left by a process that died between writing a file
and committing its row (the only gap the upload service cannot close itself)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from medexam.materials.models import UploadedImage, private_storage

ROOT = "images"


def _walk(storage, folder: str):
    dirs, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}")


def sweep_orphan_files(
    *, older_than: dt.timedelta = dt.timedelta(hours=1), dry_run: bool = False
) -> list[str]:
    """Delete files under images/ that no UploadedImage references and that are older than
    `older_than` (younger ones may belong to an upload still in its transaction)."""
    storage = private_storage()
    if not storage.exists(ROOT):
        return []
    cutoff = timezone.now() - older_than
    removed = []
    for name in _walk(storage, ROOT):
        if storage.get_modified_time(name) > cutoff:
            continue
        if (
            UploadedImage.objects.filter(file=name).exists()
            or UploadedImage.objects.filter(thumbnail=name).exists()
        ):
            continue
        removed.append(name)
        if not dry_run:
            storage.delete(name)
    return removed
