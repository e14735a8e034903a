"""One evaluation from a candidate profile (SPEC §6) to the matched review route (附件1) and a
personalised checklist (SPEC §3), each decision with its reason in Chinese.

`evaluate` is pure, total and deterministic: every profile, however incomplete or wrong,
gives an answer; what cannot be decided is reported as "check" with the missing fields
named. The pages, the reviewer view and `review_route` all call this one function.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .conditions import Context, evaluate_condition, field_value, parse_date
from .trial import TrialCheck, check_trial_period, segment_problem

if TYPE_CHECKING:
    from medexam.candidates.models import Candidate

# The profile fields of a rules file: name -> {type, label, choices...}.
Fields = Mapping[str, Mapping[str, Any]]

REQUIRED = "required"
RECOMMENDED = "recommended"
OPTIONAL = "optional"
NOT_APPLICABLE = "not_applicable"
CHECK = "check"


@dataclass(frozen=True)
class ItemVerdict:
    status: str  # "required" | "recommended" | "optional" | "not_applicable" | "check"
    reason: str  # Chinese, e.g. "您的最高学历为本科，本科及以上学历必须上传学位证书"


@dataclass(frozen=True)
class Evaluation:
    rule_code: str  # "R7"
    rule_wording: str  # source wording of the matched row
    route: str  # "online" | "offline"
    route_label: str  # 线上审核 / 线下审核
    route_note: str  # the row's 备注 from 附件1
    items: dict[str, ItemVerdict]  # every catalog code, in catalog order
    trial_period: TrialCheck | None  # None when the profile has no trial_segments
    # Profile fields an earlier route row needed but the profile lacked: the route was decided
    # on what is known, and `notice` says so in Chinese ("" when nothing was missing).
    missing_fields: tuple[str, ...] = ()
    notice: str = ""

    def codes_with(self, status: str) -> list[str]:
        return sorted(code for code, verdict in self.items.items() if verdict.status == status)

    @property
    def required(self) -> list[str]:
        return self.codes_with(REQUIRED)

    @property
    def recommended(self) -> list[str]:
        return self.codes_with(RECOMMENDED)


def evaluate(rules: Mapping[str, Any], profile: Mapping[str, Any]) -> Evaluation:
    fields = rules["profile_fields"]
    labels = rules["labels"]
    ctx = Context(profile=profile, fields=fields)

    route_missing: set[str] = set()
    row = rules["routes"][-1]  # validated to be the {always: true} catch-all
    for candidate_row in rules["routes"]:
        ctx.missing = set()
        matched = evaluate_condition(candidate_row["when"], ctx)
        if matched:
            row = candidate_row
            break
        if matched is None:
            # [decision] An undecidable row does not match: the route falls to a later row
            # (ultimately the offline catch-all, which asks for everything) and the notice
            # tells the candidate which registration fields to complete.
            route_missing |= ctx.missing
    ctx.rule_code = row["code"]

    items: dict[str, ItemVerdict] = {}
    for item in rules["items"]:
        verdict = _item_verdict(item, ctx, fields, labels)
        if row.get("waive_requirements") and verdict.status != NOT_APPLICABLE:
            verdict = ItemVerdict(OPTIONAL, _render(row["waiver_reason"], profile, fields))
        ctx.item_statuses[item["code"]] = verdict.status
        items[item["code"]] = verdict

    trial = None
    if "trial_segments" in profile:
        trial = check_trial_period(rules["trial_period"], profile["trial_segments"])

    missing = tuple(name for name in fields if name in route_missing)
    notice = ""
    if missing:
        notice = labels["route_unknown_note"].format(fields=_field_labels(missing, fields))
    return Evaluation(
        rule_code=row["code"],
        rule_wording=row["wording"],
        route=row["route"],
        route_label=labels["routes"][row["route"]],
        route_note=row["note"],
        items=items,
        trial_period=trial,
        missing_fields=missing,
        notice=notice,
    )


def _item_verdict(
    item: Mapping[str, Any], ctx: Context, fields: Fields, labels: Mapping[str, str]
) -> ItemVerdict:
    for case in item["requirement"]["cases"]:
        ctx.missing = set()
        holds = evaluate_condition(case["when"], ctx)
        if holds:
            return ItemVerdict(case["status"], _render(case["reason"], ctx.profile, fields))
        if holds is None:
            ctx.item_missing[item["code"]] = set(ctx.missing)
            names = [name for name in fields if name in ctx.missing]
            return ItemVerdict(
                CHECK, labels["check_reason"].format(fields=_field_labels(names, fields))
            )
    otherwise = item["requirement"]["otherwise"]
    return ItemVerdict(otherwise["status"], _render(otherwise["reason"], ctx.profile, fields))


def _field_labels(names: Iterable[str], fields: Fields) -> str:
    return "、".join(fields[name]["label"] for name in names) or "相关信息"


def _render(template: str, profile: Mapping[str, Any], fields: Fields) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not names:
        return template
    return template.format_map({name: _display(fields[name], profile.get(name)) for name in names})


def _display(spec: Mapping[str, Any], value: Any) -> str:
    if value is None or value == "":
        return "未填写"
    if spec["type"] == "choice":
        return str(spec["choices"].get(value, str(value)))
    if spec["type"] == "bool":
        return "是" if value is True else "否"
    if spec["type"] == "year_list" and isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


# --- profiles -----------------------------------------------------------------------------


def profile_from_candidate(candidate: Candidate) -> dict[str, Any]:
    """The SPEC §6 profile of a Candidate row, JSON-safe (dates as ISO strings)."""
    graduation = candidate.graduation_date
    return {
        "military": candidate.military,
        "passed_review_years": list(candidate.passed_review_years or []),
        "education_level": candidate.education_level,
        "education_type": candidate.education_type,
        "graduation_date": graduation.isoformat() if graduation else None,
        "chsi_verifiable": candidate.chsi_verifiable,
        "postgraduate_in_school": candidate.postgraduate_in_school,
        "graduating_this_year": candidate.graduating_this_year,
        "assistant_upgrade": candidate.assistant_upgrade,
        "extra_exam": candidate.extra_exam or None,  # the model stores "" for none
        "residency": candidate.residency,
        "institution_lacks_subject": candidate.institution_lacks_subject,
        "major": candidate.major,
        "trial_segments": list(candidate.trial_segments or []),
    }


class ProfileError(ValueError):
    """A profile field that is unknown or holds a bad value; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"字段 {field}：{reason}")
        self.field = field
        self.reason = reason


def validate_profile(rules: Mapping[str, Any], profile: Any) -> None:
    """Strict check for profiles given by hand (the `review_route` command, imports).

    Missing fields are allowed (they become "check"); unknown fields and bad values are not.
    """
    if not isinstance(profile, Mapping):
        raise ProfileError("(整体)", "报名信息必须是一个 JSON 对象")
    fields = rules["profile_fields"]
    for name, value in profile.items():
        if name not in fields:
            raise ProfileError(name, f"未知字段（可用字段：{', '.join(fields)}）")
        spec = fields[name]
        if spec["type"] == "trial_segments":
            if not isinstance(value, list):
                raise ProfileError(name, "需要列表，每段为 {start, end, status}")
            for index, entry in enumerate(value):
                problem = segment_problem(entry)
                if problem:
                    raise ProfileError(f"{name}[{index}]", problem)
                extra = set(entry) - {"start", "end", "status", "institution"}
                if extra:
                    raise ProfileError(f"{name}[{index}]", f"未知的键 {sorted(extra)[0]}")
            continue
        if value is None and spec.get("nullable"):
            continue
        known, _ = field_value(Context(profile={name: value}, fields=fields), name)
        if not known:
            raise ProfileError(name, _expected(spec, value))


def _expected(spec: Mapping[str, Any], value: Any) -> str:
    ftype = spec["type"]
    got = f"，得到 {value!r}"
    if ftype == "bool":
        return "需要 true 或 false" + got
    if ftype == "choice":
        return f"取值只能是：{', '.join(spec['choices'])}" + got
    if ftype == "date":
        return "需要 YYYY-MM-DD 格式的日期" + ("或 null" if spec.get("nullable") else "") + got
    if ftype == "year_list":
        return "需要年份列表，如 [2020, 2021]" + got
    return "需要文本" + got


__all__ = [
    "CHECK",
    "NOT_APPLICABLE",
    "OPTIONAL",
    "RECOMMENDED",
    "REQUIRED",
    "Evaluation",
    "ItemVerdict",
    "ProfileError",
    "TrialCheck",
    "evaluate",
    "parse_date",
    "profile_from_candidate",
    "validate_profile",
]
