"""The condition language of the rule files: validation (at load time) and three-valued
evaluation (at evaluation time).

A condition is a small mapping (see the header of medexam/rules/data/liaoning-2022.yaml):
``{field: F, <op>: V}``, ``{rule_in: [...]}``, ``{item: CODE, status_in: [...]}``,
``{all: [...]}``, ``{any: [...]}``, ``{not: C}``, ``{always: true}``.

Evaluation is Kleene logic: a comparison on a field the profile lacks (or holds a value of the
wrong shape) is *unknown* (None), so the checklist can say "check whether this applies to you"
instead of silently dropping an item (SPEC §6).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

FIELD_OPS = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "contains_any")
ORDERED_OPS = ("lt", "lte", "gt", "gte")
FIELD_TYPES = ("bool", "year_list", "choice", "date", "text", "trial_segments")
STATUSES = ("required", "recommended", "optional", "not_applicable", "check")


class ConditionError(ValueError):
    """A malformed condition; `path` is relative to the condition's own position."""

    def __init__(self, path: tuple[str | int, ...], reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def parse_date(value: Any) -> datetime.date | None:
    """An ISO date (or date object) as a date; None for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


# --- validation ---------------------------------------------------------------------------


def validate_condition(
    cond: Any,
    *,
    fields: Mapping[str, Mapping[str, Any]],
    route_codes: frozenset[str] | None,
    earlier_items: frozenset[str] | None,
    path: tuple[str | int, ...] = (),
) -> None:
    """Raise ConditionError for anything that is not a well-formed condition over `fields`.

    `route_codes` None: `rule_in` is not allowed (route rows cannot depend on the route);
    `earlier_items` None: `item` references are not allowed.
    """
    if not isinstance(cond, Mapping) or not cond:
        raise ConditionError(path, "条件必须是非空的映射（如 {field: military, eq: true}）")
    keys = set(cond)
    if keys == {"always"}:
        if cond["always"] is not True:
            raise ConditionError(path + ("always",), "always 只能写 true")
        return
    if keys in ({"all"}, {"any"}):
        (op,) = keys
        parts = cond[op]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(path + (op,), f"{op} 必须是非空的条件列表")
        for index, part in enumerate(parts):
            validate_condition(
                part,
                fields=fields,
                route_codes=route_codes,
                earlier_items=earlier_items,
                path=path + (op, index),
            )
        return
    if keys == {"not"}:
        validate_condition(
            cond["not"],
            fields=fields,
            route_codes=route_codes,
            earlier_items=earlier_items,
            path=path + ("not",),
        )
        return
    if keys == {"rule_in"}:
        if route_codes is None:
            raise ConditionError(path + ("rule_in",), "审核条件行不能引用审核条件本身（rule_in）")
        codes = cond["rule_in"]
        if not isinstance(codes, list) or not codes:
            raise ConditionError(path + ("rule_in",), "rule_in 必须是非空的条件编号列表")
        for index, code in enumerate(codes):
            if code not in route_codes:
                raise ConditionError(
                    path + ("rule_in", index),
                    f"未知的审核条件编号 {code!r}（已有：{', '.join(sorted(route_codes))}）",
                )
        return
    if keys == {"item", "status_in"}:
        if earlier_items is None:
            raise ConditionError(path + ("item",), "此处不能引用材料条目")
        if cond["item"] not in earlier_items:
            raise ConditionError(
                path + ("item",),
                f"只能引用排在前面的材料条目，{cond['item']!r} 不在其中",
            )
        statuses = cond["status_in"]
        if (
            not isinstance(statuses, list)
            or not statuses
            or any(s not in STATUSES for s in statuses)
        ):
            raise ConditionError(
                path + ("status_in",), f"status_in 必须是状态列表，可选：{', '.join(STATUSES)}"
            )
        return
    if "field" in keys:
        ops = keys - {"field"}
        if len(ops) != 1 or not ops <= set(FIELD_OPS):
            raise ConditionError(
                path, f"字段条件需要且只需要一个比较符，可选：{', '.join(FIELD_OPS)}"
            )
        (op,) = ops
        name = cond["field"]
        if name not in fields:
            raise ConditionError(path + ("field",), f"未声明的报名信息字段 {name!r}")
        _validate_operand(fields[name], name, op, cond[op], path + (op,))
        return
    raise ConditionError(
        path, f"无法识别的条件 {sorted(keys)}；可用：field、rule_in、item、all、any、not、always"
    )


def _validate_operand(
    spec: Mapping[str, Any], name: str, op: str, value: Any, path: tuple[str | int, ...]
) -> None:
    ftype = spec["type"]
    if ftype == "trial_segments":
        raise ConditionError(path, f"字段 {name} 不能用于条件比较，试用期由试用期核对处理")
    if op == "contains_any":
        if ftype != "year_list":
            raise ConditionError(path, f"contains_any 只能用于年份列表字段，{name} 不是")
        if not isinstance(value, list) or not value or not all(_is_int(v) for v in value):
            raise ConditionError(path, "contains_any 需要非空的年份列表")
        return
    if ftype == "year_list":
        raise ConditionError(path, f"年份列表字段 {name} 只能用 contains_any 比较")
    if op in ORDERED_OPS:
        if ftype != "date":
            raise ConditionError(path, f"{op} 只能用于日期字段，{name} 不是")
        if not isinstance(value, str) or parse_date(value) is None:
            raise ConditionError(path, f"{op} 需要 YYYY-MM-DD 格式的日期，得到 {value!r}")
        return
    values = value if op in ("in", "not_in") else [value]
    if op in ("in", "not_in") and (not isinstance(value, list) or not value):
        raise ConditionError(path, f"{op} 需要非空列表")
    for index, single in enumerate(values):
        sub = path + ((index,) if op in ("in", "not_in") else ())
        if single is None:
            if not spec.get("nullable"):
                raise ConditionError(sub, f"字段 {name} 不可为空，不能与 null 比较")
            continue
        if ftype == "bool" and not isinstance(single, bool):
            raise ConditionError(sub, f"字段 {name} 是布尔值，只能与 true/false 比较")
        if ftype == "choice" and single not in spec["choices"]:
            raise ConditionError(
                sub, f"字段 {name} 没有取值 {single!r}（可选：{', '.join(spec['choices'])}）"
            )
        if ftype == "text" and not isinstance(single, str):
            raise ConditionError(sub, f"字段 {name} 是文本，只能与文本比较")
        if ftype == "date" and (not isinstance(single, str) or parse_date(single) is None):
            raise ConditionError(sub, f"字段 {name} 是日期，需要 YYYY-MM-DD 格式")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def condition_fields(cond: Mapping[str, Any]) -> set[str]:
    """The profile fields a (validated) condition reads, directly."""
    if "field" in cond:
        return {cond["field"]}
    out: set[str] = set()
    for key in ("all", "any"):
        for part in cond.get(key, ()):
            out |= condition_fields(part)
    if "not" in cond:
        out |= condition_fields(cond["not"])
    return out


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class Context:
    """What a condition can read: the profile, its field declarations, the matched route
    (None while routes are being matched) and the statuses decided so far."""

    profile: Mapping[str, Any]
    fields: Mapping[str, Mapping[str, Any]]
    rule_code: str | None = None
    item_statuses: dict[str, str] = field(default_factory=dict)
    item_missing: dict[str, set[str]] = field(default_factory=dict)  # why an item is "check"
    missing: set[str] = field(default_factory=set)


def field_value(ctx: Context, name: str) -> tuple[bool, Any]:
    """(known, value): known is False when the profile lacks the field or its value does not
    fit the declared type, so comparisons on it are unknown."""
    if name not in ctx.profile:
        return False, None
    value = ctx.profile[name]
    spec = ctx.fields[name]
    if value is None:
        return (True, None) if spec.get("nullable") else (False, None)
    ftype = spec["type"]
    if ftype == "bool":
        return (True, value) if isinstance(value, bool) else (False, None)
    if ftype == "choice":
        return (
            (True, value) if isinstance(value, str) and value in spec["choices"] else (False, None)
        )
    if ftype == "text":
        return (True, value) if isinstance(value, str) else (False, None)
    if ftype == "date":
        parsed = parse_date(value)
        return (parsed is not None), parsed
    if ftype == "year_list":
        if isinstance(value, list | tuple) and all(_is_int(v) for v in value):
            return True, list(value)
        return False, None
    return False, None


_ORDERED: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def evaluate_condition(cond: Mapping[str, Any], ctx: Context) -> bool | None:
    """True / False / None (unknown). Unknown field names are recorded in ctx.missing."""
    if "always" in cond:
        return True
    if "all" in cond:
        results = [evaluate_condition(part, ctx) for part in cond["all"]]
        if False in results:
            return False
        return None if None in results else True
    if "any" in cond:
        results = [evaluate_condition(part, ctx) for part in cond["any"]]
        if True in results:
            return True
        return None if None in results else False
    if "not" in cond:
        inner = evaluate_condition(cond["not"], ctx)
        return None if inner is None else not inner
    if "rule_in" in cond:
        return ctx.rule_code in cond["rule_in"]
    if "item" in cond:
        status = ctx.item_statuses.get(cond["item"])
        if status is None or status == "check":
            ctx.missing |= ctx.item_missing.get(cond["item"], set())
            return None
        return status in cond["status_in"]
    name = cond["field"]
    known, value = field_value(ctx, name)
    if not known:
        ctx.missing.add(name)
        return None
    (op,) = set(cond) - {"field"}
    operand = cond[op]
    if op == "eq":
        return bool(value == _coerce(ctx.fields[name], operand))
    if op == "ne":
        return bool(value != _coerce(ctx.fields[name], operand))
    if op == "in":
        return value in [_coerce(ctx.fields[name], v) for v in operand]
    if op == "not_in":
        return value not in [_coerce(ctx.fields[name], v) for v in operand]
    if op == "contains_any":
        return bool(set(value) & set(operand))
    if value is None:
        # A nullable date left empty (e.g. no graduation date): "graduated before 2002?"
        # cannot be answered, so it is unknown rather than false.
        ctx.missing.add(name)
        return None
    return _ORDERED[op](value, parse_date(operand))


def _coerce(spec: Mapping[str, Any], operand: Any) -> Any:
    if spec["type"] == "date" and operand is not None:
        return parse_date(operand)
    return operand
