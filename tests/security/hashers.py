"""A real PBKDF2 hasher, slow enough for a race to have room, that counts its checks: how
many passwords the server really evaluated, whatever the answers said."""

from __future__ import annotations

import threading

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class CountingPBKDF2(PBKDF2PasswordHasher):
    iterations = 200_000
    checks = 0
    _lock = threading.Lock()

    def verify(self, password, encoded):
        with CountingPBKDF2._lock:
            CountingPBKDF2.checks += 1
        return super().verify(password, encoded)
