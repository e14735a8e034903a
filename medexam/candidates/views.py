"""The administrator's pages: import registration data, download the template, export
results. Province officials use them for their own province (candidates.selectors)."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medexam.accounts.decorators import AuthenticatedRequest
from medexam.candidates.forms import ExportForm, ImportForm
from medexam.candidates.import_jobs import request_import
from medexam.candidates.importing import template_headers
from medexam.candidates.models import ImportJob, ImportRun
from medexam.candidates.selectors import exams_managed_by
from medexam.review.export_jobs import request_export
from medexam.review.models import ExportJob


def _refuse(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "candidates/forbidden.html", status=403)


def _import_context(request: AuthenticatedRequest, exams, **extra) -> dict:
    return {
        "form": ImportForm(exams=exams),
        "export_form": ExportForm(exams=exams),
        "runs": ImportRun.objects.filter(exam__in=exams).select_related("exam", "actor")[:10],
        "jobs": ImportJob.objects.filter(exam__in=exams).select_related("exam")[:10],
        "exports": ExportJob.objects.filter(requested_by=request.user)[:5],
        "columns": template_headers(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: AuthenticatedRequest) -> HttpResponse:
    """Stores the file and returns at once; a worker imports it (candidates.import_jobs)."""
    exams = exams_managed_by(request.user)
    if not exams.exists():
        return _refuse(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, exams=exams)
        if form.is_valid():
            job = request_import(
                user=request.user,
                exam=form.cleaned_data["exam"],
                upload=form.cleaned_data["file"],
                mode=form.cleaned_data["mode"],
                request=request,
            )
            return redirect("candidates:import_job", job_uuid=job.uuid)
        return render(
            request,
            "candidates/import.html",
            _import_context(request, exams, form=form),
            status=400,
        )
    return render(request, "candidates/import.html", _import_context(request, exams))


@login_required
@require_GET
def import_job(request: AuthenticatedRequest, job_uuid: str) -> HttpResponse:
    """The job's progress while it runs; then what it did and every refused row, 500 a page
    (keyset on the line number)."""
    exams = exams_managed_by(request.user)
    job = get_object_or_404(ImportJob.objects.select_related("exam"), uuid=job_uuid, exam__in=exams)
    after = _int(request.GET.get("after"))
    problems = list(
        job.problems.filter(line__gte=after).order_by("line", "id")[: PROBLEMS_PAGE + 1]
    )
    more = problems[PROBLEMS_PAGE].line if len(problems) > PROBLEMS_PAGE else None
    return render(
        request,
        "candidates/import_job.html",
        {"job": job, "problems": problems[:PROBLEMS_PAGE], "next_after": more, "after": after},
    )


PROBLEMS_PAGE = 500


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


@login_required
@require_POST
def export_request(request: AuthenticatedRequest) -> HttpResponse:
    """Asks a worker for the results file; the browser goes to the export's page."""
    exams = exams_managed_by(request.user)
    if not exams.exists():
        return _refuse(request)
    form = ExportForm(request.POST, exams=exams)
    if not form.is_valid():
        return render(
            request,
            "candidates/import.html",
            _import_context(request, exams, export_form=form),
            status=400,
        )
    job = request_export(
        user=request.user,
        kind=ExportJob.Kind.RESULTS,
        fmt=form.cleaned_data["format"],
        exam=form.cleaned_data["exam"],
        request=request,
        source="page",
    )
    return redirect("exports:status", job_uuid=job.uuid)


@login_required
@require_GET
def template_download(request: AuthenticatedRequest) -> HttpResponse:
    from openpyxl import Workbook

    if not exams_managed_by(request.user).exists():
        return _refuse(request)
    book = Workbook()
    sheet = book.active
    sheet.title = "报名数据"
    sheet.append(template_headers())
    # Text format for the number columns: Excel would otherwise turn an 18-digit ID
    # number into a float and lose its last digits.
    for column in ("A", "D", "E"):
        for cell in sheet[column]:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )
    response["Content-Disposition"] = 'attachment; filename="candidates-template.xlsx"'
    return response
