"""`python -m medexam rules_diff OLD NEW [--exam SLUG] [--json]`: over the current candidates,
who would change route or required items under NEW, before it is activated. Read-only."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from medexam.rules.diffing import candidate_profiles, diff_profiles
from medexam.rules.loading import RulesFileError
from medexam.rules.selectors import rules_for


class Command(BaseCommand):
    help = "试算新规则文件：列出现有考生中审核方式或必传材料会发生变化的人（不修改任何数据）。"

    def add_arguments(self, parser):
        parser.add_argument("old", help="现行规则：考试 slug（取数据库中已导入的）或文件路径")
        parser.add_argument("new", help="新规则：考试 slug 或文件路径")
        parser.add_argument("--exam", help="试算哪个考试的考生（默认：OLD 的 slug）")
        parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")

    def handle(self, *args, old, new, exam, json: bool, **options):
        try:
            old_rules, old_from = rules_for(old)
            new_rules, new_from = rules_for(new)
        except RulesFileError as exc:
            raise CommandError(f"规则文件有误：{exc}") from exc
        slug = exam or old_rules["slug"]
        result = diff_profiles(old_rules, new_rules, candidate_profiles(slug))
        if json:
            self.stdout.write(
                _dumps(
                    {
                        "exam": slug,
                        "candidates": result.candidates,
                        "changed": len(result.changes),
                        "route_changed": result.route_changes,
                        "changes": [change.as_dict() for change in result.changes],
                    }
                )
            )
            return
        names = {item["code"]: item["name"] for item in new_rules["items"]}
        names = {**{item["code"]: item["name"] for item in old_rules["items"]}, **names}
        labels = new_rules["labels"]["routes"]
        w = self.stdout.write
        w(f"现行：{old_from}")
        w(f"新：{new_from}")
        w(
            f"考试 {slug} 的 {result.candidates} 名考生中，{len(result.changes)} 人会变化"
            f"（其中审核方式变化 {result.route_changes} 人）。"
        )
        for change in result.changes:
            parts = [
                f"{change.registration_no} {change.name}：审核条件 {change.old_rule} → {change.new_rule}"
            ]
            if change.route_changed:
                parts.append(f"{labels[change.old_route]} → {labels[change.new_route]}")
            if change.required_added:
                parts.append("新增必传：" + "、".join(names[c] for c in change.required_added))
            if change.required_removed:
                parts.append("不再必传：" + "、".join(names[c] for c in change.required_removed))
            w("；".join(parts))


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
