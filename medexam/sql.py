"""Small helpers for the few statements written as SQL on per-request hot paths: the upload's
reads under the row lock (`materials/upload_reads.py`), its two inserts (`insert`), and every
request's session and user loads without Redis (`accounts/sessions.py`, `accounts/backends.py`).

Why any SQL at all, measured side by side with the plain ORM (the same upload path through
select_for_update, select_related / annotate + only(), objects.create; 300 uploads through
the WSGI application in one process on SQLite, 2026-12-02, the machine's load ~5): the
upload took 8.9 ms of CPU with these statements and 13.0 ms with the ORM. Of the 4.1 ms, the
locked reads were 2.8 ms (0.74 against 3.57 ms) and the two inserts 0.75 ms (0.21 ms each
against 0.86 ms for the image and ~0.3 ms for the audit entry); the bench's run-to-run
spread of server CPU per upload is about +-0.75 ms. Names come from the models' `_meta` and
values go through Django's own field adaptation, so what is written and read is exactly what
the ORM would write and read. Everything else uses the ORM. The session and user loads have
their own figures in their docstrings.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete column")
    return field


def _column_name(field: Field[Any, Any]) -> str:
    assert field.column is not None  # concrete fields have one
    return field.column


def column(model: type[Model], field: str, alias: str = "") -> str:
    return (f"{alias}." if alias else "") + quote(_column_name(_field(model, field)))


def columns(model: type[Model], fields, alias: str = "") -> str:
    return ", ".join(column(model, name, alias) for name in fields)


def fetch_one(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """The first row of one statement (None: no row)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return tuple(row) if row is not None else None


@cache
def _insert_statement(model: type[Model], vendor: str) -> tuple[str, tuple, bool]:
    pk = model._meta.pk
    fields = tuple(f for f in model._meta.concrete_fields if f is not pk)
    returning = connection.features.can_return_columns_from_insert
    sql = (
        f"INSERT INTO {table(model)} ({', '.join(quote(_column_name(f)) for f in fields)}) "  # noqa: S608 - names from _meta
        f"VALUES ({', '.join(['%s'] * len(fields))})"
        + (f" RETURNING {quote(_column_name(pk))}" if returning else "")
    )
    return sql, fields, returning


@cache
def _reading(model: type[Model], fields: tuple[str, ...], vendor: str) -> tuple:
    """How to turn raw values of `fields` into what the ORM's compiler returns, found once,
    not per row: per field, its column expression and converters (the backend's, then the
    field's own from_db_value)."""
    found = []
    for name in fields:
        field = _field(model, name)
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        found.append((col, tuple(converters)))
    return tuple(found)


def convert(model: type[Model], fields: tuple[str, ...], values) -> list:
    """Raw column values of `fields` (in that order) as the ORM would return them."""
    result = []
    for value, (col, converters) in zip(
        values, _reading(model, fields, connection.vendor), strict=True
    ):
        for converter in converters:
            value = converter(value, col, connection)
        result.append(value)
    return result


@cache
def _model_order(model: type[Model], fields: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """`fields`' attnames in the model's field order (Model.from_db fills the deferred
    ones by that order) and where each comes from in `fields`."""
    wanted = {_field(model, name).attname: i for i, name in enumerate(fields)}
    attnames = [f.attname for f in model._meta.concrete_fields if f.attname in wanted]
    if len(attnames) != len(fields):
        raise ValueError(f"not distinct concrete fields of {model.__name__}: {fields}")
    return attnames, [wanted[name] for name in attnames]


def instance(model: type[M], fields: tuple[str, ...], values: Any) -> M:
    """A model instance from raw column values of `fields` (the other fields stay deferred),
    as the ORM's own query would build it: the same conversions, then `Model.from_db`."""
    attnames, order = _model_order(model, fields)
    converted = convert(model, fields, values)
    return model.from_db(connection.alias, attnames, [converted[i] for i in order])


def insert(obj: M) -> M:
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
            pk = connection.ops.last_insert_id(
                cursor, model._meta.db_table, _column_name(model._meta.pk)
            )
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
