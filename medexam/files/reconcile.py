"""Storage against database: which stored files no row names, and which rows name a file the
storage does not have. Both sides are read as streams sorted by name and merged, so the
memory stays constant whether the bucket holds a thousand files or ten million.

Every FileField of every model counts as a reference (images, thumbnails, and whatever
later code stores: export files), and files in PendingDeletion are neither orphans nor
missing: they wait out their grace period (files.models)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models
from django.db.models.functions import Collate

from medexam.files.models import PendingDeletion
from medexam.files.storage import StoredFile, list_files


@dataclass(frozen=True)
class Entry:
    name: str
    stored: StoredFile | None
    referenced_by: tuple[str, ...]  # "materials.UploadedImage.file", …
    pending: bool


def file_fields() -> list[tuple[type[models.Model], str]]:
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                found.append((model, field.name))
    return found


def _sorted_names(model, field: str, prefix: str) -> Iterator[str]:
    # Byte order, as S3 lists keys: "C" on PostgreSQL; SQLite compares bytes already.
    key = Collate(field, "C") if connection.vendor == "postgresql" else models.F(field)
    queryset = model._default_manager.exclude(**{field: ""})
    if prefix:
        queryset = queryset.filter(**{f"{field}__startswith": prefix})
    return queryset.order_by(key).values_list(field, flat=True).iterator(chunk_size=2000)


def reconcile(storage, prefix: str = "") -> Iterator[Entry]:
    """Every name either side knows under `prefix`, once, in byte order."""
    streams = [
        ((name, f"{model._meta.label}.{field}") for name in _sorted_names(model, field, prefix))
        for model, field in file_fields()
    ]
    streams.append((name, "pending") for name in _sorted_names(PendingDeletion, "name", prefix))
    stored = ((f.name, f) for f in list_files(storage, prefix))
    merged = heapq.merge(
        *[((name, 0, tag) for name, tag in s) for s in streams],
        ((name, 1, f) for name, f in stored),
        key=lambda t: t[0],
    )
    current, refs, pending, found = None, [], False, None
    for name, side, value in merged:
        if name != current:
            if current is not None:
                yield Entry(current, found, tuple(refs), pending)
            current, refs, pending, found = name, [], False, None
        if side == 1:
            found = value
        elif value == "pending":
            pending = True
        else:
            refs.append(value)
    if current is not None:
        yield Entry(current, found, tuple(refs), pending)


def check_storage(*, prefix: str = "", storage=None) -> dict:
    """Counts, and the names of rows without files and of files without rows."""
    from medexam.materials.models import private_storage

    storage = storage or private_storage()
    report = {"files": 0, "referenced": 0, "pending": 0, "missing": [], "orphans": []}
    for entry in reconcile(storage, prefix):
        report["files"] += entry.stored is not None
        report["referenced"] += bool(entry.referenced_by)
        report["pending"] += entry.pending
        if entry.referenced_by and entry.stored is None:
            report["missing"].append((entry.name, entry.referenced_by))
        elif entry.stored is not None and not entry.referenced_by and not entry.pending:
            report["orphans"].append(entry.name)
    return report
