"""Django's database sessions, read with one SQL statement: the session engine without Redis
(settings: with MEDEXAM_REDIS_URL, Django's own cached_db serves sessions from Redis).

Every request reads its session. Kept on the figures: this read costs ~0.3 ms of CPU per
request against ~0.8 ms for Django's database store (its ORM query), and ~0.5 ms for
Django's cached_db on Redis (in one process on SQLite, 2026-12-02; with the user load, +9 %
server CPU per upload without it in three bench runs: README, "Upload benchmark"). Writing,
expiry, logout and cleanup are Django's own (this store only overrides `load`), so a
session ended anywhere is ended everywhere.
"""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from medexam.sql import column, fetch_one, table


@cache
def _load_statement(vendor: str) -> str:
    return (
        f"SELECT {column(Session, 'session_data')} FROM {table(Session)} "  # noqa: S608 - names from _meta
        f"WHERE {column(Session, 'session_key')} = %s AND {column(Session, 'expire_date')} > %s"
    )


class SessionStore(db.SessionStore):
    def load(self):
        key = self.session_key
        row = None
        if key:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            row = fetch_one(_load_statement(connection.vendor), [key, now])
        if row is None:
            # As Django's store does: an unknown or expired key is dropped, never reused.
            self._session_key = None
            return {}
        return self.decode(row[0])
