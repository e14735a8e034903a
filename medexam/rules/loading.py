"""Read, validate and load an exam-year rule file (medexam/rules/data/<slug>.yaml).

`read_rules_file` validates without touching the database (used by `rules_diff` and tests);
`load_exam_file` validates, then writes Exam, ExamSite and MaterialItem rows in one
transaction. A malformed file raises RulesFileError naming the line and the reason, and
nothing is written.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import string
import unicodedata
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import yaml
from django.db import transaction
from django.db.models import ProtectedError

if TYPE_CHECKING:
    from .models import Exam

from .conditions import (
    FIELD_TYPES,
    STATUSES,
    ConditionError,
    parse_date,
    validate_condition,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA_VERSION = 1
# Where in the file a value is: keys and list indexes from the root.
KeyPath = tuple[str | int, ...]
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,47}$")
_ROUTE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")


class RulesFileError(ValueError):
    """A rule file that cannot be loaded: `line` (1-based, or None) and a Chinese `reason`."""

    def __init__(self, filename: str, line: int | None, reason: str) -> None:
        where = f"{filename} 第{line}行" if line else filename
        super().__init__(f"{where}：{reason}")
        self.filename = filename
        self.line = line
        self.reason = reason


def default_exam_path(slug: str = "liaoning-2022") -> Path:
    return DATA_DIR / f"{slug}.yaml"


def resolve_exam_path(path_or_slug: str | Path) -> Path:
    """A path as given, or a slug of a shipped file (e.g. `liaoning-2023`)."""
    candidate = Path(path_or_slug)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return default_exam_path(str(path_or_slug))


# --- reading ------------------------------------------------------------------------------


def read_rules_file(path: str | Path) -> tuple[dict[str, Any], str]:
    """(validated rules as JSON-safe data, sha256 of the file's bytes)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesFileError(path.name, None, f"无法读取文件（{exc.strerror}）") from exc
    return parse_rules(raw, filename=path.name), hashlib.sha256(raw).hexdigest()


def parse_rules(raw: bytes | str, *, filename: str = "<rules>") -> dict[str, Any]:
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise RulesFileError(filename, None, "文件不是 UTF-8 编码") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RulesFileError(filename, line, f"YAML 语法错误：{exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise RulesFileError(filename, None, f"YAML 语法错误：{exc}") from exc
    if root is not None:
        _refuse_duplicate_keys(root, filename)
    data = _json_safe(data)
    _Validator(root, filename).validate(data)
    return dict(data)


def _refuse_duplicate_keys(node: yaml.Node, filename: str) -> None:
    # yaml.safe_load silently keeps the last of two equal keys; in a rule file that hides a typo.
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise RulesFileError(filename, key_node.start_mark.line + 1, f"重复的键 {key!r}")
            seen.add(key)
            _refuse_duplicate_keys(value_node, filename)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _refuse_duplicate_keys(child, filename)


def _json_safe(value: Any) -> Any:
    """Dates written unquoted become ISO strings, so Exam.rules stores what was read."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _line_of(root: yaml.Node | None, path: KeyPath) -> int | None:
    """The line of the deepest node on `path` that exists."""
    node = root
    line = root.start_mark.line + 1 if root is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            for key_node, value_node in node.value:
                if key_node.value == step:
                    node, line = value_node, key_node.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                return line
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


# --- validation ---------------------------------------------------------------------------


class _Validator:
    def __init__(self, root: yaml.Node | None, filename: str) -> None:
        self.root = root
        self.filename = filename

    def fail(self, path: KeyPath, reason: str) -> NoReturn:
        where = ".".join(str(p) for p in path)
        prefix = f"（{where}）" if where else ""
        raise RulesFileError(self.filename, _line_of(self.root, path), prefix + reason)

    # small typed getters -------------------------------------------------------------
    def mapping(
        self, data: Any, path: KeyPath, required: set[str], optional: AbstractSet[str] = frozenset()
    ) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(path, "这里需要一个映射（key: value）")
        missing = sorted(required - set(data))
        if missing:
            self.fail(path, f"缺少必填项：{', '.join(missing)}")
        unknown = sorted(set(data) - required - set(optional))
        if unknown:
            self.fail(path + (unknown[0],), f"未知的键 {unknown[0]!r}（可能是拼写错误）")
        return data

    def text(
        self, data: Mapping[str, Any], key: str, path: KeyPath, *, allow_empty: bool = False
    ) -> str:
        value = data.get(key)
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            self.fail(path + (key,), "这里需要一段非空文本" if not allow_empty else "这里需要文本")
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: KeyPath) -> bool:
        if not isinstance(data.get(key), bool):
            self.fail(path + (key,), "这里需要 true 或 false")
        return bool(data[key])

    def integer(self, data: Mapping[str, Any], key: str, path: KeyPath, *, minimum: int = 0) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(path + (key,), f"这里需要不小于 {minimum} 的整数")
        return value

    def date(self, data: Mapping[str, Any], key: str, path: KeyPath) -> datetime.date:
        parsed = parse_date(data.get(key))
        if parsed is None or isinstance(data.get(key), datetime.datetime):
            self.fail(path + (key,), "这里需要 YYYY-MM-DD 格式的日期")
        return parsed

    def moment(self, data: Mapping[str, Any], key: str, path: KeyPath) -> datetime.datetime:
        value = data.get(key)
        try:
            parsed = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.fail(path + (key,), "这里需要带时区的时间，如 2022-01-10T08:30:00+08:00")
        return parsed

    def code(
        self, data: Mapping[str, Any], key: str, path: KeyPath, pattern: re.Pattern[str] = _CODE
    ) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not pattern.match(value):
            self.fail(path + (key,), f"编码 {value!r} 不合规（需匹配 {pattern.pattern}）")
        return value

    def template(self, value: str, path: KeyPath, allowed: set[str]) -> None:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError:
            self.fail(path, "文本中的花括号不成对；占位符写作 {字段名}")
        unknown = sorted(names - allowed)
        if unknown:
            self.fail(path, f"文本中的占位符 {{{unknown[0]}}} 不是已声明的报名信息字段")

    # the file ------------------------------------------------------------------------
    def validate(self, data: Any) -> None:
        top = self.mapping(
            data,
            (),
            {
                "schema",
                "slug",
                "version",
                "year",
                "province",
                "province_name",
                "title",
                "upload_window",
                "supplement_days",
                "trial_period",
                "sites",
                "profile_fields",
                "labels",
                "routes",
                "items",
            },
            {"onsite_check", "replacement_reasons", "precheck"},
        )
        if top["schema"] != SCHEMA_VERSION:
            self.fail(
                ("schema",), f"不支持的文件格式版本 {top['schema']!r}，当前为 {SCHEMA_VERSION}"
            )
        self.code(top, "slug", ())
        if not isinstance(top["version"], str) or not top["version"].strip():
            self.fail(("version",), 'version 需要写成带引号的文本，如 "2022.1"')
        self.integer(top, "year", (), minimum=2000)
        self.code(top, "province", ())
        for key in ("province_name", "title"):
            self.text(top, key, ())
        self.integer(top, "supplement_days", (), minimum=0)

        window = self.mapping(top["upload_window"], ("upload_window",), {"opens_at", "closes_at"})
        opens = self.moment(window, "opens_at", ("upload_window",))
        closes = self.moment(window, "closes_at", ("upload_window",))
        if closes <= opens:
            self.fail(("upload_window", "closes_at"), "上传截止时间必须晚于开始时间")

        trial = self.mapping(
            top["trial_period"], ("trial_period",), {"window_start", "window_end", "year_days"}
        )
        start = self.date(trial, "window_start", ("trial_period",))
        end = self.date(trial, "window_end", ("trial_period",))
        days = self.integer(trial, "year_days", ("trial_period",), minimum=1)
        if end <= start:
            self.fail(("trial_period", "window_end"), "试用期窗口的结束日期必须晚于开始日期")
        if days > (end - start).days:
            self.fail(("trial_period", "year_days"), "要求的天数超过了试用期窗口的总天数")

        self.validate_sites(top["sites"])
        fields = self.validate_fields(top["profile_fields"])
        self.validate_labels(top["labels"])
        route_codes = self.validate_routes(top["routes"], fields)
        reasons = self.validate_reasons(top.get("replacement_reasons"))
        self.validate_items(top["items"], fields, route_codes, reasons)
        if "onsite_check" in top:
            self.validate_onsite(top["onsite_check"])
        if "precheck" in top:
            self.validate_precheck(top["precheck"], top["items"])

    def validate_precheck(self, precheck: Any, items: list[dict[str, Any]]) -> None:
        """precheck: the machine pre-check (medexam.precheck): `exam_date` (an ID card must
        be valid on it) and `items`: {item code or "code.slot": the document kind expected
        there, or `other` (none of the known documents belongs there)}."""
        path = ("precheck",)
        self.mapping(precheck, path, {"exam_date", "items"})
        self.date(precheck, "exam_date", path)
        places = precheck["items"]
        if not isinstance(places, dict) or not places:
            self.fail(path + ("items",), "items 需要非空映射（材料编码或 编码.位置: 材料类型）")
        known = {item["code"]: {s["code"] for s in item.get("slots", [])} for item in items}
        kinds = {"id_front", "id_back", "chsi_record", "diploma", "other"}
        for place, kind in places.items():
            code, _, slot = str(place).partition(".")
            if code not in known or (slot and slot not in known[code]):
                self.fail(path + ("items", place), f"没有材料条目或位置 {place!r}")
            if kind not in kinds:
                self.fail(
                    path + ("items", place),
                    f"材料类型 {kind!r} 不是 {', '.join(sorted(kinds))} 之一",
                )

    def validate_reasons(self, reasons: Any) -> frozenset[str] | None:
        """replacement_reasons: {code: 中文名称}, the reviewer's reasons for "please replace";
        items list theirs under `replacement_reasons` (absent: the product's default list)."""
        if reasons is None:
            return None
        path = ("replacement_reasons",)
        if not isinstance(reasons, dict) or not reasons:
            self.fail(path, "replacement_reasons 需要非空映射（编码: 中文名称）")
        for code, label in reasons.items():
            if not _CODE.match(code) or len(code) > 32:
                self.fail(path + (code,), f"原因编码 {code!r} 不合规")
            if not isinstance(label, str) or not label.strip():
                self.fail(path + (code,), "这里需要一段非空文本")
        if "other" not in reasons:
            self.fail(path, "需要包含 other（其他，由审核人员写明）")
        return frozenset(reasons)

    def validate_onsite(self, onsite: Any) -> None:
        path = ("onsite_check",)
        self.mapping(onsite, path, {"starts_on", "ends_on", "hours", "address", "bring"})
        starts = self.date(onsite, "starts_on", path)
        ends = self.date(onsite, "ends_on", path)
        if ends < starts:
            self.fail(path + ("ends_on",), "现场审核的结束日期不能早于开始日期")
        for key in ("hours", "address", "bring"):
            self.text(onsite, key, path)
        try:
            names = {n for _, n, _, _ in string.Formatter().parse(onsite["address"]) if n}
        except ValueError:
            names = {"?"}
        if names - {"site"}:
            self.fail(path + ("address",), "地址中只能使用占位符 {site}（考点名称）")

    def validate_sites(self, sites: Any) -> None:
        if not isinstance(sites, list) or not sites:
            self.fail(("sites",), "sites 需要非空列表")
        seen: set[str] = set()
        spellings: dict[str, str] = {}  # every way a site is written in an import -> its code
        for index, site in enumerate(sites):
            path = ("sites", index)
            self.mapping(site, path, {"code", "name"}, {"address", "aliases"})
            code = self.code(site, "code", path)
            self.text(site, "name", path)
            if code in seen:
                self.fail(path + ("code",), f"考点编码 {code!r} 重复")
            seen.add(code)
            aliases = site.get("aliases", [])
            if not isinstance(aliases, list) or not all(
                isinstance(a, str) and a.strip() for a in aliases
            ):
                self.fail(
                    path + ("aliases",), "aliases 需要非空文字的列表（如 [沈阳, 沈阳市考点]）"
                )
            for spelling in [code, site["name"], *aliases]:
                key = "".join(unicodedata.normalize("NFKC", spelling).split()).upper()
                other = spellings.setdefault(key, code)
                if other != code:
                    self.fail(
                        path + ("aliases",),
                        f"考点写法 {spelling!r} 同时属于考点 {other} 和 {code}，导入时无法区分",
                    )

    def validate_fields(self, fields: Any) -> dict[str, Any]:
        if not isinstance(fields, dict) or not fields:
            self.fail(("profile_fields",), "profile_fields 需要非空映射")
        for name, spec in fields.items():
            path = ("profile_fields", name)
            if not _CODE.match(name):
                self.fail(path, f"字段名 {name!r} 不合规")
            self.mapping(spec, path, {"type", "label"}, {"choices", "nullable"})
            if spec["type"] not in FIELD_TYPES:
                self.fail(
                    path + ("type",),
                    f"未知的字段类型 {spec['type']!r}（可选：{', '.join(FIELD_TYPES)}）",
                )
            self.text(spec, "label", path)
            if "nullable" in spec:
                self.boolean(spec, "nullable", path)
            if spec["type"] == "choice":
                choices = spec.get("choices")
                if (
                    not isinstance(choices, dict)
                    or not choices
                    or not all(isinstance(v, str) and v for v in choices.values())
                ):
                    self.fail(path + ("choices",), "choice 字段需要 choices 映射（取值: 中文名称）")
            elif "choices" in spec:
                self.fail(path + ("choices",), "只有 choice 类型的字段才能有 choices")
        return fields

    def validate_labels(self, labels: Any) -> None:
        path = ("labels",)
        self.mapping(labels, path, {"routes", "statuses", "check_reason", "route_unknown_note"})
        routes = self.mapping(labels["routes"], path + ("routes",), {"online", "offline"})
        for key in routes:
            self.text(routes, key, path + ("routes",))
        statuses = self.mapping(labels["statuses"], path + ("statuses",), set(STATUSES))
        for key in statuses:
            self.text(statuses, key, path + ("statuses",))
        for key in ("check_reason", "route_unknown_note"):
            self.text(labels, key, path)
            self.template(labels[key], path + (key,), {"fields"})

    def validate_routes(self, routes: Any, fields: dict[str, Any]) -> frozenset[str]:
        if not isinstance(routes, list) or not routes:
            self.fail(("routes",), "routes 需要非空列表")
        seen: list[str] = []
        for index, row in enumerate(routes):
            path = ("routes", index)
            self.mapping(
                row,
                path,
                {"code", "wording", "route", "note", "when"},
                {"waive_requirements", "waiver_reason"},
            )
            code = self.code(row, "code", path, _ROUTE_CODE)
            if code in seen:
                self.fail(path + ("code",), f"审核条件编号 {code!r} 重复")
            seen.append(code)
            self.text(row, "wording", path)
            self.text(row, "note", path)
            if row["route"] not in ("online", "offline"):
                self.fail(path + ("route",), "route 只能是 online 或 offline")
            self.condition(row["when"], path + ("when",), fields, None, None)
            if row.get("waive_requirements"):
                self.boolean(row, "waive_requirements", path)
                self.text(row, "waiver_reason", path)
                self.template(row["waiver_reason"], path + ("waiver_reason",), set(fields))
            elif "waiver_reason" in row:
                self.fail(
                    path + ("waiver_reason",),
                    "只有 waive_requirements: true 的行才需要 waiver_reason",
                )
        if routes[-1]["when"] != {"always": True}:
            # Totality: every profile must match some row.
            self.fail(
                ("routes", len(routes) - 1, "when"),
                "最后一行必须是兜底条件 {always: true}（如“不在以上条件内的其他考生”）",
            )
        return frozenset(seen)

    def validate_items(
        self,
        items: Any,
        fields: dict[str, Any],
        route_codes: frozenset[str],
        reasons: frozenset[str] | None = None,
    ) -> None:
        if not isinstance(items, list) or not items:
            self.fail(("items",), "items 需要非空列表")
        seen: list[str] = []
        for index, item in enumerate(items):
            path = ("items", index)
            self.mapping(
                item,
                path,
                {
                    "code",
                    "group",
                    "name",
                    "description",
                    "tips",
                    "marked_required",
                    "max_count",
                    "example",
                    "requirement",
                },
                {"exact_count", "slots", "replacement_reasons"},
            )
            code = self.code(item, "code", path)
            if "replacement_reasons" in item:
                own = item["replacement_reasons"]
                if reasons is None:
                    self.fail(
                        path + ("replacement_reasons",),
                        "材料列出了更换原因，但文件顶层没有 replacement_reasons",
                    )
                if not isinstance(own, list) or not own:
                    self.fail(path + ("replacement_reasons",), "这里需要原因编码的非空列表")
                for index, reason in enumerate(own):
                    if reason not in reasons:
                        self.fail(
                            path + ("replacement_reasons", index),
                            f"原因 {reason!r} 不在顶层 replacement_reasons 中",
                        )
            if code in seen:
                self.fail(path + ("code",), f"材料编码 {code!r} 重复")
            for key in ("group", "name"):
                self.text(item, key, path)
            for key in ("description", "tips"):
                self.text(item, key, path, allow_empty=True)
            self.boolean(item, "marked_required", path)
            max_count = self.integer(item, "max_count", path, minimum=1)
            exact = self.boolean(item, "exact_count", path) if "exact_count" in item else False
            slots = item.get("slots", [])
            if not isinstance(slots, list):
                self.fail(path + ("slots",), "slots 需要列表")
            slot_codes: set[str] = set()
            for slot_index, slot in enumerate(slots):
                slot_path = path + ("slots", slot_index)
                self.mapping(slot, slot_path, {"code", "label"})
                slot_code = self.code(slot, "code", slot_path)
                self.text(slot, "label", slot_path)
                if slot_code in slot_codes:
                    self.fail(slot_path + ("code",), f"位置编码 {slot_code!r} 重复")
                slot_codes.add(slot_code)
            if slots and len(slots) != max_count:
                self.fail(
                    path + ("slots",), f"有 {len(slots)} 个命名位置，但 max_count 为 {max_count}"
                )
            if exact and not slots and max_count < 1:
                self.fail(path + ("exact_count",), "exact_count 需要 max_count")
            example = self.mapping(item["example"], path + ("example",), {"caption"}, {"svg"})
            self.text(example, "caption", path + ("example",))
            self.validate_requirement(
                item["requirement"], path + ("requirement",), fields, route_codes, frozenset(seen)
            )
            seen.append(code)

    def validate_requirement(
        self,
        req: Any,
        path: KeyPath,
        fields: dict[str, Any],
        route_codes: frozenset[str],
        earlier: frozenset[str],
    ) -> None:
        self.mapping(req, path, {"cases", "otherwise"})
        cases = req["cases"]
        if not isinstance(cases, list):
            self.fail(path + ("cases",), "cases 需要列表（可为空 []）")
        placeholders = set(fields)
        for index, case in enumerate(cases):
            case_path = path + ("cases", index)
            self.mapping(case, case_path, {"when", "status", "reason"})
            self.condition(case["when"], case_path + ("when",), fields, route_codes, earlier)
            self.status(case, case_path)
            self.text(case, "reason", case_path)
            self.template(case["reason"], case_path + ("reason",), placeholders)
        otherwise = self.mapping(req["otherwise"], path + ("otherwise",), {"status", "reason"})
        self.status(otherwise, path + ("otherwise",))
        self.text(otherwise, "reason", path + ("otherwise",))
        self.template(otherwise["reason"], path + ("otherwise", "reason"), placeholders)

    def status(self, data: Mapping[str, Any], path: KeyPath) -> None:
        allowed = [s for s in STATUSES if s != "check"]  # "check" is decided, never declared
        if data.get("status") not in allowed:
            self.fail(path + ("status",), f"status 只能是：{', '.join(allowed)}")

    def condition(
        self,
        cond: Any,
        path: KeyPath,
        fields: dict[str, Any],
        route_codes: frozenset[str] | None,
        earlier: frozenset[str] | None,
    ) -> None:
        try:
            validate_condition(
                cond, fields=fields, route_codes=route_codes, earlier_items=earlier, path=path
            )
        except ConditionError as exc:
            self.fail(exc.path, exc.reason)


# --- loading ------------------------------------------------------------------------------


def load_exam_file(path: str | Path) -> Exam:
    """Validate the file, then create or update its Exam with sites and catalog items.

    Idempotent: loading the same file twice changes nothing. Sites missing from a newer
    file are kept (candidates and reviewers point at them); items missing from it are
    deleted unless images were uploaded under them, which refuses the whole load.
    """
    from .models import Exam, ExamSite, MaterialItem

    path = Path(path)
    data, sha256 = read_rules_file(path)
    window = data["upload_window"]
    with transaction.atomic():
        # Create the row if needed (get_or_create survives a concurrent insert), then lock it
        # so two concurrent loads of one slug apply one after the other, never interleaved.
        created_exam, _ = Exam.objects.get_or_create(
            slug=data["slug"],
            defaults={
                "year": data["year"],
                "province": data["province"],
                "province_name": data["province_name"],
                "title": data["title"],
                "rules_version": "",
                "rules_sha256": "",
            },
        )
        exam = Exam.objects.select_for_update().get(pk=created_exam.pk)
        exam.year = data["year"]
        exam.province = data["province"]
        exam.province_name = data["province_name"]
        exam.title = data["title"]
        exam.rules_version = data["version"]
        exam.rules_sha256 = sha256
        exam.rules = data
        exam.upload_opens_at = datetime.datetime.fromisoformat(window["opens_at"])
        exam.upload_closes_at = datetime.datetime.fromisoformat(window["closes_at"])
        exam.supplement_days = data["supplement_days"]
        exam.save()
        for site in data["sites"]:
            ExamSite.objects.update_or_create(
                exam=exam, code=site["code"], defaults={"name": site["name"]}
            )
        codes = [item["code"] for item in data["items"]]
        stale = MaterialItem.objects.filter(exam=exam).exclude(code__in=codes)
        try:
            stale.delete()
        except ProtectedError as exc:
            # What protects an item is an image uploaded under it.
            names = "、".join(sorted({cast(Any, obj).item.code for obj in exc.protected_objects}))
            raise RulesFileError(
                path.name,
                None,
                f"材料条目 {names} 已有考生上传的图片，不能从数据文件中删除；请保留该条目",
            ) from exc
        for order, item in enumerate(data["items"], start=1):
            MaterialItem.objects.update_or_create(
                exam=exam,
                code=item["code"],
                defaults={
                    "group": item["group"],
                    "order": order,
                    "name": item["name"],
                    "description": item["description"],
                    "tips": item["tips"],
                    "marked_required": item["marked_required"],
                    "max_count": item["max_count"],
                    "exact_count": item.get("exact_count", False),
                    "slots": item.get("slots", []),
                    "example": item["example"],
                },
            )
    return exam


def rules_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
