"""The trial-period editor's form: one row per segment, blank rows ignored."""

from __future__ import annotations

from django import forms

from .services import MAX_INSTITUTION_LENGTH, MAX_SEGMENTS


class SegmentForm(forms.Form):
    institution = forms.CharField(
        label="试用机构",
        max_length=MAX_INSTITUTION_LENGTH,
        error_messages={"required": "请填写试用机构名称", "max_length": "试用机构名称过长"},
    )
    start = forms.DateField(
        label="开始日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写开始日期",
            "invalid": "开始日期格式不对，请按 年-月-日 填写",
        },
    )
    end = forms.DateField(
        label="结束日期（不含当天）",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写结束日期",
            "invalid": "结束日期格式不对，请按 年-月-日 填写",
        },
    )
    status = forms.ChoiceField(
        label="状态",
        choices=[("completed", "已完成"), ("pledged", "待完成（承诺）")],
        initial="completed",  # so an untouched blank row counts as unchanged
        error_messages={"required": "请选择状态", "invalid_choice": "状态只能是已完成或待完成"},
    )

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "结束日期必须晚于开始日期")
        return data


SegmentFormSet = forms.formset_factory(
    SegmentForm,
    extra=2,
    can_delete=True,
    max_num=MAX_SEGMENTS,
    validate_max=True,
    absolute_max=MAX_SEGMENTS + 2,
)


def initial_from(segments) -> list[dict]:
    return [
        {
            "institution": s.get("institution", ""),
            "start": s.get("start"),
            "end": s.get("end"),
            "status": s.get("status", "completed"),
        }
        for s in segments or []
    ]


def segments_from(formset) -> list[dict]:
    return [
        {
            "institution": form.cleaned_data["institution"],
            "start": form.cleaned_data["start"].isoformat(),
            "end": form.cleaned_data["end"].isoformat(),
            "status": form.cleaned_data["status"],
        }
        for form in formset.forms
        # Untouched blank rows have empty cleaned_data; deleted rows are dropped.
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
