"""Test settings: production settings (DEBUG off) with throwaway keys, plain cookies for the
http live server, a fast password hasher, and a file SQLite database per run (the live server's
threads cannot share an in-memory one)."""

import os
import tempfile

from medexam.env import DEV_ID_HMAC_KEY, DEV_ID_KEYS

os.environ.setdefault("MEDEXAM_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("MEDEXAM_SECURE_COOKIES", "0")
# The development ID-number keys (public): the tests run with DEBUG off like production.
os.environ.setdefault("MEDEXAM_ID_KEYS", DEV_ID_KEYS)
os.environ.setdefault("MEDEXAM_ID_HMAC_KEY", DEV_ID_HMAC_KEY)
# Codes are read back from the file SMS backend's log, refused in production.
os.environ.setdefault("MEDEXAM_SMS_FILE_BACKEND_ALLOWED", "1")

from medexam.settings import *  # noqa: E402,F403
from medexam.settings import DATABASES, STORAGES  # noqa: E402

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"medexam-test-{os.getpid()}.sqlite3")
    }
