"""A reviewer's proposed fix: the image turned 90°/180°/270° as a new, normalised version
(the original is kept), which the candidate either uses or answers with a new upload.

The proposal is an UploadedImage with status PROPOSED that `replaces` the original. It is
never one of the application's images (not counted, shown, locked or reviewed as one) until
the candidate uses it; a replacement upload, a delete of the original, or the next
submission discards it, files included."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from medexam.audit.services import record
from medexam.errors import DomainError
from medexam.files.services import delete_later
from medexam.jobs import enqueue_on_commit
from medexam.materials import intake
from medexam.materials.models import Application, UploadedImage, private_storage
from medexam.materials.tasks import make_thumbnail
from medexam.precheck import services as precheck
from medexam.precheck.tasks import precheck_image

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User

S = Application.State
ROTATIONS = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}
ROTATION_LABELS = {90: "顺时针旋转 90°", 180: "旋转 180°", 270: "逆时针旋转 90°"}


@dataclass(frozen=True)
class Turned:
    name: str  # the stored file
    width: int
    height: int
    size: int
    format: str


def write_turned_copy(image: UploadedImage, degrees: int) -> Turned:
    """The stored (normalised) picture turned by `degrees` clockwise, written as a new file
    under a fresh name: lossless for PNG, a JPEG at the best quality that stays within the
    size limit. Done before the caller's transaction; the caller removes the file if its
    row does not commit (`discard`)."""
    if degrees not in ROTATIONS:
        raise DomainError("BAD_ROTATION", "只能旋转 90°、180° 或 270°。", field="rotate")
    storage = private_storage()
    with storage.open(str(image.file.name), "rb") as fh:
        picture = Image.open(io.BytesIO(fh.read()))
        picture.load()
    turned = picture.transpose(ROTATIONS[degrees])
    if image.format == "PNG":
        content = _encode(turned, "PNG")
    else:
        content = b""
        for quality in (92, 88, 84, 80, 75, 70):
            content = _encode(
                turned.convert("RGB") if turned.mode not in ("RGB", "L") else turned,
                "JPEG",
                quality=quality,
            )
            if len(content) <= intake.MAX_BYTES:
                break
    stem = uuid.uuid4().hex
    extension = ".png" if image.format == "PNG" else ".jpg"
    name = storage.save(f"images/{stem[:2]}/{stem}{extension}", ContentFile(content))
    return Turned(name, turned.width, turned.height, len(content), image.format or "JPEG")


def _encode(picture: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=fmt, optimize=True, **options)  # no metadata is written
    return out.getvalue()


def discard(names: list[str]) -> None:
    from medexam.materials.services import discard_files

    discard_files(private_storage(), [n for n in names if n])


def create_proposal(
    application: Application, original: UploadedImage, turned: Turned, degrees: int, reviewer
) -> UploadedImage:
    """The proposal row (inside the caller's lock and transaction); an older proposal for the
    same image goes."""
    discard_proposals(application, of_image=original)
    proposal = UploadedImage.objects.create(
        application=application,
        item=original.item,
        slot=original.slot,
        position=original.position,
        status=UploadedImage.Status.PROPOSED,
        replaces=original,
        round=application.round,
        file=turned.name,
        format=turned.format,
        width=turned.width,
        height=turned.height,
        size=turned.size,
        original_size=original.original_size,
        original_sha256=original.original_sha256,
        phash="",
        warnings=[],
        warnings_confirmed=True,
        metrics={},
        uploaded_by=reviewer,
        rotation=degrees,
    )
    # Its review thumbnail, like an upload's, by a worker once this commits.
    enqueue_on_commit(make_thumbnail, proposal.pk)
    return proposal


def discard_proposals(application: Application, *, of_image: UploadedImage | None = None) -> int:
    """Remove pending proposals (of one image, or all of the application's), files after the
    commit. Inside the caller's lock."""
    pending = UploadedImage.objects.filter(
        application=application, status=UploadedImage.Status.PROPOSED
    )
    if of_image is not None:
        pending = pending.filter(replaces=of_image)
    names = [n for row in pending for n in (row.file.name, row.thumbnail.name) if n]
    count = pending.count()
    if count:
        pending.delete()
        # After the grace period, as every committed row's files (files.services).
        delete_later(names, reason="proposal.discarded")
    return count


def proposals_for(application: Application) -> dict[int, UploadedImage]:
    """Pending proposals by the pk of the image they would replace."""
    return {
        p.replaces_id: p
        for p in UploadedImage.objects.filter(
            application=application, status=UploadedImage.Status.PROPOSED
        )
        if p.replaces_id is not None
    }


def accept_proposal(
    *, proposal_uuid, actor: User, request: HttpRequest | None = None
) -> UploadedImage:
    """The candidate uses the reviewer's turned version: it takes the original's place (the
    original is kept as replaced, for the re-review), in one transaction."""
    from medexam.materials.services import _lock_application, image_is_locked

    found = (
        UploadedImage.objects.filter(
            uuid=proposal_uuid,
            status=UploadedImage.Status.PROPOSED,
            application__candidate__user=actor,
        )
        .only("application_id")
        .first()
    )
    if found is None:
        raise DomainError(
            "NOT_FOUND", "这个建议已不存在（可能已使用或已被新图片取代），请刷新页面。", 404
        )
    with transaction.atomic():
        application = _lock_application(found.application_id)
        proposal = (
            UploadedImage.objects.select_related("item", "replaces__item")
            .filter(pk=found.pk, status=UploadedImage.Status.PROPOSED)
            .first()
        )
        original = proposal.replaces if proposal is not None else None
        if proposal is None or original is None or original.status != UploadedImage.Status.ACTIVE:
            raise DomainError("NOT_FOUND", "这个建议已不存在，请刷新页面。", 404)
        if application.state != S.CHANGES_REQUESTED or image_is_locked(application, original):
            raise DomainError("LOCKED", "材料已锁定，不能再使用这个建议。", 409)
        original.status = UploadedImage.Status.REPLACED
        original.save(update_fields=["status"])
        proposal.status = UploadedImage.Status.ACTIVE
        proposal.uploaded_by = actor
        proposal.save(update_fields=["status", "uploaded_by"])
        # The original's pre-check result stays with it; the turned copy gets its own.
        precheck.refresh_flag(application)
        if precheck.looks_at(application.candidate.exam_id, proposal.item.code, proposal.slot):
            enqueue_on_commit(precheck_image, proposal.pk)
        record(
            action="image.rotation_accepted",
            actor=actor,
            request=request,
            application=application,
            target=f"image:{proposal.uuid}",
            summary=f"使用审核人员转正的图片：{original.place_label()}",
            data={"replaces": str(original.uuid), "rotation": proposal.rotation},
        )
    return proposal
