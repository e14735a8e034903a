"""Run every few minutes (cron): reminds candidates of a near supplement deadline, then
locks the unlocked images of applications whose deadline passed and returns them to the
queue. Both tell the candidate (in-app message + SMS through the outbox)."""

from django.core.management.base import BaseCommand

from medexam.review.services import close_expired_supplements, send_deadline_reminders


class Command(BaseCommand):
    help = "发送补充材料截止提醒，并关闭已过截止时间的补充（图片重新锁定，申请回到审核队列）"

    def handle(self, *args, **options):
        reminded = send_deadline_reminders()
        closed = close_expired_supplements()
        self.stdout.write(f"已发送截止提醒 {reminded} 份；已关闭过期补充 {closed} 份")
