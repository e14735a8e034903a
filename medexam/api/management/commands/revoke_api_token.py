from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from medexam.api.models import ApiToken


class Command(BaseCommand):
    help = "吊销接口令牌（按令牌开头部分，如 mx_AbCdEfG），或列出全部令牌（--list）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "prefix", nargs="?", help="令牌开头的 10 个字符（签发时显示的令牌的前缀）"
        )
        parser.add_argument("--list", action="store_true", help="列出全部令牌")

    def handle(self, *args, **options):
        if options["list"]:
            for token in ApiToken.objects.select_related("user"):
                state = "已吊销" if token.revoked_at else "有效"
                used = token.last_used_at.isoformat() if token.last_used_at else "从未使用"
                self.stdout.write(
                    f"{token.prefix}  {token.user.username}  {token.name}  {state}  {used}"
                )
            return
        if not options["prefix"]:
            raise CommandError("请给出要吊销的令牌前缀，或用 --list 查看全部令牌。")
        count = ApiToken.objects.filter(
            prefix=options["prefix"][:10], revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not count:
            raise CommandError("没有找到该前缀的有效令牌，请用 --list 核对。")
        self.stdout.write(f"已吊销 {count} 个令牌。")
