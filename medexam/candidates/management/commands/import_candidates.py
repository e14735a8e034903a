from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medexam.candidates.models import ImportRun
from medexam.candidates.services import import_candidates
from medexam.rules.models import Exam


class Command(BaseCommand):
    help = "导入报名数据（.xlsx、.xls 或 .csv）：逐行校验，有任何问题的行则整个文件不导入（除非 --good-only）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="报名数据文件（.xlsx、.xls 或 .csv，第 1 行为表头）")
        parser.add_argument("--exam", required=True, help="考试标识，例如 liaoning-2022")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入任何数据")
        parser.add_argument(
            "--good-only", action="store_true", help="只导入无问题的行，有问题的行跳过并列出"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}，请检查路径。")
        try:
            exam = Exam.objects.get(slug=options["exam"])
        except Exam.DoesNotExist:
            slugs = (
                ", ".join(Exam.objects.values_list("slug", flat=True))
                or "（无，请先运行 load_exam）"
            )
            raise CommandError(f"没有考试 {options['exam']}。已有的考试：{slugs}") from None
        report = import_candidates(
            exam=exam,
            data=path.read_bytes(),
            filename=path.name,
            source=ImportRun.Source.COMMAND,
            dry_run=options["dry_run"],
            good_only=options["good_only"],
        )
        for error in report.errors:
            self.stderr.write(str(error))
        for registration_no, changes in report.changes.items():
            described = "；".join(
                f"{label}: {old} → {new}" for label, (old, new) in changes.items()
            )
            self.stdout.write(f"更新 {registration_no}：{described}")
        self.stdout.write(report.summary())
        if report.errors and not report.applied and not report.dry_run:
            raise CommandError(
                "导入被拒绝：请修改以上各行后重新导入，或加 --good-only 只导入无问题的行。"
            )
