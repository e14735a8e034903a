"""`python -m medexam db_roles --owner medexam_owner --app medexam_app [--bootstrap] [--apply]`"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from medexam.ops import roles


class Command(BaseCommand):
    help = (
        "Print (or --apply) the SQL for the least-privilege PostgreSQL roles: --bootstrap "
        "once as a superuser, then the grants as the owner after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="medexam_owner", help="role that runs migrate")
        parser.add_argument("--app", default="medexam_app", help="role the app connects as")
        parser.add_argument(
            "--bootstrap",
            action="store_true",
            help="also create the roles and hand the database to the owner (superuser)",
        )
        parser.add_argument("--apply", action="store_true", help="run the SQL, in one transaction")

    def handle(self, *args, owner: str, app: str, bootstrap: bool, apply: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles are PostgreSQL's; this database is not")
        statements = []
        if bootstrap:
            statements += roles.bootstrap_sql(
                database=connection.settings_dict["NAME"], owner=owner, app=app
            )
        statements += roles.grants_sql(app=app)
        if not apply:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with transaction.atomic():
            roles.apply(statements)
        self.stdout.write(f"applied {len(statements)} statement(s)")
