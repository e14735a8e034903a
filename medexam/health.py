"""Liveness and readiness for the load balancer and the orchestrator.

* /health/live: the process answers (no dependency is asked: a database outage must not make
  every node look dead and be restarted);
* /health/ready: each dependency asked in turn (the database, the shared cache, the file
  storage, the task backend), each one's answer and time reported (its error class only).
  503 when the node cannot serve at all: the database failed. A shared cache, storage or
  task backend that fails makes the answer 200 with `"degraded": [...]`: the outage is the
  same on every node, and taking every node out of the balancer for it would turn "uploads
  answer 503 please-retry, pages work" into "nothing works". `?strict=1` answers 503 for any
  failure (for monitoring, and for an orchestrator that should hold back a new release).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    cache.set("health:ready", "1", 10)
    if cache.get("health:ready") != "1":
        raise RuntimeError("cache did not keep a value")


def check_storage() -> None:
    from medexam.files.storage import check_reachable
    from medexam.materials.models import private_storage

    check_reachable(private_storage())


# Without these the node can serve nothing; the others degrade parts of the site.
CRITICAL = frozenset({"database"})
CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
}


def _checks() -> dict[str, Callable[[], None]]:
    checks = dict(CHECKS)
    # The task backend's check, from the task engine's settings (MEDEXAM_READINESS_CHECKS:
    # {"tasks": "dotted.path"}), so that this module need not know which engine runs.
    for name, path in getattr(settings, "MEDEXAM_READINESS_CHECKS", {}).items():
        checks[name] = import_string(path)
    return checks


@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    results, failed = {}, []
    for name, check in _checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            failed.append(name)
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    serving = not CRITICAL.intersection(failed)
    strict = request.GET.get("strict") == "1"
    body = {
        "ok": not failed if strict else serving,
        "degraded": [name for name in failed if name not in CRITICAL],
        "checks": results,
    }
    return JsonResponse(body, status=200 if body["ok"] else 503)


@never_cache
def metrics(request: HttpRequest):
    """Prometheus text format, only to the addresses in MEDEXAM_METRICS_ALLOWED_IPS."""
    from django.http import Http404, HttpResponse
    from prometheus_client import CONTENT_TYPE_LATEST

    from medexam import metrics as app_metrics

    if request.META.get("REMOTE_ADDR") not in settings.METRICS_ALLOWED_IPS:
        raise Http404
    return HttpResponse(app_metrics.render(), content_type=CONTENT_TYPE_LATEST)
