"""Writes of the machine pre-check: read an uploaded image, store what the checks found,
the candidate's confirmation, and the application's denormalised flag.

The reading (seconds of CPU) runs before any lock, in the task (`precheck.tasks`), never in
a request. Storing locks the application row, like every write to a candidate's materials,
and keeps `Application.precheck_issues` in step in the same transaction: the queue filter
"预检发现问题" reads that one column. The audit entry says the kind and the outcomes, never
what was read."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any

from django.db import transaction

from medexam.audit.services import record
from medexam.candidates.models import Candidate, mask_id_number
from medexam.files.storage import read_bytes
from medexam.materials.models import Application, UploadedImage, private_storage
from medexam.precheck import checks as rules
from medexam.precheck.models import PrecheckResult
from medexam.precheck.reader import Reading, UnreadableImage, read_document
from medexam.rules.models import Exam

if TYPE_CHECKING:
    from medexam.accounts.models import User

logger = logging.getLogger(__name__)

# The fields kept per kind: those a check compares or a page shows beside the registration.
KEPT_FIELDS = {
    "id_front": ("name", "id_number"),
    "id_back": ("valid_from", "valid_until"),
    "chsi_record": ("name", "id_number"),
    "diploma": ("name", "major"),
}


def expected_kind(exam: Exam, item_code: str, slot: str) -> str | None:
    """The kind of document the exam's rules expect in this place (`precheck.items` of the
    rules file, "item" or "item.slot"); None: the pre-check does not look at it."""
    items: dict[str, str] = (exam.rules.get("precheck") or {}).get("items") or {}
    if slot and f"{item_code}.{slot}" in items:
        return items[f"{item_code}.{slot}"]
    return items.get(item_code)


_PLACES: dict[int, tuple[float, dict[str, str]]] = {}
PLACES_TTL = 60.0  # seconds: a reloaded rules file reaches every process within a minute


def looks_at(exam_id: int, item_code: str, slot: str) -> bool:
    """Whether the pre-check reads images of this place (for the upload's hot path: the
    exam's map is read at most once a minute per process, not per upload)."""
    now = time.monotonic()
    cached = _PLACES.get(exam_id)
    if cached is None or now - cached[0] > PLACES_TTL:
        rules_data = Exam.objects.filter(pk=exam_id).values_list("rules", flat=True).first() or {}
        places = (rules_data.get("precheck") or {}).get("items") or {}
        cached = (now, dict(places))
        _PLACES[exam_id] = cached
    places = cached[1]
    return bool(slot and f"{item_code}.{slot}" in places) or item_code in places


def exam_date(exam: Exam) -> dt.date | None:
    value = (exam.rules.get("precheck") or {}).get("exam_date")
    return dt.date.fromisoformat(value) if value else None


def registration_of(candidate: Candidate) -> rules.Registration:
    resident = candidate.id_type == Candidate.IdType.RESIDENT_ID
    return rules.Registration(
        name=candidate.name,
        id_number=candidate.id_number if resident else "",
        major=candidate.major,
    )


def precheck_image(*, image_id: int) -> PrecheckResult | None:
    """Read image `image_id`, cross-check it and store the result. Idempotent: an image that
    has a result, was deleted or replaced meanwhile, or sits where the pre-check does not
    look, is left alone (None)."""
    image = (
        UploadedImage.objects.select_related("item", "application__candidate__exam")
        .filter(pk=image_id, status=UploadedImage.Status.ACTIVE)
        .first()
    )
    if image is None or PrecheckResult.objects.filter(image_id=image_id).exists():
        return None
    candidate = image.application.candidate
    expected = expected_kind(candidate.exam, image.item.code, image.slot)
    if expected is None:
        return None
    try:
        data = read_bytes(private_storage(), str(image.file.name))
    except FileNotFoundError:
        return None  # deleted meanwhile: its row goes too
    try:
        reading = read_document(data)
    except UnreadableImage:
        reading = Reading(kind="unknown", fields={}, confidence=0.0)
    found = rules.cross_check(
        reading,
        expected_kind=expected,
        registration=registration_of(candidate),
        exam_date=exam_date(candidate.exam),
    )
    return store_result(image_id=image_id, expected=expected, reading=reading, found=found)


def store_result(
    *, image_id: int, expected: str, reading: Reading, found: list[rules.Check]
) -> PrecheckResult | None:
    with transaction.atomic():
        application_id = (
            UploadedImage.objects.filter(pk=image_id)
            .values_list("application_id", flat=True)
            .first()
        )
        if application_id is None:
            return None
        application = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        image = UploadedImage.objects.filter(
            pk=image_id, status=UploadedImage.Status.ACTIVE
        ).first()
        if image is None:
            return None  # deleted or replaced while it was being read
        result, created = PrecheckResult.objects.get_or_create(
            image=image,
            defaults={
                "expected_kind": expected,
                "kind": reading.kind,
                "looks_like": reading.looks_like,
                "fields": kept_fields(reading),
                "checks": [c.as_dict() for c in found],
                "confidence": reading.confidence,
                "has_issues": rules.has_issues(found),
            },
        )
        if not created:
            return result
        record(
            action="precheck.read",
            application=application,
            target=f"image:{image.uuid}",
            summary="机器预检：" + ("发现问题" if result.has_issues else "未发现问题"),
            data={
                "kind": result.kind,
                "expected": expected,
                "outcomes": {c.check: c.outcome for c in found},
            },
        )
        refresh_flag(application)
    return result


def kept_fields(reading: Reading) -> dict[str, str]:
    """Only what the checks and pages need; the ID number masked (the registration's number
    is the one clear copy, encrypted at rest)."""
    kept = {k: reading.fields[k] for k in KEPT_FIELDS.get(reading.kind, ()) if k in reading.fields}
    if "id_number" in kept:
        kept["id_number"] = mask_id_number(kept["id_number"])
    return kept


def refresh_flag(application: Application) -> None:
    """`precheck_issues` from the results of the application's active images, for a caller
    that holds the application's row lock (every write that changes them)."""
    # The candidate's confirmation unblocks the submission, not the reviewer's attention: a
    # confirmed expired card must not pass in a bulk approval.
    flagged = PrecheckResult.objects.filter(
        image__application=application,
        image__status=UploadedImage.Status.ACTIVE,
        has_issues=True,
    ).exists()
    if application.precheck_issues != flagged:
        application.precheck_issues = flagged
        Application.objects.filter(pk=application.pk).update(precheck_issues=flagged)


def confirm_result(
    *, application: Application, image: UploadedImage, actor: User, request: Any = None
) -> bool:
    """The candidate says a flagged image is right (inside the caller's lock). True if there
    was an open problem to confirm."""
    changed = PrecheckResult.objects.filter(image=image, has_issues=True, confirmed=False).update(
        confirmed=True
    )
    if changed:
        record(
            action="precheck.confirmed",
            actor=actor,
            request=request,
            application=application,
            target=f"image:{image.uuid}",
            summary=f"确认 {image.item.name} 的机器预检提示",
            data={"item": image.item.code},
        )
        refresh_flag(application)
    return bool(changed)
