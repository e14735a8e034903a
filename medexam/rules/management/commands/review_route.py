"""`python -m medexam review_route --profile FILE.json --json [--exam liaoning-2022]`:
the route and required items for one profile, from the same evaluation as the pages."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from medexam.rules.evaluation import ProfileError, evaluate, validate_profile
from medexam.rules.loading import RulesFileError
from medexam.rules.selectors import rules_for


def route_summary(result) -> dict:
    """The command's JSON shape (issue #4)."""
    out = {
        "rule": result.rule_code,
        "route": result.route,
        "required": result.required,
        "recommended": result.recommended,
    }
    if result.trial_period is not None:
        out["trial_period"] = {
            "ok": result.trial_period.ok,
            "covered_days": result.trial_period.covered_days,
        }
    return out


class Command(BaseCommand):
    help = "按报名信息（SPEC §6 字段的 JSON 文件）判断审核方式和必传材料。"

    def add_arguments(self, parser):
        parser.add_argument("--profile", required=True, help="报名信息 JSON 文件；- 表示标准输入")
        parser.add_argument(
            "--exam", default="liaoning-2022", help="考试年度（slug）或规则文件路径"
        )
        parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")

    def handle(self, *args, profile, exam, json: bool, **options):
        data = self._read_profile(profile)
        try:
            rules, _ = rules_for(exam)
        except RulesFileError as exc:
            raise CommandError(f"规则文件有误：{exc}") from exc
        try:
            validate_profile(rules, data)
        except ProfileError as exc:
            raise CommandError(f"报名信息有误：{exc}") from exc
        result = evaluate(rules, data)
        if json:
            self.stdout.write(_dumps(route_summary(result)))
            return
        self._write_text(rules, result)

    def _read_profile(self, source: str):
        try:
            text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"无法读取报名信息文件 {source}：{exc.strerror}") from exc
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"报名信息文件不是有效的 JSON：第{exc.lineno}行，{exc.msg}") from exc

    def _write_text(self, rules, result):
        statuses = rules["labels"]["statuses"]
        names = {item["code"]: item["name"] for item in rules["items"]}
        w = self.stdout.write
        w(f"审核条件 {result.rule_code}：{result.rule_wording}")
        w(f"审核方式：{result.route_label}（{result.route_note}）")
        if result.notice:
            w(f"注意：{result.notice}")
        for code, verdict in result.items.items():
            w(f"  [{statuses[verdict.status]}] {names[code]}：{verdict.reason}")
        trial = result.trial_period
        if trial is not None:
            verdict = "满足" if trial.ok else f"不足，还差 {trial.missing_days} 天"
            w(
                f"试用期：窗口内累计 {trial.covered_days} 天，要求 {trial.required_days} 天，{verdict}"
            )


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
