"""Liveness and readiness for the load balancer and the orchestrator.

* /health/live: the process answers (no dependency is asked: a database outage must not make
  every node look dead and be restarted);
* /health/ready: the node can serve now: the database, the shared cache, the file storage
  and the task backend each answer within their timeout. 503 with the failing part named
  (its error class only) otherwise, so the balancer takes the node out of rotation.
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
    results, ok = {}, True
    for name, check in _checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            ok = False
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return JsonResponse({"ok": ok, "checks": results}, status=200 if ok else 503)


@never_cache
def metrics(request: HttpRequest):
    """Prometheus text format, only to the addresses in MEDEXAM_METRICS_ALLOWED_IPS."""
    from django.http import Http404, HttpResponse
    from prometheus_client import CONTENT_TYPE_LATEST

    from medexam import metrics as app_metrics

    if request.META.get("REMOTE_ADDR") not in settings.METRICS_ALLOWED_IPS:
        raise Http404
    return HttpResponse(app_metrics.render(), content_type=CONTENT_TYPE_LATEST)
