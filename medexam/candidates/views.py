"""The administrator's pages: import registration data, download the template, export
results. Province officials use them for their own province (candidates.selectors)."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from medexam.accounts.decorators import AuthenticatedRequest
from medexam.candidates.forms import ExportForm, ImportForm
from medexam.candidates.importing import template_headers
from medexam.candidates.models import ImportRun
from medexam.candidates.selectors import exams_managed_by
from medexam.candidates.services import import_candidates
from medexam.exports import export_results


def _refuse(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "candidates/forbidden.html", status=403)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: AuthenticatedRequest) -> HttpResponse:
    exams = exams_managed_by(request.user)
    if not exams.exists():
        return _refuse(request)
    form = ImportForm(request.POST or None, request.FILES or None, exams=exams)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mode = form.cleaned_data["mode"]
        report = import_candidates(
            exam=form.cleaned_data["exam"],
            data=upload.read(),
            filename=upload.name,
            actor=request.user,
            request=request,
            source=ImportRun.Source.PAGE,
            dry_run=mode == "dry_run",
            good_only=mode == "good_only",
        )
    runs = ImportRun.objects.filter(exam__in=exams).select_related("exam", "actor")[:10]
    return render(
        request,
        "candidates/import.html",
        {
            "form": form,
            "report": report,
            "runs": runs,
            "export_form": ExportForm(exams=exams),
            "columns": template_headers(),
        },
        status=422 if report is not None and report.refused else 200,
    )


@login_required
@require_GET
def export_download(request: AuthenticatedRequest) -> HttpResponse:
    exams = exams_managed_by(request.user)
    if not exams.exists():
        return _refuse(request)
    form = ExportForm(request.GET, exams=exams)
    if not form.is_valid():
        return render(
            request,
            "candidates/import.html",
            {
                "form": ImportForm(exams=exams),
                "export_form": form,
                "runs": [],
                "columns": template_headers(),
            },
            status=400,
        )
    result = export_results(
        exam=form.cleaned_data["exam"],
        fmt=form.cleaned_data["format"],
        user=request.user,
        request=request,
        source="page",
    )
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


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
