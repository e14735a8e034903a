from django.core.management.base import BaseCommand, CommandError

from medexam.accounts import staff
from medexam.accounts.models import User
from medexam.errors import DomainError
from medexam.rules.models import ExamSite


class Command(BaseCommand):
    help = (
        "创建工作人员账号（运维人员使用）：任何工作人员角色，包括安全管理员和审计管理员。"
        "初始密码只显示一次。"
    )

    def add_arguments(self, parser):
        staff_roles = [r for r in User.Role.values if r != User.Role.CANDIDATE]
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=staff_roles)
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--site", default="", help="考点代码（考点审核人员），如 shenyang")
        parser.add_argument("--province", default="", help="考区（考区审核人员），如 liaoning")

    def handle(self, *args, **options):
        site = None
        if options["site"]:
            site = ExamSite.objects.filter(code=options["site"]).order_by("-exam__year").first()
            if site is None:
                raise CommandError(f"没有考点 {options['site']}。")
        try:
            user, password = staff.create_staff(
                actor=None,
                username=options["username"],
                display_name=options["name"] or options["username"],
                role=options["role"],
                exam_site=site,
                province=options["province"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"已创建{user.get_role_display()}账号 {user.username}，初始密码（只显示这一次）：{password}"
        )
