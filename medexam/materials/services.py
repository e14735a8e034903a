"""Every write to a candidate's materials: upload, delete, confirm a warning, submit, and the
unlock a reviewer's request for replacement performs.

Each function opens its own transaction and locks the application row first
(`select_for_update`; on SQLite the IMMEDIATE transaction mode serialises writers instead),
then re-checks state, locks and caps under that lock. That is what makes "two uploads into the
last free place" end with one image, and "an upload racing a submit" land before the lock or
be refused. An upload's file is written just before its transaction and removed again on
every path that does not commit; files of deleted rows are scheduled in the deleting
transaction and removed after a grace period longer than a backup (files.services). A
crash in between leaves at most an unreferenced file, which `sweep_orphan_files` removes."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from medexam.audit.services import record
from medexam.errors import DomainError
from medexam.files.services import delete_later
from medexam.files.storage import STORAGE_ERRORS, read_bytes
from medexam.jobs import enqueue_on_commit
from medexam.materials import intake, proposals, upload_reads
from medexam.materials.models import Application, UploadedImage, private_storage
from medexam.materials.states import EDITABLE_STATES, check, transition
from medexam.materials.tasks import make_thumbnail
from medexam.materials.upload_reads import ImageRow, UploadTarget
from medexam.precheck import services as precheck
from medexam.precheck.tasks import precheck_image
from medexam.rules.models import MaterialItem
from medexam.sql import insert

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User
    from medexam.rules.evaluation import Evaluation

logger = logging.getLogger(__name__)
S = Application.State
# An image as the lock rules read it: a model instance, or the upload's row (upload_reads).
Picture = UploadedImage | ImageRow


MSG_LOCKED = "已锁定：材料已提交审核或正在审核，不能修改。如需修改，请等待审核人员的通知。"
MSG_ITEM_LOCKED = "该项材料已锁定，审核人员没有要求更换，不能修改。"
MSG_STORAGE_FAILED = "服务器暂时无法保存图片，请稍后重试。您已上传的其他图片不受影响。"


def _lock_application(application_id: int) -> Application:
    # Only the application row is locked (`of=("self",)`): on PostgreSQL a plain FOR UPDATE
    # over the joins would also lock the exam row and serialise the province's writes.
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("candidate__exam", "candidate__user")
        .get(pk=application_id)
    )


# --- lock rules: the only place that decides whether something can change -------------


def image_is_locked(application: Application, image: UploadedImage) -> bool:
    return _locked(application, image, image.item.code)


def _locked(application: Application, image: Picture, item_code: str) -> bool:
    if image.status != UploadedImage.Status.ACTIVE:
        return True
    if application.state == S.DRAFT:
        return False
    if application.state != S.CHANGES_REQUESTED or _supplement_closed(application):
        return True
    fresh = image.round == application.round  # uploaded after the last submission
    return not (image.unlocked or fresh or item_code in application.unlocked_items)


def open_positions(
    application: Application, item: MaterialItem, images: Sequence[Picture]
) -> list[int]:
    """The places of `item` a new image may go into now (`images`: the item's images)."""
    taken = {img.position for img in images if img.status == UploadedImage.Status.ACTIVE}
    free = [p for p in range(item.max_count) if p not in taken]
    if application.state == S.DRAFT:
        return free
    if application.state != S.CHANGES_REQUESTED or _supplement_closed(application):
        return []
    if item.code in application.unlocked_items:
        return free
    # Otherwise only the places of flagged images the candidate has taken out.
    reopened = {
        img.position
        for img in images
        if img.status == UploadedImage.Status.REPLACED
        and img.unlocked
        and img.round < application.round
        and not _has_replacement(img, images)
    }
    return [p for p in free if p in reopened]


def _has_replacement(old: Picture, images: Sequence[Picture]) -> bool:
    return any(img.replaces_id == old.pk for img in images)


def _supplement_closed(application: Application) -> bool:
    deadline = application.supplement_deadline
    return deadline is not None and timezone.now() > deadline


def _upload_window_closed(application: Application, closes: dt.datetime | None) -> bool:
    """`closes`: the exam's upload_closes_at (None: no deadline), passed in because the
    upload's read already has it and the application there is loaded without its exam."""
    return application.state == S.DRAFT and closes is not None and timezone.now() > closes


# --- upload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    image: UploadedImage
    created: bool  # False: an idempotent retry found the image of the first attempt


def upload_image(
    *,
    item_code: str,
    data: bytes,
    client_name: str,
    actor: User,
    application_id: int | None = None,
    slot: str = "",
    idempotency_key: str = "",
    replaces: str = "",
    request: HttpRequest | None = None,
) -> UploadResult:
    """Check, normalise and store one image into `item_code` of an application: the one given,
    or (without `application_id`) the actor's own in the active exam.

    `replaces` (an image's uuid): one-step replace. The new image takes the old one's place
    and the old one is retired in the same transaction, so it stays, visible, until the new
    one is stored; a refusal or a failure leaves it exactly as it was.

    The hot path of the busiest night: intake runs before any lock and the file is written
    before it too, so that the row lock is held for the reads and two inserts only. The file
    stays only if its row commits (`_stored_until_committed`). The review thumbnail is made
    by a task after the commit (`materials.tasks`)."""
    key = idempotency_key[:64]
    result = _inspect(data, client_name)
    target: UploadTarget | None = None
    with _stored_until_committed(result) as stored:
        try:
            with transaction.atomic():
                target = _lock_upload_target(
                    item_code=item_code,
                    result=result,
                    application_id=application_id,
                    owner_id=None if application_id else actor.pk,
                )
                earlier = _earlier_attempt(target, key)
                if earlier is not None:
                    return UploadResult(image=earlier, created=False)
                item = _existing_item(target)
                _check_can_upload(target.application, target.upload_closes_at)
                if replaces:
                    place = _retire_for_replacement(target, item, replaces, actor, request)
                else:
                    place = _choose_place(target, item, slot)
                image = _create_image(target, item, place, result, stored.name, actor, key)
                _record_upload(image, place, actor, request)
                if replaces:
                    # The retired image's pre-check problems no longer count.
                    precheck.refresh_flag(target.application)
                enqueue_followups(image, target.exam_id)
        except IntegrityError as exc:
            # Another upload took the place (or, with the same key, was this one) between our
            # read and our insert: the database's constraints refused the second row.
            locked = target.application.pk if target is not None else application_id
            return _after_conflict(locked, key, exc)
        stored.keep()
    return UploadResult(image=image, created=True)


def enqueue_followups(image: UploadedImage, exam_id: int) -> None:
    """What workers do with a new image once its transaction commits: the review thumbnail,
    and the machine pre-check (medexam.precheck) where it reads this place; never in the
    request."""
    enqueue_on_commit(make_thumbnail, image.pk)
    if precheck.looks_at(exam_id, image.item.code, image.slot):
        enqueue_on_commit(precheck_image, image.pk)


def _inspect(data: bytes, client_name: str) -> intake.IntakeResult:
    """Intake's verdict (CPU-heavy: before any lock)."""
    result = intake.inspect_image(data, client_name)
    if result.verdict == "reject":
        raise DomainError(result.code, result.message)
    return result


class _StoredFile:
    def __init__(self, name: str):
        self.name = name
        self.kept = False

    def keep(self) -> None:
        self.kept = True


@contextmanager
def _stored_until_committed(result: intake.IntakeResult) -> Iterator[_StoredFile]:
    """The normalised file, written under a fresh server-chosen name; removed again on every
    way out that did not `keep()` it (a refusal, a retry's answer, an error, a crash of the
    request). A process killed in between leaves the file to `sweep_orphan_files`."""
    storage = private_storage()
    stem = uuid.uuid4().hex
    wanted = f"images/{stem[:2]}/{stem}{result.extension}"
    try:
        stored = _StoredFile(storage.save(wanted, ContentFile(result.content or b"")))
    except STORAGE_ERRORS as exc:
        # A full disk fails the write after the file was created; Django's storage leaves
        # the part written. The name is a fresh UUID, so whatever is there is that part.
        discard_files(storage, [wanted])
        logger.error(
            "storage write failed",
            extra={"event": "storage.write_failed", "error": type(exc).__name__},
        )
        raise DomainError("STORAGE_FAILED", MSG_STORAGE_FAILED, 503) from exc
    try:
        yield stored
    finally:
        if not stored.kept:
            discard_files(storage, [stored.name])


def _lock_upload_target(
    *,
    item_code: str,
    result: intake.IntakeResult,
    application_id: int | None,
    owner_id: int | None,
) -> UploadTarget:
    target = upload_reads.lock_upload_target(
        item_code=item_code,
        sha256=result.sha256,
        phash=result.phash or "",
        application_id=application_id,
        owner_id=owner_id,
    )
    if target is None:
        raise DomainError("NOT_FOUND", "没有找到您的报名信息。", 404)
    return target


def _earlier_attempt(target: UploadTarget, key: str) -> UploadedImage | None:
    """A retry of an upload that went through: the first attempt's image."""
    if not key:
        return None
    for img in target.images:
        if img.idempotency_key == key:
            return _full_image(img.pk)
    return None


def _existing_item(target: UploadTarget) -> MaterialItem:
    if target.item is None:
        raise DomainError("UNKNOWN_ITEM", "没有这项材料，请返回材料列表重新选择。", 404)
    return target.item


@dataclass(frozen=True)
class _Place:
    position: int
    replaced: ImageRow | None  # the flagged image this one replaces


def _choose_place(target: UploadTarget, item: MaterialItem, slot: str) -> _Place:
    application = target.application
    images = [img for img in target.images if img.item_id == item.pk]
    position = _choose_position(application, item, images, slot)
    replaced = next(
        (
            img
            for img in images
            if img.status == UploadedImage.Status.REPLACED
            and img.position == position
            and img.round < application.round
            and not _has_replacement(img, images)
        ),
        None,
    )
    return _Place(position=position, replaced=replaced)


def _retire_for_replacement(
    target: UploadTarget,
    item: MaterialItem,
    replaces: str,
    actor: User,
    request: HttpRequest | None,
) -> _Place:
    """Take the place of image `replaces` (under the caller's lock): a reviewed image the
    reviewer flagged is kept as replaced, beside its successor for the re-review; any other
    unlocked image goes as a delete would (its files after the commit)."""
    application = target.application
    old = next(
        (
            img
            for img in target.images
            if img.uuid == str(replaces) and img.status == UploadedImage.Status.ACTIVE
        ),
        None,
    )
    if old is None or old.item_id != item.pk:
        raise DomainError("NOT_FOUND", "要更换的图片已删除或已被更换，请刷新页面。", 404)
    if _locked(application, old, item.code):
        raise DomainError("LOCKED", MSG_ITEM_LOCKED, 409)
    reviewed = application.state == S.CHANGES_REQUESTED and old.round < application.round
    image = UploadedImage.objects.select_related("item").get(pk=old.pk)
    proposals.discard_proposals(application, of_image=image)  # the candidate chose otherwise
    record(
        action="image.retired",
        actor=actor,
        request=request,
        application=application,
        target=f"image:{image.uuid}",
        summary=f"更换图片：{image.place_label()}",
        data={"item": item.code, "position": image.position, "kept": reviewed},
    )
    if reviewed:
        image.status = UploadedImage.Status.REPLACED
        image.save(update_fields=["status"])
        return _Place(position=old.position, replaced=old)
    image.delete()
    # The files go after the grace period, so that a backup taken meanwhile restores with
    # them (files.services).
    delete_later([image.file.name or "", image.thumbnail.name or ""], reason="image.replaced")
    return _Place(position=old.position, replaced=None)


def _create_image(
    target: UploadTarget,
    item: MaterialItem,
    place: _Place,
    result: intake.IntakeResult,
    file_name: str,
    actor: User,
    key: str,
) -> UploadedImage:
    warnings = [{"code": w.code, "message": w.message} for w in result.warnings]
    warnings += _duplicate_warnings(target.images, target.elsewhere, result)
    return insert(
        UploadedImage(
            application=target.application,
            item=item,
            slot=_slot_code(item, place.position),
            position=place.position,
            round=target.application.round,
            replaces_id=place.replaced.pk if place.replaced else None,
            file=file_name,
            format=result.format or "",
            width=result.width or 0,
            height=result.height or 0,
            size=len(result.content or b""),
            original_size=result.bytes,
            original_sha256=result.sha256,
            phash=result.phash or "",
            warnings=warnings,
            warnings_confirmed=not warnings,
            metrics=result.metrics,
            uploaded_by=actor,
            idempotency_key=key,
        )
    )


def _record_upload(
    image: UploadedImage, place: _Place, actor: User, request: HttpRequest | None
) -> None:
    item = image.item
    record(
        action="image.uploaded",
        actor=actor,
        request=request,
        application=image.application,
        target=f"image:{image.uuid}",
        summary=f"上传 {item.name}" + (f"（{item.slot_label(image.slot)}）" if image.slot else ""),
        data={
            "item": item.code,
            "position": place.position,
            "size": image.size,
            "warnings": [w["code"] for w in image.warnings],
            "replaces": place.replaced.uuid if place.replaced else None,
        },
    )


def _after_conflict(application_id: int | None, key: str, exc: IntegrityError) -> UploadResult:
    if key and application_id is not None:
        existing = UploadedImage.objects.filter(
            application_id=application_id, idempotency_key=key
        ).first()
        if existing is not None:
            return UploadResult(image=_full_image(existing.pk), created=False)
    raise DomainError("SLOT_TAKEN", "该位置刚刚已有图片上传成功，请刷新页面后查看。", 409) from exc


def _full_image(pk: int) -> UploadedImage:
    return UploadedImage.objects.select_related("item").get(pk=pk)


def ensure_thumbnail(image: UploadedImage) -> str:
    """The name of the image's review thumbnail, made from the stored (normalised) file if it
    does not exist yet, and kept. Called by the thumbnail task after the upload commits;
    pages show a placeholder until then and never make one themselves.

    Two runs at once (a duplicate delivery, the schedule) may both make one: the conditional
    UPDATE lets exactly one name in and the other file is removed. An image deleted meanwhile
    raises DoesNotExist; a thumbnail written just before such a delete is left to
    `sweep_orphan_files`."""
    if image.thumbnail:
        return str(image.thumbnail.name)
    storage = private_storage()
    stored = str(image.file.name)
    thumbnail = intake.make_thumbnail(read_bytes(storage, stored))
    name = storage.save(f"{stored.rsplit('.', 1)[0]}.thumb.jpg", ContentFile(thumbnail))
    if UploadedImage.objects.filter(pk=image.pk, thumbnail="").update(thumbnail=name):
        image.thumbnail.name = name
        return name
    discard_files(storage, [name])
    image.refresh_from_db(fields=["thumbnail"])
    if not image.thumbnail:
        raise UploadedImage.DoesNotExist
    return str(image.thumbnail.name)


def discard_files(storage: Storage, names: list[str]) -> None:
    """Remove files no committed row has ever named (a failed or repeated upload, a lost
    thumbnail race): at once, there is nothing a backup could need them for."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - the sweep removes what is left
            logger.warning(
                "could not remove an uncommitted file; the sweep will",
                extra={"event": "storage.discard_failed"},
            )


def _check_can_upload(application: Application, closes: dt.datetime | None) -> None:
    if application.state not in EDITABLE_STATES:
        raise DomainError("LOCKED", MSG_LOCKED, 409)
    if _upload_window_closed(application, closes):
        raise DomainError(
            "WINDOW_CLOSED", "报名材料上传已截止，不能再上传或修改。如有疑问请联系考点。", 409
        )
    if _supplement_closed(application):
        raise DomainError(
            "DEADLINE_PASSED",
            "补充材料的截止时间已过，图片已重新锁定。请等待考点审核人员的通知。",
            409,
        )


def _slot_code(item: MaterialItem, position: int) -> str:
    return item.slots[position]["code"] if position < len(item.slots) else ""


def _choose_position(
    application: Application, item: MaterialItem, images: Sequence[Picture], slot: str
) -> int:
    open_now = open_positions(application, item, images)
    if slot:
        codes = [entry["code"] for entry in item.slots]
        if slot not in codes:
            raise DomainError("UNKNOWN_SLOT", "没有这个上传位置，请返回材料列表重新选择。", 404)
        position = codes.index(slot)
        if position in open_now:
            return position
        if any(i.position == position and i.status == UploadedImage.Status.ACTIVE for i in images):
            raise DomainError(
                "SLOT_TAKEN",
                f"“{item.slot_label(slot)}”已上传图片。如需更换，请先点击“－”删除原图片，再重新上传。",
                409,
            )
        raise DomainError("LOCKED", MSG_ITEM_LOCKED, 409)
    if open_now:
        return open_now[0]
    if application.state == S.DRAFT or item.code in application.unlocked_items:
        raise DomainError(
            "ITEM_FULL",
            f"“{item.name}”最多上传 {item.max_count} 张，已传满。如需更换，请先删除一张再上传。",
            409,
        )
    raise DomainError("LOCKED", MSG_ITEM_LOCKED, 409)


def _duplicate_warnings(
    images: list[ImageRow], elsewhere: list[str], result: intake.IntakeResult
) -> list[dict[str, Any]]:
    """Same bytes or a perceptually identical picture, in this application (`images`: all
    of its images) or another's (`elsewhere`: the same bytes or hash, found by the read)."""
    own = [
        img.uuid
        for img in images
        if img.status == UploadedImage.Status.ACTIVE
        and (
            img.original_sha256 == result.sha256
            or (
                result.phash
                and img.phash
                and intake.phash_distance(img.phash, result.phash)
                <= intake.PHASH_DUPLICATE_DISTANCE
            )
        )
    ]
    if not own and not elsewhere:
        return []
    return [
        {
            "code": "DUPLICATE",
            "message": intake.MESSAGES["DUPLICATE"],
            "same_application": own,
            "other_applications": elsewhere,
        }
    ]


# --- delete, confirm ------------------------------------------------------------------


def _locked_image(image_uuid: uuid.UUID | str, actor: User) -> tuple[Application, UploadedImage]:
    """The image (of the actor's own application) and its application, row-locked."""
    image = (
        UploadedImage.objects.filter(uuid=image_uuid, application__candidate__user=actor)
        .only("application_id")
        .first()
    )
    if image is None:
        raise DomainError("NOT_FOUND", "没有找到这张图片，请刷新页面。", 404)
    application = _lock_application(image.application_id)
    # Re-read under the lock: a concurrent request may have deleted it meanwhile.
    image = UploadedImage.objects.select_related("item").filter(pk=image.pk).first()
    if image is None:
        raise DomainError("NOT_FOUND", "这张图片已删除，请刷新页面。", 404)
    return application, image


def delete_image(
    *, image_uuid: uuid.UUID | str, actor: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        application, image = _locked_image(image_uuid, actor)
        if image.status != UploadedImage.Status.ACTIVE:
            raise DomainError("NOT_FOUND", "这张图片已删除或已被更换，请刷新页面。", 404)
        if application.state not in EDITABLE_STATES:
            raise DomainError("LOCKED", MSG_LOCKED, 409)
        if image_is_locked(application, image):
            raise DomainError("LOCKED", MSG_ITEM_LOCKED, 409)
        reviewed = application.state == S.CHANGES_REQUESTED and image.round < application.round
        proposals.discard_proposals(application, of_image=image)
        record(
            action="image.replaced" if reviewed else "image.deleted",
            actor=actor,
            request=request,
            application=application,
            target=f"image:{image.uuid}",
            summary=("删除待更换的图片：" if reviewed else "删除图片：") + image.place_label(),
            data={"item": image.item.code, "position": image.position},
        )
        if reviewed:
            # Kept so the reviewer sees it beside its replacement.
            image.status = UploadedImage.Status.REPLACED
            image.save(update_fields=["status"])
        else:
            image.delete()
            # The files go after the grace period, so that a backup taken meanwhile restores
            # with them (files.services).
            delete_later(
                [image.file.name or "", image.thumbnail.name or ""], reason="image.deleted"
            )
        precheck.refresh_flag(application)


def confirm_warnings(
    *, image_uuid: uuid.UUID | str, actor: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        application, image = _locked_image(image_uuid, actor)
        if image_is_locked(application, image):
            raise DomainError("LOCKED", MSG_ITEM_LOCKED, 409)
        # One "确认图片无误" covers the intake's warnings and the machine pre-check's problems.
        precheck.confirm_result(application=application, image=image, actor=actor, request=request)
        if not image.warnings_confirmed:
            image.warnings_confirmed = True
            image.save(update_fields=["warnings_confirmed"])
            record(
                action="image.warnings_confirmed",
                actor=actor,
                request=request,
                application=application,
                target=f"image:{image.uuid}",
                summary=f"确认 {image.item.name} 的提示",
                data={"warnings": [w["code"] for w in image.warnings]},
            )


# --- submit ---------------------------------------------------------------------------


def submit_application(
    *, application_id: int, actor: User, request: HttpRequest | None = None
) -> Application:
    """提交审核: everything locks; the route and rule that apply are recorded."""
    with transaction.atomic():
        application = _lock_application(application_id)
        if application.candidate.user_id != actor.pk:
            raise DomainError("NOT_FOUND", "没有找到您的报名材料。", 404)
        check(application, "submit")
        if _upload_window_closed(application, application.candidate.exam.upload_closes_at):
            raise DomainError("WINDOW_CLOSED", "报名材料提交已截止。如有疑问请联系考点。", 409)
        evaluation = _complete_evaluation(application)
        resubmission = application.state == S.CHANGES_REQUESTED
        application.route = evaluation.route
        application.rule_code = evaluation.rule_code
        lock_for_review(application, now=timezone.now())
        transition(
            application,
            "submit",
            actor=actor,
            request=request,
            data={
                "resubmission": resubmission,
                "rule": evaluation.rule_code,
                "route": evaluation.route,
                "round": application.round,
            },
        )
    return application


def _complete_evaluation(application: Application) -> Evaluation:
    """The rules' evaluation of a complete application; what is missing or unconfirmed
    refuses the submission, by name."""
    from medexam.materials.selectors import submission_blockers

    blockers = submission_blockers(application)
    if blockers.missing or blockers.unconfirmed:
        parts = [f"“{m}”" for m in blockers.missing] + [
            f"“{u}”的提示尚未确认" for u in blockers.unconfirmed
        ]
        raise DomainError("INCOMPLETE", "还不能提交：" + "；".join(parts) + "。请补齐后再提交。")
    return blockers.evaluation


def lock_for_review(application: Application, *, now: dt.datetime) -> None:
    """A new review round: every image locks again, the round counts up, the supplement
    deadline ends. For the caller's transition to SUBMITTED, inside its row lock (the
    candidate's submission, and the schedule that closes an expired supplement)."""
    application.images.filter(unlocked=True).update(unlocked=False)
    proposals.discard_proposals(application)  # a reviewer's fix the candidate did not use
    application.unlocked_items = []
    application.round += 1
    application.submitted_at = now
    application.supplement_deadline = None
    if application.first_submitted_at is None:
        application.first_submitted_at = now


# --- the reviewer's side of unlocking (called by review services, inside their lock) ---


def unlock_for_replacement(
    application: Application, *, flagged: dict[int, tuple[str, str]], item_codes: list[str]
) -> None:
    """Open exactly the flagged images ({image pk: (reason code, note)}) and items (for
    additions) of an application the caller has locked; everything else stays locked."""
    application.images.update(unlocked=False, replacement_reason="", replacement_note="")
    for image_pk, (reason, note) in flagged.items():
        application.images.filter(pk=image_pk, status=UploadedImage.Status.ACTIVE).update(
            unlocked=True, replacement_reason=reason, replacement_note=note
        )
    application.unlocked_items = sorted(set(item_codes))
