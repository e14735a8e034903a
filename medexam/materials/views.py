"""Candidate pages: registration info, materials, upload/delete, submit; and the one view
that serves stored images (to whoever may see them, logged every time)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import require_POST

from medexam import metrics
from medexam.accounts.decorators import AuthenticatedRequest, candidate_required
from medexam.audit.services import record, record_refusal
from medexam.errors import DomainError
from medexam.files.responses import private_file_response
from medexam.files.storage import FileMissing
from medexam.materials import guidance, intake, proposals, services
from medexam.materials.forms import UploadForm
from medexam.materials.intake.messages import MESSAGES as INTAKE_MESSAGES
from medexam.materials.intake.messages import too_large_message
from medexam.materials.models import Application, UploadedImage, private_storage
from medexam.materials.selectors import can_view_application, materials_page
from medexam.materials.states import EDITABLE_STATES
from medexam.refusals import answer, wants_json

logger = logging.getLogger(__name__)


def _own_application(request: AuthenticatedRequest) -> Application:
    application = (
        Application.objects.select_related(
            "candidate__exam", "candidate__exam_site", "candidate__user"
        )
        .filter(candidate__user=request.user, candidate__exam__is_active=True)
        .order_by("-candidate__exam__year")
        .first()
    )
    if application is None:
        raise Http404("没有找到您的报名信息")
    return application


# The intake refusals the page's script can detect before uploading (e.g. a HEIC photo the
# browser cannot decode): rendered into the page so both say exactly the same thing.
CLIENT_MESSAGE_CODES = (
    "UNSUPPORTED_FORMAT_HEIC",
    "UNSUPPORTED_FORMAT",
    "NOT_AN_IMAGE",
    "CORRUPT_IMAGE",
    "EMPTY_FILE",
    "FILE_TOO_LARGE",
    "RESOLUTION_TOO_LOW",
)


REFUSAL_KEY = "upload_refusal"


@candidate_required
def registration(request: AuthenticatedRequest) -> HttpResponse:
    application = _own_application(request)
    return render(
        request,
        "materials/registration.html",
        {
            "application": application,
            "candidate": application.candidate,
        },
    )


@candidate_required
def materials(request: AuthenticatedRequest) -> HttpResponse:
    application = _own_application(request)
    page = materials_page(application)
    exam = application.candidate.exam
    editable = application.state in EDITABLE_STATES
    refusal = request.session.pop(REFUSAL_KEY, None)
    # A locked page lists what was uploaded; empty optional items fold into one line.
    collapsed = (
        []
        if editable
        else [iv for iv in page.items if not iv.images and not iv.replaced and not iv.missing]
    )
    return render(
        request,
        "materials/materials.html",
        {
            "application": application,
            "page": page,
            "route_lines": guidance.route_explanation(exam, page.evaluation),
            "uploads_waived": guidance.waives_uploads(exam, page.evaluation),
            "todo": guidance.todo(application, page),
            "steps": guidance.next_steps(application, page.evaluation, page),
            "collapsed": collapsed,
            "refusal": refusal,
            "proposals": proposals.proposals_for(application) if editable else {},
            "collapsed_codes": {iv.item.code for iv in collapsed},
            "upload_form": UploadForm(),
            "editable": application.state in EDITABLE_STATES,
            "upload_messages": {code: INTAKE_MESSAGES[code] for code in CLIENT_MESSAGE_CODES},
            "upload_limits": UPLOAD_LIMITS,
        },
    )


# What the page's script must know of the intake's limits (static/medexam/upload/config.js):
# rendered from the intake itself, so the two can never disagree.
UPLOAD_LIMITS = {
    "maxBytes": intake.MAX_BYTES,
    "maxKb": intake.MAX_BYTES // 1024,
    "maxPixels": intake.MAX_PIXELS,
    "minShortSide": intake.MIN_SHORT_SIDE,
    "minLongSide": intake.MIN_LONG_SIDE,
}


# The page's script sends the picture as the request body (see upload.js); the form
# without script posts multipart.
RAW_UPLOAD_TYPES = frozenset({"application/octet-stream", "image/jpeg", "image/png"})


@dataclass(frozen=True)
class _Picked:
    data: bytes
    name: str
    slot: str
    idempotency_key: str
    replaces: str = ""


def _picked_file(request: AuthenticatedRequest) -> _Picked:
    key = request.headers.get("Idempotency-Key", "")
    if request.content_type in RAW_UPLOAD_TYPES:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > intake.MAX_BYTES:  # refused before reading it into memory
            raise DomainError("FILE_TOO_LARGE", too_large_message(length), 413)
        return _Picked(
            data=request.body,
            name=unquote(request.headers.get("X-File-Name", ""))[:255],
            slot=request.GET.get("slot", "")[:32],
            idempotency_key=key,
            replaces=request.GET.get("replace", "")[:36],
        )
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        raise DomainError("NO_FILE", form.first_error())
    upload_file = form.cleaned_data["image"]
    return _Picked(
        data=upload_file.read(),
        name=upload_file.name or "",
        slot=form.cleaned_data["slot"],
        idempotency_key=key or form.cleaned_data["idempotency_key"],
        replaces=str(form.cleaned_data["replace"] or ""),
    )


def _upload_several(
    request: AuthenticatedRequest, item_code: str, files: list[Any]
) -> HttpResponse:
    """Without script, several files from one pick: each goes through intake and the upload
    service on its own; the page lands on the item with what went in and what did not."""
    done, refused = 0, []
    key = request.POST.get("idempotency_key", "")[:48]
    for index, upload_file in enumerate(files):
        try:
            services.upload_image(
                item_code=item_code,
                data=upload_file.read(),
                client_name=upload_file.name or "",
                idempotency_key=f"{key}-{index}" if key else "",
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            if error.status == 404:
                raise Http404 from error
            refused.append(f"第 {index + 1} 张：{error.message}")
        else:
            done += 1
    if refused:
        message = (f"已上传 {done} 张；" if done else "") + "；".join(refused)
        request.session[REFUSAL_KEY] = {"item": item_code, "message": message}
    else:
        messages.success(request, f"已上传 {done} 张图片。")
    return redirect(f"{reverse('materials:materials')}#item-{item_code}")


@candidate_required
@require_POST
def upload(request: AuthenticatedRequest, item_code: str) -> HttpResponse:
    files = request.FILES.getlist("image") if request.content_type == "multipart/form-data" else []
    if len(files) > 1 and not request.POST.get("replace") and not request.POST.get("slot"):
        return _upload_several(request, item_code, files)
    try:
        picked = _picked_file(request)
        # The candidate's own application in the active exam, found under its lock.
        result = services.upload_image(
            item_code=item_code,
            data=picked.data,
            client_name=picked.name,
            slot=picked.slot,
            idempotency_key=picked.idempotency_key,
            replaces=picked.replaces,
            actor=request.user,
            request=request,
        )
    except DomainError as error:
        metrics.UPLOADS.labels(outcome=error.code).inc()
        if wants_json(request) or error.status == 404:
            return answer(request, error, back=reverse("materials:materials"))
        # Without script: the page lands on the item and shows the refusal there, naming it
        # (a banner at the top is out of sight ~19,000 px above the item).
        request.session[REFUSAL_KEY] = {"item": item_code, "message": error.message}
        return redirect(f"{reverse('materials:materials')}#item-{item_code}")
    metrics.UPLOADS.labels(outcome="ok" if result.created else "retry").inc()
    image = result.image
    if wants_json(request):
        return JsonResponse({"ok": True, "created": result.created, "image": _image_json(image)})
    if image.warnings:
        messages.warning(request, f"已上传，但请确认：{image.warnings[0]['message']}")
    else:
        messages.success(request, f"“{image.item.name}”上传成功。")
    return redirect(f"{reverse('materials:materials')}#item-{image.item.code}")


def _image_json(image: UploadedImage) -> dict:
    return {
        "id": str(image.uuid),
        "item": image.item.code,
        "slot": image.slot,
        "position": image.position,
        "width": image.width,
        "height": image.height,
        "size": image.size,
        "warnings": [{"code": w["code"], "message": w["message"]} for w in image.warnings],
        "url": _image_url("materials:image", image.uuid),
        "thumbnail_url": _image_url("materials:thumbnail", image.uuid),
    }


_STAND_IN = uuid.UUID(int=0)


def _image_url(name: str, image_uuid) -> str:
    """reverse(name, args=[image_uuid]), with the URL resolved once per script prefix: every
    upload answers with two of these and a reverse() costs ~0.15 ms of its CPU."""
    return _url_shape(name, get_script_prefix()).replace(str(_STAND_IN), str(image_uuid))


@cache
def _url_shape(name: str, prefix: str) -> str:
    return reverse(name, args=[_STAND_IN])


@candidate_required
@require_POST
def delete(request: AuthenticatedRequest, image_uuid) -> HttpResponse:
    try:
        services.delete_image(image_uuid=image_uuid, actor=request.user, request=request)
    except DomainError as exc:
        return answer(request, exc, back=reverse("materials:materials"))
    if wants_json(request):
        return JsonResponse({"ok": True})
    messages.success(request, "图片已删除，可以重新上传。")
    return redirect("materials:materials")


@candidate_required
@require_POST
def confirm(request: AuthenticatedRequest, image_uuid) -> HttpResponse:
    back = reverse(
        "materials:submit" if request.POST.get("next") == "check" else "materials:materials"
    )
    try:
        services.confirm_warnings(image_uuid=image_uuid, actor=request.user, request=request)
    except DomainError as exc:
        return answer(request, exc, back=back)
    messages.success(request, "已确认该图片的提示。")
    return redirect(back)


@candidate_required
@require_POST
def accept_proposal(request: AuthenticatedRequest, image_uuid) -> HttpResponse:
    """The candidate uses the reviewer's turned version of a flagged image."""
    try:
        image = proposals.accept_proposal(
            proposal_uuid=image_uuid, actor=request.user, request=request
        )
    except DomainError as error:
        return answer(request, error, back=reverse("materials:materials"))
    messages.success(request, f"已使用审核人员转正后的“{image.item.name}”。请核对后重新提交审核。")
    return redirect(f"{reverse('materials:materials')}#image-{image.uuid}")


@candidate_required
def submit(request: AuthenticatedRequest) -> HttpResponse:
    """GET: check your answers (what is missing, what will lock). POST: 提交审核."""
    application = _own_application(request)
    if request.method == "POST":
        try:
            services.submit_application(
                application_id=application.pk, actor=request.user, request=request
            )
        except DomainError as exc:
            return answer(request, exc, back=reverse("materials:submit"))
        messages.success(request, "上报完成，内容已锁定。")
        return redirect("materials:materials")
    page = materials_page(application)
    return render(
        request,
        "materials/submit.html",
        {
            "application": application,
            "page": page,
            "editable": application.state in EDITABLE_STATES,
        },
    )


@candidate_required
def onsite_slip(request: AuthenticatedRequest) -> HttpResponse:
    """现场审核预约单: where, when, which originals, and a QR code the site scans to open the
    application (the code is made here, never by a web service)."""
    import segno

    application = _own_application(request)
    if application.state != Application.State.ONSITE_PENDING:
        messages.info(request, "目前不需要现场审核，暂无预约单。")
        return redirect("materials:materials")
    page = materials_page(application)
    url = request.build_absolute_uri(
        reverse("review:onsite_scan", args=[guidance.slip_token(application)])
    )
    qr = segno.make(url, error="m")
    return render(
        request,
        "materials/onsite_slip.html",
        {
            "application": application,
            "candidate": application.candidate,
            "info": guidance.onsite_info(application, page),
            "qr_svg": qr.svg_inline(scale=5, border=4, title="现场审核预约单二维码"),
        },
    )


# --- stored images -------------------------------------------------------------------


THUMBNAIL_PENDING = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120" viewBox="0 0 160 120">'
    '<rect width="160" height="120" fill="#eef1f4"/>'
    '<text x="80" y="58" font-size="14" text-anchor="middle" fill="#555">缩略图生成中</text>'
    '<text x="80" y="80" font-size="11" text-anchor="middle" fill="#777">稍后刷新页面查看</text>'
    "</svg>"
).encode()


@login_required
def image_file(
    request: AuthenticatedRequest, image_uuid, variant: str = "full"
) -> HttpResponseBase:
    image = get_object_or_404(
        UploadedImage.objects.select_related("application__candidate__exam", "item"),
        uuid=image_uuid,
    )
    if not can_view_application(request.user, image.application):
        record_refusal(request, target=f"image:{image.uuid}")
        raise Http404  # out of scope looks exactly like "does not exist"
    if variant == "thumb" and not image.thumbnail:
        # The thumbnail task has not run yet: a placeholder (no candidate picture is shown,
        # so nothing to audit), and no image work in a request.
        response = HttpResponse(THUMBNAIL_PENDING, content_type="image/svg+xml")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response
    record(
        action="image.viewed",
        request=request,
        application=image.application,
        target=f"image:{image.uuid}",
        summary=f"查看 {image.item.name}" + ("（缩略图）" if variant == "thumb" else ""),
        data={"variant": variant},
    )
    storage = private_storage()
    name, content_type = str(image.file.name), image.content_type
    if variant == "thumb":
        name, content_type = str(image.thumbnail.name), "image/jpeg"
    try:
        return private_file_response(storage, name, content_type=content_type)
    except FileMissing:
        # A row whose file is gone (a restore from an inconsistent backup, a bucket
        # accident): say so and log it, instead of a 500. check_storage lists them all.
        metrics.FILES_MISSING.inc()
        logger.error(
            "stored file missing",
            extra={"event": "storage.file_missing", "image": str(image.uuid), "variant": variant},
        )
        return render(request, "materials/file_missing.html", status=404)
