"""Deliver queued SMS: `send_outbox` once (cron), or `send_outbox --loop` as a worker."""

import time

from django.core.management.base import BaseCommand

from medexam.messaging.services import deliver_outbox


class Command(BaseCommand):
    help = "发送待发送的短信（失败自动退避重试；同一条短信不会发送两次）"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200)
        parser.add_argument(
            "--loop", action="store_true", help="一直运行，每隔 --interval 秒检查一次"
        )
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args, limit, loop, interval, **options):
        while True:
            report = deliver_outbox(limit=limit)
            if report.sent or report.retried or report.failed or report.superseded or not loop:
                self.stdout.write(
                    f"已发送 {report.sent} 条，稍后重试 {report.retried} 条，"
                    f"最终失败 {report.failed} 条，被新通知取代 {report.superseded} 条"
                )
            if not loop:
                return
            time.sleep(interval)
