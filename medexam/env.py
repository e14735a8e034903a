"""Environment readers that fail loudly on a value they cannot read (healthchecks' habit)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Development-only ID-number keys (demo, tests, benchmarks): public, so never valid with DEBUG
# off unless set explicitly in the environment, as tests/settings.py and the benches do.
DEV_ID_KEYS = "dev1:bWVkZXhhbS1kZXYtb25seS1pZC1rZXktMzJieXRlcyE="
DEV_ID_HMAC_KEY = "medexam-dev-only-id-hmac-key-not-a-secret-0001"  # noqa: S105

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_secret(name: str, default: str = "") -> str:
    """A secret from `name`, or from the file that `name`_FILE points to (container secrets:
    Docker and Kubernetes mount them as files, so the value never sits in the environment).

    The file's content counts without its trailing newline. Setting both is refused (which
    one wins would be a guess), and so is a `_FILE` that cannot be read: a missing secret
    must stop the start, not fall back to a default."""
    file_name = f"{name}_FILE"
    path = os.environ.get(file_name)
    if path is None:
        return os.environ.get(name, default)
    if name in os.environ:
        raise ImproperlyConfigured(f"set {name} or {file_name}, not both")
    try:
        value = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{file_name}={path!r} cannot be read ({exc.strerror or type(exc).__name__})"
        ) from exc
    if not value:
        raise ImproperlyConfigured(f"{file_name}={path!r} is empty")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1 or 0)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
