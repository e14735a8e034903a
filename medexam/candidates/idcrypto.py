"""ID numbers at rest: AES-256-GCM per value, an HMAC for exact lookups, a reversed tail for
"last digits" search. Plain functions, so that code writing rows without the ORM (the
population generator's COPY, the import's multi-row INSERT) stores exactly what the model
stores.

* `encrypt_id(number)` -> ``"<key id>:<base64url(nonce | ciphertext | tag)>"``: a fresh
  96-bit nonce per value, the key of the first entry of ``MEDEXAM_ID_KEYS``; the column
  name is bound as associated data, so a ciphertext cannot be replayed into another
  encrypted column.
* `decrypt_id(stored)` finds the key by its id among all the configured keys (old keys
  stay listed until `python -m medexam rotate_id_keys` has re-encrypted every row).
* `id_hmac(number)`: HMAC-SHA256 (``MEDEXAM_ID_HMAC_KEY``) of the normalised number, hex;
  login, import duplicate checks and the unique constraint use it, never the plaintext.
* `id_tail(number)`: the last six characters reversed ("...123456X" -> "X65432"), kept in
  clear so that a reviewer's "last 4-6 digits" search is an index prefix scan. Six of 18
  characters do not identify anybody.

Keys come from the settings (`ID_KEYS`, `ID_HMAC_KEY`), read from the environment in
medexam/settings.py. The ring is parsed once per distinct setting value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TAIL_LENGTH = 6
_AAD = b"medexam:candidates_candidate.id_number"


class IdDecryptionError(Exception):
    """A stored ID number that none of the configured keys opens (wrong key, key removed
    before rotation finished, or a tampered value)."""


def normalise_id_number(value: str) -> str:
    """The one form ID numbers are hashed and encrypted in: no spaces, the resident ID's
    check character X upper-case."""
    return "".join(value.split()).upper()


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, AESGCM]


def parse_keys(spec: str) -> KeyRing:
    """``"k2:<base64 32 bytes>,k1:<base64 32 bytes>"``: the first is current."""
    keys: dict[str, AESGCM] = {}
    order: list[str] = []
    for item in spec.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id or not key_id.isalnum():
            raise ImproperlyConfigured(
                "MEDEXAM_ID_KEYS: each key is <id>:<base64 of 32 bytes>, the id letters "
                "and digits, the keys separated by commas"
            )
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"MEDEXAM_ID_KEYS: key {key_id!r} is not base64") from exc
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"MEDEXAM_ID_KEYS: key {key_id!r} has {len(raw)} bytes, AES-256 needs 32"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"MEDEXAM_ID_KEYS: key id {key_id!r} is listed twice")
        keys[key_id] = AESGCM(raw)
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("MEDEXAM_ID_KEYS holds no key")
    return KeyRing(current_id=order[0], keys=keys)


@lru_cache(maxsize=8)
def _ring(spec: str) -> KeyRing:
    return parse_keys(spec)


def key_ring() -> KeyRing:
    return _ring(settings.ID_KEYS)


def _hmac_key() -> bytes:
    key: str = settings.ID_HMAC_KEY
    if len(key) < 32:
        raise ImproperlyConfigured("MEDEXAM_ID_HMAC_KEY must be at least 32 characters")
    return key.encode()


def encrypt_id(number: str) -> str:
    """The stored form of `number` (normalised first)."""
    ring = key_ring()
    nonce = os.urandom(12)
    sealed = ring.keys[ring.current_id].encrypt(nonce, normalise_id_number(number).encode(), _AAD)
    return f"{ring.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def stored_key_id(stored: str) -> str:
    return stored.partition(":")[0]


def decrypt_id(stored: str) -> str:
    if not stored:
        return ""
    key_id, sep, encoded = stored.partition(":")
    ring = key_ring()
    key = ring.keys.get(key_id) if sep else None
    if key is None:
        raise IdDecryptionError(
            f"no configured key {key_id!r} (MEDEXAM_ID_KEYS lists {', '.join(ring.keys)})"
        )
    try:
        blob = base64.urlsafe_b64decode(encoded)
        return key.decrypt(blob[:12], blob[12:], _AAD).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise IdDecryptionError(f"the value under key {key_id!r} does not decrypt") from exc


def id_hmac(number: str) -> str:
    """The exact-lookup key of `number`: HMAC-SHA256, 64 hex characters."""
    normalised = normalise_id_number(number)
    return hmac.new(_hmac_key(), normalised.encode(), hashlib.sha256).hexdigest()


def id_tail(number: str) -> str:
    """The last six characters, reversed: `id_tail__startswith=reversed(digits)` finds
    numbers ending in `digits` through an ordinary (prefix) index."""
    return normalise_id_number(number)[-TAIL_LENGTH:][::-1]


def tail_prefix(last_digits: str) -> str:
    """What a "last 4-6 characters" search looks for in `id_tail` (a prefix)."""
    return normalise_id_number(last_digits)[::-1]


def id_columns(number: str) -> dict[str, str]:
    """The three stored columns of one ID number, by attname: for writers that bypass the
    model's save() (multi-row INSERT, COPY)."""
    return {
        "id_number": encrypt_id(number),
        "id_number_hmac": id_hmac(number),
        "id_tail": id_tail(number),
    }
