"""`python -m medexam load_exam [PATH or slug] [--check]`: validate and load an exam-year
rule file; with --check, validate only (for reviewing a new file before it goes live)."""

from django.core.management.base import BaseCommand, CommandError

from medexam.rules.loading import (
    RulesFileError,
    load_exam_file,
    read_rules_file,
    resolve_exam_path,
)


class Command(BaseCommand):
    help = "校验并导入考试年度规则文件（默认 liaoning-2022）；文件有误时指出行号和原因，且不做任何修改。"

    def add_arguments(self, parser):
        parser.add_argument(
            "source",
            nargs="?",
            default="liaoning-2022",
            help="规则文件路径，或 medexam/rules/data/ 中的文件名（如 liaoning-2023）",
        )
        parser.add_argument("--check", action="store_true", help="只校验文件，不写入数据库")

    def handle(self, *args, source, check, **options):
        path = resolve_exam_path(source)
        try:
            if check:
                data, sha256 = read_rules_file(path)
            else:
                exam = load_exam_file(path)
        except RulesFileError as exc:
            raise CommandError(f"规则文件未导入：{exc}") from exc
        if check:
            self.stdout.write(
                f"校验通过：{data['slug']}（版本 {data['version']}，sha256 {sha256[:12]}…）："
                f"{len(data['sites'])} 个考点，{len(data['routes'])} 条审核条件，"
                f"{len(data['items'])} 项材料；未写入数据库"
            )
            return
        self.stdout.write(
            f"已导入 {exam.slug}（版本 {exam.rules_version}，sha256 {exam.rules_sha256[:12]}…）："
            f"{exam.sites.count()} 个考点，{exam.items.count()} 项材料"
        )
