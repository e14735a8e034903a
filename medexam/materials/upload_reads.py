"""The upload's reads, one SQL statement each.

Why not the ORM here: on the busiest night the upload is the hot path, and building a query
through the ORM costs 0.4-1.2 ms of CPU on this hardware while running it costs 0.02-0.1 ms
(README, "Upload benchmark"). The rows still come back as model instances through
`RawQuerySet`, so the conversion of datetimes, JSON and UUIDs is Django's own; table and
column names come from the models' `_meta`. Every other path uses the ORM.

The statements are built once per database vendor. On PostgreSQL the application row is
locked with `FOR UPDATE OF` that row alone (locking the joined exam row would serialise every
upload of the province); SQLite has no row locks and serialises writers with its IMMEDIATE
transactions instead (settings).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from django.db import connection

from medexam.candidates.models import Candidate
from medexam.materials.models import Application, UploadedImage
from medexam.rules.models import Exam, MaterialItem

# The image columns the upload's decisions read (places, replacements, duplicates, retries).
IMAGE_FIELDS = (
    "id", "uuid", "item", "position", "status", "round", "unlocked", "replaces",
    "original_sha256", "phash", "idempotency_key",
)  # fmt: skip


@dataclass(frozen=True)
class UploadTarget:
    application: Application  # id, candidate_id, state, round, unlocked_items, deadline, version
    exam_id: int
    upload_closes_at: datetime.datetime | None


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, names, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    quote = connection.ops.quote_name
    return ", ".join(prefix + quote(model._meta.get_field(name).column) for name in names)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


@cache
def _statements(vendor: str) -> dict[str, str]:
    app, cand, exam = _table(Application), _table(Candidate), _table(Exam)
    a_fields = _columns(
        Application,
        ("id", "candidate", "state", "round", "unlocked_items", "supplement_deadline", "version"),
        "a",
    )
    joins = (
        f"FROM {app} a JOIN {cand} c ON c.{_column(Candidate, 'id')} = a.{_column(Application, 'candidate')} "
        f"JOIN {exam} e ON e.{_column(Exam, 'id')} = c.{_column(Candidate, 'exam')}"
    )
    select = (
        f"SELECT {a_fields}, c.{_column(Candidate, 'exam')} AS target_exam_id, "
        f"e.{_column(Exam, 'upload_closes_at')} AS target_closes_at {joins}"
    )
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    image = _table(UploadedImage)
    return {
        "by_id": f"{select} WHERE a.{_column(Application, 'id')} = %s{lock}",
        # The candidate's application in the active exam (the newest, should there be two).
        "by_owner": (
            f"{select} WHERE c.{_column(Candidate, 'user')} = %s AND e.{_column(Exam, 'is_active')} = %s "
            f"ORDER BY e.{_column(Exam, 'year')} DESC LIMIT 1{lock}"
        ),
        "item": (
            f"SELECT {_columns(MaterialItem, ('id', 'exam', 'code', 'name', 'max_count', 'slots'))} "  # noqa: S608 - identifiers from _meta; values are parameters
            f"FROM {_table(MaterialItem)} WHERE {_column(MaterialItem, 'exam')} = %s "
            f"AND {_column(MaterialItem, 'code')} = %s"
        ),
        "images": (
            f"SELECT {_columns(UploadedImage, IMAGE_FIELDS)} FROM {image} "  # noqa: S608 - identifiers from _meta; values are parameters
            f"WHERE {_column(UploadedImage, 'application')} = %s"
        ),
        "same_elsewhere": (
            f"SELECT {_columns(UploadedImage, ('id', 'uuid'))} FROM {image} "  # noqa: S608 - identifiers from _meta; values are parameters
            f"WHERE {_column(UploadedImage, 'status')} = %s "
            f"AND {_column(UploadedImage, 'application')} <> %s "
            f"AND ({_column(UploadedImage, 'original_sha256')} = %s "
            f"OR {_column(UploadedImage, 'phash')} = %s) LIMIT 5"
        ),
    }


def _sql(name: str) -> str:
    return _statements(connection.vendor)[name]


def _datetime(value) -> datetime.datetime | None:
    """An extra (non-model) datetime column as the ORM would give it (aware)."""
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    if value is None or convert is None:
        return value
    return convert(value, None, connection)


def lock_upload_target(
    *, application_id: int | None = None, owner_id: int | None = None
) -> UploadTarget | None:
    """The application (by id, or the owner's in the active exam), locked, with what the
    upload needs of its exam. Call inside a transaction."""
    if application_id is not None:
        rows = Application.objects.raw(_sql("by_id"), [application_id])
    else:
        rows = Application.objects.raw(_sql("by_owner"), [owner_id, True])
    application = next(iter(rows), None)
    if application is None:
        return None
    return UploadTarget(
        application=application,
        exam_id=application.target_exam_id,
        upload_closes_at=_datetime(application.target_closes_at),
    )


def material_item(exam_id: int, code: str) -> MaterialItem | None:
    return next(iter(MaterialItem.objects.raw(_sql("item"), [exam_id, code])), None)


def application_images(application_id: int) -> list[UploadedImage]:
    """Every image of the application (any item, any status), with IMAGE_FIELDS only."""
    return list(UploadedImage.objects.raw(_sql("images"), [application_id]))


def same_picture_elsewhere(application_id: int, sha256: str, phash: str) -> list[str]:
    """Live images of other applications with the same bytes or the same perceptual hash
    (both indexed); at most five."""
    rows = UploadedImage.objects.raw(
        _sql("same_elsewhere"),
        [UploadedImage.Status.ACTIVE, application_id, sha256, phash or sha256],
    )
    return [str(image.uuid) for image in rows]
