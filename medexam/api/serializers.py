from rest_framework import serializers

from medexam.exports import FORMATS
from medexam.materials.models import Application


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="报名数据文件（.xlsx、.xls 或 .csv，第 1 行为表头）")
    dry_run = serializers.BooleanField(default=False, help_text="只校验，不写入")
    good_only = serializers.BooleanField(default=False, help_text="只导入无问题的行")


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="文件行号（表头为第 1 行；0 表示整个文件）")
    column = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    run_id = serializers.IntegerField(allow_null=True)
    applied = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    good_only = serializers.BooleanField()
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField()
    summary = serializers.CharField()
    # The report's field is named "errors" as the API documents it; it shadows the
    # serializer's own `errors` property, which this output-only serializer never uses.
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]
    changes = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(allow_null=True)),
        help_text="报名号 → {字段: [原值, 新值]}（证件号码、手机号码已脱敏）",
    )


class ApplicationStateSerializer(serializers.Serializer):
    registration_no = serializers.CharField()
    name = serializers.CharField()
    id_number_masked = serializers.CharField(help_text="脱敏后的证件号码")
    exam_site = serializers.CharField()
    state = serializers.ChoiceField(choices=Application.State.choices)
    state_label = serializers.CharField()
    route = serializers.CharField(allow_blank=True)
    rule = serializers.CharField(allow_blank=True)
    reasons = serializers.ListField(child=serializers.CharField())
    first_submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class ResultsQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", *sorted(FORMATS)], default="json")
    state = serializers.MultipleChoiceField(choices=Application.State.choices, required=False)
    after = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="JSON 分页：上一页最后一个报名号"
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=500)


class ResultRowSerializer(serializers.Serializer):
    registration_no = serializers.CharField()
    name = serializers.CharField()
    exam_site = serializers.CharField()
    exam_category = serializers.CharField()
    state = serializers.CharField()
    state_code = serializers.CharField()
    route = serializers.CharField()
    rule = serializers.CharField()
    reasons = serializers.CharField()
    first_submitted_at = serializers.CharField()
    submitted_at = serializers.CharField()
    decided_at = serializers.CharField()


class ResultsPageSerializer(serializers.Serializer):
    results = ResultRowSerializer(many=True)
    next_after = serializers.CharField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="任务标识")
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed", "expired"])
    done = serializers.IntegerField(help_text="已处理的行数")
    total = serializers.IntegerField(help_text="预计行数（0 表示尚不知道）")
    problems = serializers.IntegerField(help_text="已发现的问题数")
    message = serializers.CharField(allow_blank=True, help_text="结果摘要或失败原因")
    status_url = serializers.CharField()


class ImportJobSerializer(JobSerializer):
    report = serializers.DictField(help_text="导入完成后：applied、created、updated…")
    # The API's field is called "errors"; this class only documents the schema (responses
    # are built as dicts in api.views), so shadowing Serializer.errors is harmless here.
    errors = RowErrorSerializer(many=True, help_text="有问题的行（每页最多 2000 条）")  # type: ignore[assignment]
    errors_next_after = serializers.IntegerField(
        allow_null=True, help_text="还有更多问题时：下一页请加 ?after=该行号"
    )


class ExportJobSerializer(JobSerializer):
    download_url = serializers.CharField(allow_null=True, help_text="完成后下载文件的地址")
    expires_at = serializers.DateTimeField(allow_null=True)
