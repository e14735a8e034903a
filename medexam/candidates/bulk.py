"""Plain multi-row INSERTs (COPY on PostgreSQL) for the import's new rows.

`bulk_create` prepares every value through the field machinery and, on SQLite, splits a
30-column model into batches of about 30 rows: at 100,000 candidates that is most of an
import's minute. Here each column gets one converter, chosen once, and the rows go to
`executemany`. Only for models whose save() does nothing special (no signals of our own,
no overridden save) — true of User, Candidate and Application at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def _converter(field: models.Field, conn: Any) -> Callable[[Any], Any]:
    # Text, numbers, booleans and foreign keys go to the driver as they are; everything
    # else (dates, JSON, UUIDs, files...) through the field's own preparation, with the
    # connection object itself (django.db.connection is a proxy through a context-local:
    # looked up on every value it cost ~2 s of a 100,000-row import).
    # The encrypted ID number is a CharField that must go through its own preparation.
    if isinstance(field, _PLAIN) and not getattr(field, "encrypted", False):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, conn)


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERTs `rows` (attname -> value); columns a row lacks take the field's default,
    auto_now / auto_now_add fields take the current time."""
    if not rows:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    template = model()
    defaults = {}
    per_row = []  # callable defaults (a uuid4, say) must differ from row to row
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default() and callable(field.default) and field.default not in (list, dict):
            per_row.append(field)
        else:
            defaults[field.attname] = getattr(template, field.attname)
    converters = [(field.attname, _converter(field, conn)) for field in fields]
    # A value every row shares (a default, the current time) is converted once, not per row.
    prepared = {
        attname: convert(defaults[attname])
        for attname, convert in converters
        if attname in defaults
    }
    quote = conn.ops.quote_name
    # Table and column names come from the model (quoted); every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(str(field.column)) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = []
    for row in rows:
        for f in per_row:
            if f.attname not in row:
                row = {**row, f.attname: f.get_default()}
        params.append(
            [
                convert(row[attname]) if attname in row else prepared[attname]
                for attname, convert in converters
            ]
        )
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY: one stream for the whole chunk instead of a statement per row (the
            # same values, adapted by psycopg as for the INSERT). bench/import_candidates.py
            # --postgres measures the import against a raw COPY of the rows it writes.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(model._meta.db_table),
                ", ".join(quote(str(field.column)) for field in fields),
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for values_row in params:
                    copy.write_row(values_row)
        else:
            cursor.executemany(sql, params)
