"""The upload's reads under the lock, as SQL: 0.74 ms of CPU per upload against 3.57 ms for
the same reads through the plain ORM (select_for_update + annotate + only(), the item, the
images as model instances, the other uses; measured in one process on SQLite, 2026-12-02;
medexam/sql.py has the whole comparison). The ORM's cost is building the four queries and
the image instances, not running them.

They return the application, locked, with its exam's upload window, the material item asked
for, the application's images and the same picture's uses in other applications (the last
two as JSON arrays built by the database: json_group_array on SQLite, json_agg on
PostgreSQL). Every statement on this path costs ~1 ms of the upload's ~20 on the server,
most of it around the query rather than in it, so they are as few as is safe:

* SQLite: one statement. Its IMMEDIATE transaction holds the database's write lock from
  BEGIN, so everything the statement reads is already current.
* PostgreSQL: the locking statement, then the images. In READ COMMITTED a statement that
  waited for a row lock still reads other tables as of its own start: images read in the
  locking statement could miss the upload that held the lock (the race test of eight uploads
  into one free place catches exactly that).

The application and the item come back as model instances built by `medexam.sql.instance`,
so the conversion of datetimes and JSON is Django's own; the images, of which only a few
columns are read, come back as plain rows.

On PostgreSQL the application row is locked with `FOR UPDATE OF` that row alone (locking the
joined exam row would serialise every upload of the province); SQLite has no row locks and
serialises writers with its IMMEDIATE transactions instead (settings).
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from django.db import connection

from medexam.candidates.models import Candidate
from medexam.materials.models import Application, UploadedImage
from medexam.rules.models import Exam, MaterialItem
from medexam.sql import column, columns, convert, instance, table


class ImageRow(NamedTuple):
    """What the upload's decisions read of an existing image (places, replacements,
    duplicates, retries); attribute names as on UploadedImage."""

    pk: int
    stored_uuid: str  # as the database returns it in JSON: see `uuid`
    item_id: int
    position: int
    status: str
    round: int
    unlocked: bool
    replaces_id: int | None
    original_sha256: str
    phash: str
    idempotency_key: str

    @property
    def uuid(self) -> str:
        """The canonical text form (converted when asked for: most rows never are)."""
        return _uuid(self.stored_uuid)


@dataclass(frozen=True)
class UploadTarget:
    application: Application  # id, candidate_id, state, round, unlocked_items, deadline, version
    exam_id: int
    upload_closes_at: datetime.datetime | None
    item: MaterialItem | None  # id, exam_id, code, name, max_count, slots; None: no such item
    images: list[ImageRow]  # every image of the application, any item, any status
    elsewhere: list[str]  # UUIDs of up to five live images of other applications, same picture


APPLICATION_FIELDS = (
    "id", "candidate", "state", "round", "unlocked_items", "supplement_deadline", "version",
)  # fmt: skip
ITEM_FIELDS = ("id", "exam", "code", "name", "max_count", "slots")
IMAGE_FIELDS = (
    "id", "uuid", "item", "position", "status", "round", "unlocked", "replaces",
    "original_sha256", "phash", "idempotency_key",
)  # fmt: skip


ELSEWHERE_SHOWN = 5  # other applications' uses of the same picture shown to the reviewer


@cache
def _statements(vendor: str) -> dict[str, str]:
    a_fields = columns(Application, APPLICATION_FIELDS, "a")
    item_fields = ", ".join(
        f"{column(MaterialItem, name, 'i')} AS item_{name}" for name in ITEM_FIELDS
    )
    if vendor == "postgresql":

        def json_rows(values: str) -> str:
            return f"coalesce(json_agg(json_build_array({values})), '[]')::text"
    else:

        def json_rows(values: str) -> str:
            return f"json_group_array(json_array({values}))"

    image = table(UploadedImage)

    def images_of(application: str) -> str:
        return (
            f"(SELECT {json_rows(columns(UploadedImage, IMAGE_FIELDS, 'm'))} FROM {image} m "  # noqa: S608
            f"WHERE {column(UploadedImage, 'application', 'm')} = {application})"
        )

    def elsewhere(application: str) -> str:
        return (
            f"(SELECT {json_rows('s.u')} FROM (SELECT {column(UploadedImage, 'uuid')} AS u "  # noqa: S608
            f"FROM {image} WHERE {column(UploadedImage, 'status')} = %s "
            f"AND ({column(UploadedImage, 'original_sha256')} = %s OR {column(UploadedImage, 'phash')} = %s) "
            f"AND {column(UploadedImage, 'application')} <> {application} "
            f"LIMIT {ELSEWHERE_SHOWN}) s)"
        )

    together = _one_statement()
    own = column(Application, "id", "a")
    pictures = (
        f", {images_of(own)} AS target_images, {elsewhere(own)} AS target_elsewhere"
        if together
        else ""
    )
    select = (
        f"SELECT {a_fields}, {column(Candidate, 'exam', 'c')} AS target_exam_id, "  # noqa: S608
        f"{column(Exam, 'upload_closes_at', 'e')} AS target_closes_at, {item_fields}{pictures} "
        f"FROM {table(Application)} a "
        f"JOIN {table(Candidate)} c ON {column(Candidate, 'id', 'c')} = {column(Application, 'candidate', 'a')} "
        f"JOIN {table(Exam)} e ON {column(Exam, 'id', 'e')} = {column(Candidate, 'exam', 'c')} "
        f"LEFT JOIN {table(MaterialItem)} i ON {column(MaterialItem, 'exam', 'i')} = {column(Candidate, 'exam', 'c')} "
        f"AND {column(MaterialItem, 'code', 'i')} = %s"
    )
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    return {
        "by_id": f"{select} WHERE {column(Application, 'id', 'a')} = %s{lock}",
        # The candidate's application in the active exam (the newest, should there be two).
        "by_owner": (
            f"{select} WHERE {column(Candidate, 'user', 'c')} = %s "
            f"AND {column(Exam, 'is_active', 'e')} = %s "
            f"ORDER BY {column(Exam, 'year', 'e')} DESC LIMIT 1{lock}"
        ),
        # After the lock, where the locking statement cannot read them (PostgreSQL).
        "pictures": f"SELECT {images_of('%s')}, {elsewhere('%s')}",
    }


def _one_statement() -> bool:
    """Whether the locking statement may read the images too: only where the transaction
    holds the whole database's write lock from its start (SQLite; see the docstring)."""
    return not connection.features.has_select_for_update


def _sql(name: str) -> str:
    return _statements(connection.vendor)[name]


def _uuid(value) -> str:
    """A UUID column as text (SQLite stores 32 hex digits, PostgreSQL a uuid)."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def lock_upload_target(
    *,
    item_code: str,
    sha256: str,
    phash: str,
    application_id: int | None = None,
    owner_id: int | None = None,
) -> UploadTarget | None:
    """The application (by id, or the owner's in the active exam), locked, with what the
    upload needs: its exam's window, the item `item_code`, its images, and other uses of
    the picture with this SHA-256 or perceptual hash. Call inside a transaction."""
    same = [UploadedImage.Status.ACTIVE, sha256, phash or sha256]
    together = _one_statement()
    first = [*same, item_code] if together else [item_code]
    with connection.cursor() as cursor:
        if application_id is not None:
            cursor.execute(_sql("by_id"), [*first, application_id])
        else:
            cursor.execute(_sql("by_owner"), [*first, owner_id, True])
        row = cursor.fetchone()
        if row is None:
            return None
        n_app, n_item = len(APPLICATION_FIELDS), len(ITEM_FIELDS)
        application = instance(Application, APPLICATION_FIELDS, row[:n_app])
        exam_id, closes_at = row[n_app], row[n_app + 1]
        item_values = row[n_app + 2 : n_app + 2 + n_item]
        if together:
            own, others = row[n_app + 2 + n_item :]
        else:
            cursor.execute(_sql("pictures"), [application.pk, *same, application.pk])
            own, others = cursor.fetchone()
    # The item's other fields stay deferred (loaded on access, never on this path).
    item = instance(MaterialItem, ITEM_FIELDS, item_values) if item_values[0] is not None else None
    images = [
        ImageRow(pk, uid, item_pk, pos, status, rnd, bool(unlocked), replaces, sha, ph, key)
        for pk, uid, item_pk, pos, status, rnd, unlocked, replaces, sha, ph, key in json.loads(own)
    ]
    elsewhere = [_uuid(uid) for (uid,) in json.loads(others)]
    return UploadTarget(
        application=application,
        exam_id=exam_id,
        upload_closes_at=convert(Exam, ("upload_closes_at",), (closes_at,))[0],
        item=item,
        images=images,
        elsewhere=elsewhere,
    )
