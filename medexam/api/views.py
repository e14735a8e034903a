"""The registration system's API: the same services as the pages, behind bearer tokens."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from medexam.api import serializers as s
from medexam.api.auth import may_manage
from medexam.audit.services import record
from medexam.candidates.import_jobs import request_import
from medexam.candidates.models import ImportJob, ImportRun
from medexam.exports import applications_for, reasons_by_application, result_rows
from medexam.review.export_jobs import (
    ExportUnavailable,
    download_response,
    job_for,
    request_export,
)
from medexam.review.models import ExportJob
from medexam.rules.models import Exam

MAX_IMPORT_BYTES = 50 * 1024 * 1024
NOT_FOUND = OpenApiResponse(s.ErrorSerializer, description="考试或考生不存在，或不在您的管理范围内")
DENIED = {
    401: OpenApiResponse(s.ErrorSerializer, description="缺少或无效的令牌"),
    403: OpenApiResponse(s.ErrorSerializer, description="无权使用接口"),
}


def _exam(request, slug: str) -> Exam:
    exam = Exam.objects.filter(slug=slug).first()
    # 404 for exams out of scope as well: an official of another province should not
    # learn which exams exist here.
    if exam is None or not may_manage(request.user, exam):
        raise Http404(
            "没有该考试，或该考试不在您的管理范围内。请检查考试标识（如 liaoning-2022）。"
        )
    return exam


def _job_fields(job, url: str) -> dict:
    return {
        "id": job.uuid,
        "status": job.status,
        "done": job.done_count,
        "total": job.total_count,
        "problems": job.problem_count,
        "message": job.message,
        "status_url": url,
    }


def _accepted(body: dict) -> Response:
    response = Response(body, status=status.HTTP_202_ACCEPTED)
    response["Location"] = body["status_url"]
    return response


class ImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="导入报名数据（后台任务）",
        request={"multipart/form-data": s.ImportRequestSerializer},
        responses={
            202: s.ImportJobSerializer,
            404: NOT_FOUND,
            400: s.ErrorSerializer,
            413: s.ErrorSerializer,
            **DENIED,
        },
        description="文件保存后立即返回 202 和任务地址（Location）；后台逐行校验并导入，"
        "任何一行有问题则整个文件不导入，除非 good_only；dry_run 只校验。"
        "用 GET 任务地址查看进度和结果。重复导入同一文件不会改变任何数据。",
    )
    def post(self, request, exam: str):
        exam_obj = _exam(request, exam)
        form = s.ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            return Response(
                {"detail": "文件超过 50 MB，请分批导入。"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        if not (upload.name or "").lower().endswith((".xlsx", ".xls", ".csv")):
            raise ValidationError(
                {"file": ["只能导入 .xlsx、.xls 或 .csv 文件，请从报名系统导出为其中一种格式。"]}
            )
        mode = (
            ImportJob.Mode.DRY_RUN
            if form.validated_data["dry_run"]
            else ImportJob.Mode.GOOD_ONLY
            if form.validated_data["good_only"]
            else ImportJob.Mode.ALL
        )
        job = request_import(
            user=request.user,
            exam=exam_obj,
            upload=upload,
            mode=mode,
            request=request,
            source=ImportRun.Source.API,
        )
        return _accepted(_import_body(job, after=0))


def _import_body(job: ImportJob, *, after: int) -> dict:
    problems = list(job.problems.filter(line__gte=after).order_by("line", "id")[: ERRORS_PAGE + 1])
    return {
        **_job_fields(job, reverse("api:import_job", args=[job.uuid])),
        "report": job.report,
        "errors": [
            {"line": p.line, "column": p.column, "code": p.code, "message": p.message}
            for p in problems[:ERRORS_PAGE]
        ],
        "errors_next_after": problems[ERRORS_PAGE].line if len(problems) > ERRORS_PAGE else None,
    }


ERRORS_PAGE = 2000


class ImportJobView(APIView):
    @extend_schema(
        summary="导入任务的进度与结果",
        parameters=[OpenApiParameter("after", OpenApiTypes.INT)],
        responses={200: s.ImportJobSerializer, 404: NOT_FOUND, **DENIED},
    )
    def get(self, request, job_uuid):
        job = ImportJob.objects.select_related("exam").filter(uuid=job_uuid).first()
        if job is None or not may_manage(request.user, job.exam):
            raise Http404("没有该导入任务，或它不在您的管理范围内。")
        try:
            after = max(0, int(request.query_params.get("after", 0)))
        except ValueError:
            raise ValidationError({"after": ["after 应为行号（整数）。"]}) from None
        return Response(_import_body(job, after=after))


def _export_body(job: ExportJob) -> dict:
    return {
        **_job_fields(job, reverse("api:export_job", args=[job.uuid])),
        "download_url": reverse("api:export_file", args=[job.uuid])
        if job.status == ExportJob.Status.DONE
        else None,
        "expires_at": job.expires_at,
    }


def _own_export(request, job_uuid) -> ExportJob:
    try:
        return job_for(user=request.user, job_uuid=job_uuid)
    except ExportJob.DoesNotExist:
        raise Http404("没有该导出任务（导出文件只对申请导出的令牌所属用户可见）。") from None


class ExportJobView(APIView):
    @extend_schema(
        summary="导出任务的进度",
        responses={200: s.ExportJobSerializer, 404: NOT_FOUND, **DENIED},
    )
    def get(self, request, job_uuid):
        return Response(_export_body(_own_export(request, job_uuid)))


class ExportFileView(APIView):
    @extend_schema(
        summary="下载导出文件（记入审计日志）",
        responses={
            200: OpenApiResponse(description="文件（.csv 或 .xlsx）"),
            404: NOT_FOUND,
            409: s.ErrorSerializer,
            410: s.ErrorSerializer,
            **DENIED,
        },
    )
    def get(self, request, job_uuid):
        try:
            return download_response(user=request.user, job_uuid=job_uuid, request=request)
        except ExportJob.DoesNotExist:
            raise Http404("没有该导出任务。") from None
        except ExportUnavailable as exc:
            return Response({"detail": exc.message}, status=exc.status)


class ApplicationView(APIView):
    @extend_schema(
        summary="查询考生的审核状态与原因",
        responses={200: s.ApplicationStateSerializer, 404: NOT_FOUND, **DENIED},
    )
    def get(self, request, exam: str, registration_no: str):
        exam_obj = _exam(request, exam)
        application = (
            applications_for(exam=exam_obj, user=request.user)
            .select_related("candidate", "candidate__exam_site")
            .filter(candidate__registration_no=registration_no)
            .first()
        )
        if application is None:
            raise Http404("没有该报名号的考生，请核对报名号。")
        candidate = application.candidate
        return Response(
            s.ApplicationStateSerializer(
                {
                    "registration_no": candidate.registration_no,
                    "name": candidate.name,
                    "id_number_masked": candidate.masked_id_number,
                    "exam_site": candidate.exam_site.name,
                    "state": application.state,
                    "state_label": application.get_state_display(),
                    "route": application.route,
                    "rule": application.rule_code,
                    "reasons": reasons_by_application([application.pk]).get(application.pk, []),
                    "first_submitted_at": application.first_submitted_at,
                    "submitted_at": application.submitted_at,
                    "decided_at": application.decided_at,
                }
            ).data
        )


class ResultsView(APIView):
    @extend_schema(
        summary="导出审核结果",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"]),
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                many=True,
                enum=[value for value, _ in s.Application.State.choices],
            ),
            OpenApiParameter("after", OpenApiTypes.STR),
            OpenApiParameter("limit", OpenApiTypes.INT),
        ],
        responses={
            200: OpenApiResponse(s.ResultsPageSerializer, description="JSON 分页"),
            202: OpenApiResponse(
                s.ExportJobSerializer,
                description="format=csv/xlsx：文件由后台生成，返回导出任务（Location 为其地址）",
            ),
            400: OpenApiResponse(description="参数无效"),
            404: NOT_FOUND,
            **DENIED,
        },
    )
    def get(self, request, exam: str):
        exam_obj = _exam(request, exam)
        query = s.ResultsQuerySerializer(
            data={
                "format": request.query_params.get("format", "json"),
                "state": request.query_params.getlist("state"),
                "after": request.query_params.get("after", ""),
                "limit": request.query_params.get("limit", 500),
            }
        )
        if not query.is_valid():
            raise ValidationError(query.errors)
        params = query.validated_data
        states = sorted(params.get("state") or [])
        if params["format"] != "json":
            # Files are written by a worker: 202 with the export's address (Location).
            job = request_export(
                user=request.user,
                kind=ExportJob.Kind.RESULTS,
                fmt=params["format"],
                exam=exam_obj,
                params={"states": states},
                request=request,
                source="api",
            )
            return _accepted(_export_body(job))
        rows = []
        limit = params["limit"]
        after = params.get("after") or ""
        if not after:
            # One audit entry per full read, not one per page.
            record(
                action="results.exported",
                actor=request.user,
                request=request,
                target=f"exam:{exam_obj.slug}",
                summary="通过接口读取审核结果（json）",
                data={"format": "json", "states": states, "source": "api"},
            )
        for row in result_rows(
            exam=exam_obj, user=request.user, states=states, chunk=limit + 1, after=after
        ):
            rows.append(row)
            if len(rows) > limit:
                break
        next_after = rows[limit - 1]["registration_no"] if len(rows) > limit else None
        return Response({"results": rows[:limit], "next_after": next_after})
