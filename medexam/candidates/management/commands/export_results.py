from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medexam.errors import DomainError
from medexam.exports import FORMATS, export_results, results_filename
from medexam.materials.models import Application
from medexam.rules.models import Exam


class Command(BaseCommand):
    help = "导出审核结果（.xlsx 或 .csv），用于回传国家报名系统。"

    def add_arguments(self, parser):
        parser.add_argument("--exam", required=True, help="考试标识，例如 liaoning-2022")
        parser.add_argument("--format", choices=sorted(FORMATS), default="xlsx")
        parser.add_argument(
            "--output", "-o", help="输出文件路径（默认按考试和时间命名，写在当前目录）"
        )
        parser.add_argument(
            "--state",
            action="append",
            choices=Application.State.values,
            help="只导出这些状态（可重复）；默认全部",
        )

    def handle(self, *args, **options):
        try:
            exam = Exam.objects.get(slug=options["exam"])
        except Exam.DoesNotExist:
            raise CommandError(f"没有考试 {options['exam']}，请检查考试标识。") from None
        path = Path(options["output"] or results_filename(exam, options["format"]))
        try:
            count = export_results(
                exam=exam, fmt=options["format"], states=options["state"], path=path
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已导出到 {path}（{count} 行，{path.stat().st_size} 字节）")
