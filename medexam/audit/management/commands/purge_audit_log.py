from django.core.management.base import BaseCommand, CommandError

from medexam.audit.retention import MIN_RETENTION_DAYS, purge_audit_log
from medexam.errors import DomainError


class Command(BaseCommand):
    help = (
        f"删除早于保留期的审计日志（保留期至少 {MIN_RETENTION_DAYS} 天，即六个月）；"
        "清理本身记入审计日志。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            required=True,
            help=f"只删除早于这么多天的记录（不少于 {MIN_RETENTION_DAYS}）",
        )

    def handle(self, *args, **options):
        try:
            total = purge_audit_log(older_than_days=options["older_than_days"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已删除 {total} 条审计日志。")
