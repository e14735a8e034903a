from django.core.management.base import BaseCommand, CommandError

from medexam.accounts.models import User
from medexam.api.models import ApiToken


class Command(BaseCommand):
    help = "为考区（省级）审核人员或系统管理员签发接口令牌；令牌只显示这一次。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="工作账号的用户名")
        parser.add_argument("--name", default="国家报名系统对接", help="令牌用途说明")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']}，请检查用户名。")
        if not (user.is_superuser or user.role in (User.Role.ADMIN, User.Role.PROVINCE_REVIEWER)):
            raise CommandError("只能为考区审核人员或系统管理员签发令牌。")
        _row, token = ApiToken.issue(user=user, name=options["name"])
        self.stdout.write(token)
