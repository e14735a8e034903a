from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medexam.candidates.sample import sample_xlsx
from medexam.rules.models import Exam


class Command(BaseCommand):
    help = "生成一个虚构的报名数据 Excel 文件（演示用，可直接导入）。"

    def add_arguments(self, parser):
        parser.add_argument("--exam", required=True, help="考试标识，例如 liaoning-2022")
        parser.add_argument("--rows", type=int, default=100)
        parser.add_argument("--output", "-o", default="registration-sample.xlsx")

    def handle(self, *args, **options):
        exam = Exam.objects.filter(slug=options["exam"]).first()
        if exam is None:
            raise CommandError(f"没有考试 {options['exam']}，请先运行 load_exam。")
        path = Path(options["output"])
        path.write_bytes(sample_xlsx(exam=exam, count=options["rows"]))
        self.stdout.write(f"已生成 {path}（{options['rows']} 行）")
