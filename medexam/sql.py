"""Small helpers for the few statements written as SQL on per-request hot paths.

Why any SQL at all: building a query through the ORM costs 0.4-1.2 ms of CPU on this
hardware, running it 0.02-0.1 ms; the upload request and every request's session and user
load are where that adds up (README, "Upload benchmark"). Names come from the models' `_meta`
and values go through Django's own field adaptation, so what is written and read is exactly
what the ORM would write and read. Everything else uses the ORM.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Model


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def column(model: type[Model], field: str, alias: str = "") -> str:
    return (f"{alias}." if alias else "") + quote(model._meta.get_field(field).column)


def columns(model: type[Model], fields, alias: str = "") -> str:
    return ", ".join(column(model, name, alias) for name in fields)


@cache
def _insert_statement(model: type[Model], vendor: str) -> tuple[str, tuple, bool]:
    pk = model._meta.pk
    fields = tuple(f for f in model._meta.concrete_fields if f is not pk)
    returning = connection.features.can_return_columns_from_insert
    sql = (
        f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names from _meta
        f"VALUES ({', '.join(['%s'] * len(fields))})"
        + (f" RETURNING {quote(pk.column)}" if returning else "")
    )
    return sql, fields, returning


def insert(obj: Model) -> Model:
    """INSERT a new instance (auto primary key) as `obj.save()` would: defaults,
    auto_now_add and each field's own database preparation, but without building the query
    through the ORM. Sends no signals: use it only for models without save receivers or
    save() logic beyond what this does (materials.UploadedImage, audit.AuditEntry)."""
    model = type(obj)
    sql, fields, returning = _insert_statement(model, connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
