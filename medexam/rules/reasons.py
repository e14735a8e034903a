"""The reviewer's reasons for "please replace this image", per item, from the exam's data
file: an institution licence offers 正本而非副本 and 机构名称不一致, an ID card 证件过期 and
非本人, and every item ends with 其他 (free text required). A file without
`replacement_reasons` offers the product's default list for every item."""

from __future__ import annotations

from typing import Any

from medexam.materials.models import ReplacementReason

DEFAULT = [
    ReplacementReason.UNCLEAR,
    ReplacementReason.INCOMPLETE,
    ReplacementReason.ORIENTATION,
    ReplacementReason.MISMATCH,
    ReplacementReason.EXPIRED,
    ReplacementReason.NO_SEAL,
    ReplacementReason.WRONG_MATERIAL,
    ReplacementReason.ORIGINAL_NOT_COPY,
    ReplacementReason.OTHER,
]


def catalog(exam) -> dict[str, str]:
    """code → Chinese label for every reason the exam's file declares (or the default)."""
    declared = (exam.rules or {}).get("replacement_reasons")
    if declared:
        return dict(declared)
    return {str(r.value): str(r.label) for r in DEFAULT}


def for_item(exam, item_code: str) -> list[tuple[str, str]]:
    """The (code, label) choices a reviewer gets for one item, 其他 last."""
    labels = catalog(exam)
    items: list[dict[str, Any]] = (exam.rules or {}).get("items", [])
    item: dict[str, Any] = next((i for i in items if i["code"] == item_code), {})
    codes = item.get("replacement_reasons") or list(labels)
    codes = [c for c in codes if c != ReplacementReason.OTHER] + [ReplacementReason.OTHER.value]
    return [(c, labels.get(c) or label(exam, c)) for c in codes]


def label(exam, code: str) -> str:
    """The Chinese label of a reason code: the exam file's wording, else the shipped one
    (`exam` None: statistics across exams)."""
    if not code:
        return ""
    rules = (exam.rules or {}) if exam is not None else {}
    declared = (rules.get("replacement_reasons") or {}).get(code)
    if declared:
        return declared
    try:
        return str(ReplacementReason(code).label)
    except ValueError:
        return code


def is_allowed(exam, item_code: str, code: str) -> bool:
    return code in {c for c, _ in for_item(exam, item_code)}
