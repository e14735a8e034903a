"""Candidate pages: registration info, materials, upload/delete, submit; and the one view
that serves stored images (to whoever may see them, logged every time)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import require_POST

from medexam import faults, metrics
from medexam.accounts.decorators import candidate_required
from medexam.audit.services import record
from medexam.files.responses import private_file_response
from medexam.files.storage import FileMissing
from medexam.materials import intake, services
from medexam.materials.forms import UploadForm
from medexam.materials.intake.messages import MESSAGES as INTAKE_MESSAGES
from medexam.materials.intake.messages import too_large_message
from medexam.materials.models import Application, UploadedImage, private_storage
from medexam.materials.selectors import can_view_application, materials_page

logger = logging.getLogger(__name__)


def _own_application(request: HttpRequest) -> Application:
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


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@candidate_required
def registration(request: HttpRequest) -> HttpResponse:
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
def materials(request: HttpRequest) -> HttpResponse:
    application = _own_application(request)
    page = materials_page(application)
    return render(
        request,
        "materials/materials.html",
        {
            "application": application,
            "page": page,
            "upload_form": UploadForm(),
            "editable": application.state in services.EDITABLE_STATES,
            "upload_messages": {code: INTAKE_MESSAGES[code] for code in CLIENT_MESSAGE_CODES},
        },
    )


# The page's script sends the picture as the request body (see upload.js); the form
# without script posts multipart.
RAW_UPLOAD_TYPES = frozenset({"application/octet-stream", "image/jpeg", "image/png"})


@dataclass(frozen=True)
class _Picked:
    data: bytes
    name: str
    slot: str
    idempotency_key: str


def _picked_file(request: HttpRequest) -> _Picked:
    key = request.headers.get("Idempotency-Key", "")
    if request.content_type in RAW_UPLOAD_TYPES:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > intake.MAX_BYTES:  # refused before reading it into memory
            raise services.MaterialsError("FILE_TOO_LARGE", too_large_message(length), 413)
        return _Picked(
            data=request.body,
            name=unquote(request.headers.get("X-File-Name", ""))[:255],
            slot=request.GET.get("slot", "")[:32],
            idempotency_key=key,
        )
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        raise services.MaterialsError("NO_FILE", form.first_error())
    upload_file = form.cleaned_data["image"]
    return _Picked(
        data=upload_file.read(),
        name=upload_file.name or "",
        slot=form.cleaned_data["slot"],
        idempotency_key=key or form.cleaned_data["idempotency_key"],
    )


@candidate_required
@require_POST
def upload(request: HttpRequest, item_code: str) -> HttpResponse:
    try:
        picked = _picked_file(request)
        # The candidate's own application in the active exam, found under its lock.
        result = services.upload_image(
            item_code=item_code,
            data=picked.data,
            client_name=picked.name,
            slot=picked.slot,
            idempotency_key=picked.idempotency_key,
            actor=request.user,
            request=request,
        )
    except services.MaterialsError as error:
        metrics.UPLOADS.labels(outcome=error.code).inc()
        if _wants_json(request):
            response = JsonResponse(
                {"ok": False, "code": error.code, "message": error.message}, status=error.status
            )
            if error.status == 503:
                response["Retry-After"] = str(faults.RETRY_AFTER_SECONDS)
            return response
        messages.error(request, error.message)
        return redirect(f"{reverse('materials:materials')}#item-{item_code}")
    metrics.UPLOADS.labels(outcome="ok" if result.created else "retry").inc()
    image = result.image
    if _wants_json(request):
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
def delete(request: HttpRequest, image_uuid) -> HttpResponse:
    try:
        services.delete_image(image_uuid=image_uuid, actor=request.user, request=request)
    except services.MaterialsError as exc:
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "code": exc.code, "message": exc.message}, status=exc.status
            )
        messages.error(request, exc.message)
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True})
        messages.success(request, "图片已删除，可以重新上传。")
    return redirect("materials:materials")


@candidate_required
@require_POST
def confirm(request: HttpRequest, image_uuid) -> HttpResponse:
    try:
        services.confirm_warnings(image_uuid=image_uuid, actor=request.user, request=request)
    except services.MaterialsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认该图片的提示。")
    return redirect(
        request.POST.get("next") == "check" and "materials:submit" or "materials:materials"
    )


@candidate_required
def submit(request: HttpRequest) -> HttpResponse:
    """GET: check your answers (what is missing, what will lock). POST: 提交审核."""
    application = _own_application(request)
    if request.method == "POST":
        try:
            services.submit_application(
                application_id=application.pk, actor=request.user, request=request
            )
        except services.MaterialsError as exc:
            messages.error(request, exc.message)
            return redirect("materials:submit")
        messages.success(request, "上报完成，内容已锁定。")
        return redirect("materials:materials")
    page = materials_page(application)
    return render(
        request,
        "materials/submit.html",
        {
            "application": application,
            "page": page,
            "editable": application.state in services.EDITABLE_STATES,
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
def image_file(request: HttpRequest, image_uuid, variant: str = "full") -> HttpResponse:
    image = get_object_or_404(
        UploadedImage.objects.select_related("application__candidate__exam", "item"),
        uuid=image_uuid,
    )
    if not can_view_application(request.user, image.application):
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
    name, content_type = image.file.name, image.content_type
    if variant == "thumb":
        name, content_type = image.thumbnail.name, "image/jpeg"
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
