from django import forms

from medexam.exports import FORMATS
from medexam.rules.models import Exam

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportForm(forms.Form):
    MODES = [
        ("dry_run", "试导入：只校验并报告，不写入任何数据"),
        ("all", "导入：任何一行有问题则全部不导入"),
        ("good_only", "只导入无问题的行，有问题的行跳过并列出"),
    ]
    exam = forms.ModelChoiceField(
        queryset=Exam.objects.none(),  # set per user in __init__
        label="考试",
        empty_label=None,
        error_messages={"invalid_choice": "请选择您管理范围内的考试。"},
    )
    file = forms.FileField(
        label="报名数据文件（.xlsx、.xls 或 .csv）",
        error_messages={
            "required": "请选择要导入的文件。",
            "empty": "文件是空的，请重新导出后再选择。",
        },
    )
    mode = forms.ChoiceField(
        choices=MODES, initial="dry_run", widget=forms.RadioSelect, label="导入方式"
    )

    def exam_field(self) -> forms.ModelChoiceField:
        field = self.fields["exam"]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def __init__(self, *args, exams, **kwargs):
        super().__init__(*args, **kwargs)
        self.exam_field().queryset = exams

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件超过 50 MB，请分批导入。")
        if not upload.name.lower().endswith((".xlsx", ".xls", ".csv")):
            raise forms.ValidationError(
                "只能导入 .xlsx、.xls 或 .csv 文件，请从报名系统导出为其中一种格式。"
            )
        return upload


class ExportForm(forms.Form):
    exam = forms.ModelChoiceField(
        queryset=Exam.objects.none(),  # set per user in __init__
        label="考试",
        empty_label=None,
        error_messages={"invalid_choice": "请选择您管理范围内的考试。"},
    )
    format = forms.ChoiceField(
        choices=[(f, f".{f}") for f in sorted(FORMATS, reverse=True)], label="格式"
    )

    def exam_field(self) -> forms.ModelChoiceField:
        field = self.fields["exam"]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def __init__(self, *args, exams, **kwargs):
        super().__init__(*args, **kwargs)
        self.exam_field().queryset = exams
