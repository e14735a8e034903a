"""Key rotation of the encrypted ID numbers (README "ID numbers"): put a new key first in
MEDEXAM_ID_KEYS, run `python -m medexam rotate_id_keys`, then, once `--check` counts no row
under the old key, remove it.

Rows are read by key (primary key order) in batches, each batch in its own transaction, so a
million rows neither hold one long transaction nor need the site to stop. A row is written
back only if it still holds the ciphertext that was read (compare and set): a candidate
re-imported meanwhile keeps its new number. `rehash` also recomputes the HMAC from the
decrypted number, which is how a new MEDEXAM_ID_HMAC_KEY takes effect."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from medexam.candidates import idcrypto
from medexam.candidates.models import Candidate
from medexam.sql import column, table

BATCH = 2000


@dataclass
class Rotation:
    examined: int = 0
    reencrypted: int = 0
    rehashed: int = 0
    skipped_changed: int = 0  # changed by someone else between the read and the write


def keys_in_use() -> Counter[str]:
    """How many rows each key id encrypts (the old key may go once it counts zero)."""
    counts: Counter[str] = Counter()
    for rows in _batches():
        counts.update(idcrypto.stored_key_id(stored) for _pk, stored, _hmac in rows if stored)
    return counts


def _batches(batch: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
    last = 0
    sql = (
        f"SELECT {column(Candidate, 'id')}, {column(Candidate, 'id_number')}, "  # noqa: S608 - names from _meta
        f"{column(Candidate, 'id_number_hmac')} FROM {table(Candidate)} "
        f"WHERE {column(Candidate, 'id')} > %s ORDER BY {column(Candidate, 'id')} LIMIT {int(batch)}"
    )
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def rotate_id_keys(*, rehash: bool = False, batch: int = BATCH) -> Rotation:
    """Re-encrypts with the current key every row under another key (every row, with
    `rehash`, and recomputes its HMAC)."""
    result = Rotation()
    current = idcrypto.key_ring().current_id
    update = (
        f"UPDATE {table(Candidate)} SET {column(Candidate, 'id_number')} = %s, "  # noqa: S608 - names from _meta
        f"{column(Candidate, 'id_number_hmac')} = %s "
        f"WHERE {column(Candidate, 'id')} = %s AND {column(Candidate, 'id_number')} = %s"
    )
    for rows in _batches(batch):
        result.examined += len(rows)
        params = []
        for pk, stored, old_hmac in rows:
            if not stored or (idcrypto.stored_key_id(stored) == current and not rehash):
                continue
            number = idcrypto.decrypt_id(stored)
            new_hmac = idcrypto.id_hmac(number) if rehash else old_hmac
            result.rehashed += new_hmac != old_hmac
            params.append([idcrypto.encrypt_id(number), new_hmac, pk, stored])
        if not params:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            for values in params:
                cursor.execute(update, values)
                if cursor.rowcount == 1:
                    result.reencrypted += 1
                else:
                    result.skipped_changed += 1
    return result
