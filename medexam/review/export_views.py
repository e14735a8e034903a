"""An export's page (progress, then the download link) and its download, at /exports/.

Used by reviewers (statistics, queue), province officials and administrators (the import
page) alike: an export is its requester's, and anyone else gets 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from medexam.accounts.decorators import AuthenticatedRequest
from medexam.review.export_jobs import ExportUnavailable, download_response, job_for
from medexam.review.models import ExportJob


def _own(request: AuthenticatedRequest, job_uuid: str) -> ExportJob:
    try:
        return job_for(user=request.user, job_uuid=job_uuid)
    except ExportJob.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def status(request: AuthenticatedRequest, job_uuid: str) -> HttpResponse:
    job = _own(request, job_uuid)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "status": job.status,
                "done": job.done_count,
                "total": job.total_count,
                "percent": job.percent,
                "message": job.message,
            }
        )
    return render(request, "review/export_job.html", {"job": job})


@login_required
@require_GET
def download(request: AuthenticatedRequest, job_uuid: str) -> HttpResponseBase:
    try:
        return download_response(user=request.user, job_uuid=job_uuid, request=request)
    except ExportJob.DoesNotExist:
        raise Http404 from None
    except ExportUnavailable as exc:
        return render(
            request,
            "review/export_job.html",
            {"job": _own(request, job_uuid), "refusal": exc.message},
            status=exc.status,
        )
