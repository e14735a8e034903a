"""Settings of a worker process started by a test (tests/jobs/worker.py): the test settings,
pointed at the test's own database, file folder and SMS file through the environment."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, STORAGES

DATABASES["default"]["NAME"] = os.environ["MEDEXAM_TEST_DB_NAME"]
DATABASES["default"].pop("TEST", None)
_root = os.environ["MEDEXAM_PRIVATE_MEDIA_ROOT"]
_storage = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": _root, "base_url": None},
}
STORAGES = {**STORAGES, "default": _storage, "private": _storage}
