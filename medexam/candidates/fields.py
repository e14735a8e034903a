"""The encrypted ID-number column (idcrypto holds the cryptography)."""

from __future__ import annotations

from typing import Any

from django.db import models

from medexam.candidates import idcrypto


class EncryptedIdNumberField(models.CharField):
    """Plain text in Python, AES-GCM ciphertext in the database.

    Every write encrypts with a fresh nonce, so equal numbers never look equal in the
    column: it cannot be filtered on. Every lookup but `isnull` is refused (a silent
    `filter(id_number=...)` that never matches would be worse than an error): look up by
    `id_number_hmac` (idcrypto.id_hmac) or search `id_tail` instead."""

    encrypted = True  # candidates.bulk sends the value through get_db_prep_save

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 128)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return value
        return idcrypto.decrypt_id(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return idcrypto.encrypt_id(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None
