"""The upload's reads, one SQL statement each (why: medexam/sql.py).

The application and the item come back as model instances through `RawQuerySet`, so the
conversion of datetimes and JSON is Django's own; the application's images, of which only
a few columns are read, come back as plain rows.

On PostgreSQL the application row is locked with `FOR UPDATE OF` that row alone (locking the
joined exam row would serialise every upload of the province); SQLite has no row locks and
serialises writers with its IMMEDIATE transactions instead (settings).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from django.db import connection

from medexam.candidates.models import Candidate
from medexam.materials.models import Application, UploadedImage
from medexam.rules.models import Exam, MaterialItem
from medexam.sql import column, columns, table


class ImageRow(NamedTuple):
    """What the upload's decisions read of an existing image (places, replacements,
    duplicates, retries); attribute names as on UploadedImage."""

    pk: int
    uuid: str
    item_id: int
    position: int
    status: str
    round: int
    unlocked: bool
    replaces_id: int | None
    original_sha256: str
    phash: str
    idempotency_key: str


@dataclass(frozen=True)
class UploadTarget:
    application: Application  # id, candidate_id, state, round, unlocked_items, deadline, version
    exam_id: int
    upload_closes_at: datetime.datetime | None


@cache
def _statements(vendor: str) -> dict[str, str]:
    a_fields = columns(
        Application,
        ("id", "candidate", "state", "round", "unlocked_items", "supplement_deadline", "version"),
        "a",
    )
    select = (
        f"SELECT {a_fields}, {column(Candidate, 'exam', 'c')} AS target_exam_id, "  # noqa: S608
        f"{column(Exam, 'upload_closes_at', 'e')} AS target_closes_at "
        f"FROM {table(Application)} a "
        f"JOIN {table(Candidate)} c ON {column(Candidate, 'id', 'c')} = {column(Application, 'candidate', 'a')} "
        f"JOIN {table(Exam)} e ON {column(Exam, 'id', 'e')} = {column(Candidate, 'exam', 'c')}"
    )
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    image_fields = (
        "id", "uuid", "item", "position", "status", "round", "unlocked", "replaces",
        "original_sha256", "phash", "idempotency_key",
    )  # fmt: skip
    return {
        "by_id": f"{select} WHERE {column(Application, 'id', 'a')} = %s{lock}",
        # The candidate's application in the active exam (the newest, should there be two).
        "by_owner": (
            f"{select} WHERE {column(Candidate, 'user', 'c')} = %s "
            f"AND {column(Exam, 'is_active', 'e')} = %s "
            f"ORDER BY {column(Exam, 'year', 'e')} DESC LIMIT 1{lock}"
        ),
        "item": (
            f"SELECT {columns(MaterialItem, ('id', 'exam', 'code', 'name', 'max_count', 'slots'))} "  # noqa: S608
            f"FROM {table(MaterialItem)} WHERE {column(MaterialItem, 'exam')} = %s "
            f"AND {column(MaterialItem, 'code')} = %s"
        ),
        "images": (
            f"SELECT {columns(UploadedImage, image_fields)} FROM {table(UploadedImage)} "  # noqa: S608
            f"WHERE {column(UploadedImage, 'application')} = %s"
        ),
        "same_elsewhere": (
            f"SELECT {column(UploadedImage, 'uuid')} FROM {table(UploadedImage)} "  # noqa: S608
            f"WHERE {column(UploadedImage, 'status')} = %s "
            f"AND {column(UploadedImage, 'application')} <> %s "
            f"AND ({column(UploadedImage, 'original_sha256')} = %s "
            f"OR {column(UploadedImage, 'phash')} = %s) LIMIT 5"
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


def _uuid(value) -> str:
    """A UUID column as text (SQLite stores 32 hex digits, PostgreSQL a uuid)."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


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


def application_images(application_id: int) -> list[ImageRow]:
    """Every image of the application (any item, any status)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql("images"), [application_id])
        return [
            ImageRow(pk, _uuid(uid), item, pos, status, rnd, bool(unlocked), replaces, sha, ph, key)
            for pk, uid, item, pos, status, rnd, unlocked, replaces, sha, ph, key in cursor.fetchall()
        ]


def same_picture_elsewhere(application_id: int, sha256: str, phash: str) -> list[str]:
    """Live images of other applications with the same bytes or the same perceptual hash
    (both indexed); at most five."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sql("same_elsewhere"),
            [UploadedImage.Status.ACTIVE, application_id, sha256, phash or sha256],
        )
        return [_uuid(uid) for (uid,) in cursor.fetchall()]
