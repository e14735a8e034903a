"""Plain multi-row INSERTs (COPY on PostgreSQL) for the import's new rows.

`bulk_create` prepares every value through the field machinery and, on SQLite, splits a
30-column model into batches of about 30 rows: at 100,000 candidates that is most of an
import's minute. Here each column gets one converter, chosen once, and the rows go to
`executemany`. Only for models whose save() does nothing special (no signals of our own,
no overridden save) — true of User, Candidate and Application at import time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

# Rows per executemany() where there is no COPY (SQLite): bounded memory for any iterable.
EXECUTEMANY_BATCH = 2000
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


def allocate_ids(model: type[models.Model], n: int) -> list[int] | None:
    """`n` new primary keys from the table's own sequence (PostgreSQL), for rows written
    with their keys; None elsewhere (the caller reads the keys back after inserting)."""
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql" or n <= 0:
        return None
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, n],
        )
        return [pk for (pk,) in cursor.fetchall()]


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> None:
    """INSERTs `rows` (attname -> value; any iterable, read once); columns a row lacks take
    the field's default, auto_now / auto_now_add fields take the current time. The primary
    key is written when the first row has it (keys from allocate_ids), else the table's
    sequence chooses. On PostgreSQL one COPY streams every row: PostgreSQL stores what it
    has received while the next rows are prepared here."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain([first], rows)
    conn = connections[DEFAULT_DB_ALIAS]
    with_pk = model._meta.pk.attname in first
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    now = timezone.now()
    template = model()
    defaults = {}
    per_row = []  # callable defaults (a uuid4, say) must differ from row to row
    for field in fields:
        if field.primary_key:
            continue  # every row has its own
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

    def params() -> Iterator[list[Any]]:
        for row in rows:
            for f in per_row:
                if f.attname not in row:
                    row = {**row, f.attname: f.get_default()}
            yield [
                convert(row[attname]) if attname in row else prepared[attname]
                for attname, convert in converters
            ]

    quote = conn.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(str(field.column)) for field in fields)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY: one stream for all the rows instead of a statement per row (the same
            # values, adapted by psycopg as for the INSERT). bench/import_candidates.py
            # --postgres measures the import against a raw COPY of the rows it writes.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values_row in params():
                    copy.write_row(values_row)
            return
        # Table and column names come from the model (quoted); every value is a parameter.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        batch: list[list[Any]] = []
        for values_row in params():
            batch.append(values_row)
            if len(batch) == EXECUTEMANY_BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
