"""The reviewer's forms: what each page posts, validated field by field.

The forms check the input itself (a choice that exists, a number, a length); the services
check the rules that depend on the application (its state, version, claim, route, which
images exist) and the rules of an outcome (a rejection needs its reason). A service's
refusal that names a field (`DomainError.field`) is added to that field of the form that
asked (`medexam.refusals.add_to_form`), so every error can be shown beside its input.

Field names of the decision form carry the image's uuid or the item's code, as the page
renders them: `verdict-<uuid>` ("ok" / "replace"), `reason-<uuid>`, `note-<uuid>` per image;
`add-<code>`, `reason-item-<code>`, `note-item-<code>` per item; then `outcome`, `reason`
and the page's `version`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from medexam.accounts.models import User
from medexam.materials.models import ReplacementReason, UploadedImage
from medexam.review.models import Decision, PhoneCall
from medexam.review.services import DECISIONS, Flag
from medexam.rules.models import MaterialItem

REASON_CHOICES = [("", "选择原因"), *ReplacementReason.choices]
PICK_A_REASON = "请为每一项需要更换的材料选择一个原因（如不清晰、不完整、证件过期等）。"
PICK_AN_OUTCOME = "请选择一个审核结论：审核通过、要求更换/补充材料、不符合报名条件或待现场审核。"
# An online-route candidate has no on-site check: the error must not offer one.
PICK_AN_ONLINE_OUTCOME = "请选择一个审核结论：审核通过、要求更换/补充材料或不符合报名条件。"
MARK_EVERY_IMAGE = "审核通过前，请标记这张图片：合格，或需更换（并选择原因）。"
OUTCOME_CHOICES = [(o.value, o.label) for o in Decision.Outcome if o.value in DECISIONS]
# A reviewer's proposed fix for a sideways or upside-down picture (a new turned version).
ROTATE_CHOICES = [(0, "不旋转"), (90, "顺时针转 90°"), (180, "转 180°"), (270, "逆时针转 90°")]


class _VersionedForm(forms.Form):
    """The application's version the page was rendered with: a decision from a stale page
    is refused by the service (a missing or garbled version counts as stale)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DecisionForm(_VersionedForm):
    outcome = forms.ChoiceField(
        label="审核结论",
        choices=OUTCOME_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": PICK_AN_OUTCOME, "invalid_choice": PICK_AN_OUTCOME},
    )
    reason = forms.CharField(
        label="审核意见（会发送给考生）", required=False, max_length=1000, widget=forms.Textarea
    )

    def __init__(
        self,
        data: Any = None,
        *,
        images: Iterable[UploadedImage],
        items: Iterable[MaterialItem],
        route: str = "offline",
        **kwargs: Any,
    ):
        super().__init__(data, **kwargs)
        if route != "offline":
            outcome = self.fields["outcome"]
            assert isinstance(outcome, forms.ChoiceField)
            outcome.choices = [c for c in OUTCOME_CHOICES if c[0] != Decision.Outcome.ONSITE]
            self.fields["outcome"].error_messages.update(
                required=PICK_AN_ONLINE_OUTCOME, invalid_choice=PICK_AN_ONLINE_OUTCOME
            )
        self.image_uuids = [str(image.uuid) for image in images]
        self.item_codes = [item.code for item in items]
        for uuid in self.image_uuids:
            flag = Flag(reason="", image_uuid=uuid)
            self.fields[f"verdict-{uuid}"] = forms.ChoiceField(
                # No default verdict: every image is marked by the reviewer (issue 19).
                choices=[("ok", "合格"), ("replace", "需更换")],
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[flag.field("reason")] = _reason_field()
            self.fields[flag.field("note")] = _note_field()
            self.fields[f"rotate-{uuid}"] = forms.TypedChoiceField(
                choices=ROTATE_CHOICES, coerce=int, required=False, empty_value=None
            )
        for code in self.item_codes:
            flag = Flag(reason="", item_code=code)
            self.fields[f"add-{code}"] = forms.BooleanField(required=False, label="需补充上传")
            self.fields[flag.field("reason")] = _reason_field()
            self.fields[flag.field("note")] = _note_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for flag in self._flags(cleaned):
            if not flag.reason:
                self.add_error(flag.field("reason"), PICK_A_REASON)
        for uuid in self.image_uuids:
            if cleaned.get(f"rotate-{uuid}") and cleaned.get(f"verdict-{uuid}") != "replace":
                self.add_error(
                    f"rotate-{uuid}", "建议转正时，请把这张图片标为“需更换”（原因可选“方向不正”）。"
                )
        if cleaned.get("outcome") == Decision.Outcome.APPROVE:
            for uuid in self.image_uuids:
                if not cleaned.get(f"verdict-{uuid}"):
                    self.add_error(f"verdict-{uuid}", MARK_EVERY_IMAGE)
        return cleaned

    def _flags(self, cleaned: dict[str, Any]) -> list[Flag]:
        flags = []
        for uuid in self.image_uuids:
            if cleaned.get(f"verdict-{uuid}") == "replace":
                flag = Flag(reason="", image_uuid=uuid)
                flags.append(_with_input(flag, cleaned))
        for code in self.item_codes:
            if cleaned.get(f"add-{code}"):
                flags.append(_with_input(Flag(reason="", item_code=code), cleaned))
        return flags

    def decision(self) -> dict[str, Any]:
        """The validated input as `services.decide` takes it."""
        data = self.cleaned_data
        return {
            "version": data["version"],
            "outcome": data["outcome"],
            "reason": data["reason"],
            "flags": self._flags(data),
            # Every image's mark, recorded with the decision (who judged what).
            "verdicts": {u: data.get(f"verdict-{u}") or "" for u in self.image_uuids},
        }


def _with_input(flag: Flag, cleaned: dict[str, Any]) -> Flag:
    return Flag(
        reason=cleaned.get(flag.field("reason")) or "",
        note=cleaned.get(flag.field("note")) or "",
        image_uuid=flag.image_uuid,
        item_code=flag.item_code,
        rotate=(cleaned.get(f"rotate-{flag.image_uuid}") or 0) if flag.image_uuid else 0,
    )


def _reason_field(initial: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=REASON_CHOICES,
        required=False,
        initial=initial,
        error_messages={"invalid_choice": PICK_A_REASON},
    )


def _note_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=500,
        error_messages={"max_length": "说明最多 500 字，请精简后再提交。"},
    )


class OnsiteCheckForm(_VersionedForm):
    passed = forms.TypedChoiceField(
        choices=[("1", "原件核对无误，现场审核通过"), ("0", "现场审核不通过（必须填写理由）")],
        coerce=lambda value: value == "1",
        required=False,  # as the page always sent it; without it, "not passed"
        empty_value=None,
        initial="1",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "请选择现场审核结果。"},
    )
    note = forms.CharField(label="说明", required=False, max_length=500, widget=forms.Textarea)

    def clean_passed(self) -> bool:
        return bool(self.cleaned_data.get("passed"))


class ReopenForm(_VersionedForm):
    # Required-ness is the service's rule (REASON_REQUIRED, beside this field).
    reason = forms.CharField(
        label="改判理由（必填，会发送给考生）",
        required=False,
        max_length=500,
        widget=forms.Textarea,
    )


class PhoneCallForm(forms.Form):
    outcome = forms.ChoiceField(
        label="通话结果",
        choices=PhoneCall.Outcome.choices,
        error_messages={
            "required": "请选择通话结果（已接通并告知、无人接听、号码错误或其他）。",
            "invalid_choice": "请选择通话结果（已接通并告知、无人接听、号码错误或其他）。",
        },
    )
    note = forms.CharField(label="说明", required=False, max_length=500)


class ReassignForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label="分配给",
        # Any account: whether it may take this application is the service's rule.
        queryset=User.objects.all(),
        error_messages={
            "required": "请选择要分配给的审核人员。",
            "invalid_choice": "请选择要分配给的审核人员。",
        },
    )


# --- what the page needs to show a decision form again ------------------------------------


def image_fields(form: DecisionForm, uuid) -> dict[str, forms.BoundField]:
    return {
        "verdict": form[f"verdict-{uuid}"],
        "reason": form[f"reason-{uuid}"],
        "note": form[f"note-{uuid}"],
        "rotate": form[f"rotate-{uuid}"],
    }


def item_fields(form: DecisionForm, code: str) -> dict[str, forms.BoundField]:
    return {
        "add": form[f"add-{code}"],
        "reason": form[f"reason-item-{code}"],
        "note": form[f"note-item-{code}"],
    }


def _anchor(name: str) -> str:
    """The element an error in the summary links to (the page's own ids)."""
    if name.startswith("verdict-"):
        return f"image-{name[len('verdict-') :]}"
    if name == "outcome":
        return "outcome-approve"
    if name == "reason":
        return "decision-reason"
    return name  # reason-<uuid>, note-<uuid>, reason-item-<code>, …: the inputs' ids


def _subject(name: str, labels: dict[str, str]) -> str:
    """Which image or item an error is about ('身份证明（反面）'), from its field's name."""
    for prefix in ("verdict-", "reason-item-", "note-item-", "reason-", "note-", "rotate-"):
        if name.startswith(prefix):
            return labels.get(name[len(prefix) :], "")
    return ""


def error_summary(
    form: DecisionForm, labels: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """(anchor, message) for the GOV.UK error summary, in the page's order; each message
    names its image or item (`labels`: image uuid or item code → '身份证明（反面）')."""
    labels = labels or {}
    if not form.is_bound or not form.errors:
        return []
    entries = [("decision-title", str(e)) for e in form.non_field_errors()]
    last = ("outcome", "reason", "version")  # the decision itself comes after the images
    names = [n for n in form.fields if n not in last] + [n for n in last if n in form.fields]
    for name in names:
        for message in form.errors.get(name, []):
            subject = _subject(name, labels)
            entries.append((_anchor(name), f"{subject}：{message}" if subject else str(message)))
    return entries
