"""The registration system's API: the same services as the pages, behind bearer tokens."""

from django.http import Http404, HttpResponse
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
from medexam.candidates.models import ImportRun
from medexam.candidates.services import import_candidates
from medexam.exports import (
    applications_for,
    export_results,
    reasons_by_application,
    result_rows,
)
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


class ImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="导入报名数据",
        request={"multipart/form-data": s.ImportRequestSerializer},
        responses={
            201: s.ImportReportSerializer,
            200: s.ImportReportSerializer,
            422: s.ImportReportSerializer,
            404: NOT_FOUND,
            400: s.ErrorSerializer,
            413: s.ErrorSerializer,
            **DENIED,
        },
        description="逐行校验；任何一行有问题则整个文件不导入（422），除非 good_only。"
        "dry_run 只校验（200）。导入成功返回 201。重复导入同一文件不会改变任何数据。",
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
        report = import_candidates(
            exam=exam_obj,
            data=upload.read(),
            filename=upload.name or "",
            actor=request.user,
            request=request,
            source=ImportRun.Source.API,
            dry_run=form.validated_data["dry_run"],
            good_only=form.validated_data["good_only"],
        )
        code = (
            status.HTTP_201_CREATED
            if report.applied
            else status.HTTP_200_OK
            if report.dry_run
            else status.HTTP_422_UNPROCESSABLE_ENTITY
        )
        return Response(report.as_dict(), status=code)


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
            200: OpenApiResponse(
                s.ResultsPageSerializer, description="JSON 分页；format=csv/xlsx 时返回文件"
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
            result = export_results(
                exam=exam_obj,
                fmt=params["format"],
                user=request.user,
                states=states,
                request=request,
                source="api",
            )
            response = HttpResponse(result.content, content_type=result.content_type)
            response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            return response
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
