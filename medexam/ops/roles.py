"""Least-privilege PostgreSQL roles.

* The **owner** role owns the database, its schema and every table: it runs `migrate` and
  nothing else. Only an owner (or a superuser) can ALTER a table, so only it could disable
  the audit log's append-only trigger.
* The **application** role, which every app node and worker connects as, may SELECT,
  INSERT, UPDATE and DELETE rows of the tables the code uses, and on the audit log only
  SELECT and INSERT. It owns nothing, has no TRUNCATE, REFERENCES or TRIGGER privilege, may
  not create objects, and is no superuser: `TRUNCATE`, `ALTER TABLE … DISABLE TRIGGER` and
  `SET session_replication_role = replica` (which skips triggers) are all refused to it.

`python -m medexam db_roles` prints the SQL; `--apply` runs it. Two parts: the bootstrap
(roles, ownership, schema rights; needs a superuser or CREATEROLE, once per database) and
the grants (run by the owner after every `migrate`: a table added by a migration is
unreachable to the application until then, which fails closed rather than open).
"""

from __future__ import annotations

from django.db import connection

from medexam.audit.models import AuditEntry

# Tables the application may add rows to and read, never change or empty.
APPEND_ONLY = (AuditEntry._meta.db_table,)
# Tables only the owner touches (migrate's bookkeeping).
OWNER_ONLY = ("django_migrations",)
APP_DML = "SELECT, INSERT, UPDATE, DELETE"


def _ident(name: str) -> str:
    return connection.ops.quote_name(name)


def _literal(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _create_role(role: str) -> str:
    return (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        f"{_literal(role)}) THEN CREATE ROLE {_ident(role)} LOGIN; END IF; END $$"
    )


def bootstrap_sql(*, database: str, owner: str, app: str) -> list[str]:
    """Once per database, as a superuser: the two roles, and the owner owning everything."""
    statements = [
        _create_role(owner),
        _create_role(app),
        # Neither may create roles or databases, and the app role inherits nothing.
        f"ALTER ROLE {_ident(owner)} NOSUPERUSER NOCREATEDB NOCREATEROLE",
        f"ALTER ROLE {_ident(app)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT",
        f"ALTER DATABASE {_ident(database)} OWNER TO {_ident(owner)}",
        f"REVOKE ALL ON DATABASE {_ident(database)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {_ident(database)} TO {_ident(app)}",
        f"ALTER SCHEMA public OWNER TO {_ident(owner)}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {_ident(app)}",
    ]
    # A database migrated earlier by another role: hand its objects to the owner.
    for table in _tables():
        statements.append(f"ALTER TABLE {_ident(table)} OWNER TO {_ident(owner)}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.prokind = 'f'"
        )
        functions = [row[0] for row in cursor.fetchall()]
    for function in functions:
        statements.append(f"ALTER FUNCTION {_ident(function)}() OWNER TO {_ident(owner)}")
    return statements


def grants_sql(*, app: str) -> list[str]:
    """After every migrate, as the owner: exactly the rights the application needs."""
    role = _ident(app)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
    ]
    for table in _tables():
        if table in OWNER_ONLY:
            continue
        rights = "SELECT, INSERT" if table in APPEND_ONLY else APP_DML
        statements.append(f"GRANT {rights} ON {_ident(table)} TO {role}")
    # Identity columns draw from their sequence for INSERT.
    statements.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return statements


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(
            info.name
            for info in connection.introspection.get_table_list(cursor)
            if info.type == "t"
        )


def apply(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
