"""Removing stored files no row points at: left by a process that died between writing a file
and committing its row (the only gap the upload service cannot close itself)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from medexam.files.reconcile import reconcile
from medexam.materials.models import private_storage

ROOT = "images/"


def sweep_orphan_files(
    *, older_than: dt.timedelta = dt.timedelta(hours=1), dry_run: bool = False
) -> list[str]:
    """Delete files under images/ that no row references, that are not waiting out their
    deletion grace period, and that are older than `older_than` (younger ones may belong to
    an upload still in its transaction). One listing of the storage, merged with the sorted
    names from the database (files.reconcile): no request or query per file."""
    storage = private_storage()
    cutoff = timezone.now() - older_than
    removed = []
    for entry in reconcile(storage, ROOT):
        if entry.stored is None or entry.referenced_by or entry.pending:
            continue
        if entry.stored.modified > cutoff:
            continue
        removed.append(entry.name)
        if not dry_run:
            storage.delete(entry.name)
    return removed
