"""What the app answers when something it depends on fails: the database (a lost connection,
a failover), the shared cache (Redis), the file storage (S3 or disk).

Such a failure is not a bug of the request: the same request a few seconds later, on this
node or another, will likely work. So it gets HTTP 503 with Retry-After, a Chinese "please
retry" (JSON for the page's scripts, which retry with the same idempotency key; a plain page
otherwise), one structured log line naming the component (never the error's text, which
can quote data), and a metric. Anything else stays a 500.

Two entry points, because Django converts exceptions to responses in two places: the
middleware sees exceptions raised by views; `server_error` (handler500) sees the rest, e.g.
a session that cannot be read or saved in a middleware."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django import db
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from medexam import metrics
from medexam.files.storage import STORAGE_ERRORS

logger = logging.getLogger("medexam.faults")

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is a dependency
    CACHE_ERRORS = ()

# OSErrors that usually mean a wrong path or mode in our code, not a storage outage: they
# stay 500s with their traceback. A full disk, an I/O error, a refused connection are 503s.
LIKELY_BUGS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)
RETRY_AFTER_SECONDS = 5
MESSAGE = "系统暂时繁忙，刚才的操作没有完成，也没有保存任何内容。请稍后重试；已保存的内容不受影响。"
UPLOAD_MESSAGE = (
    "系统暂时繁忙，这张图片还没有保存。页面会自动重试（不会重复上传）；"
    "如果仍未成功，请稍后点击“重试”。已上传的其他图片不受影响。"
)


def component_of(error: BaseException | None) -> str | None:
    """'database', 'cache' or 'storage' if `error` (or what it was raised from) is a
    failure of that dependency; None for anything else."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        # The cache first: redis' ConnectionError is also an OSError-free class of its own,
        # but OSError (storage) is broad and must not swallow the others.
        if CACHE_ERRORS and isinstance(error, CACHE_ERRORS):
            return "cache"
        if isinstance(error, db.OperationalError | db.InterfaceError):
            return "database"
        if isinstance(error, STORAGE_ERRORS) and not isinstance(error, LIKELY_BUGS):
            return "storage"
        error = error.__cause__ or error.__context__
    return None


def wants_json(request: HttpRequest) -> bool:
    return (
        request.headers.get("X-Requested-With") == "fetch"
        or "application/json" in request.headers.get("Accept", "")
        or request.path.startswith("/api/")
    )


def unavailable(request: HttpRequest, component: str) -> HttpResponse:
    metrics.DEPENDENCY_FAILURES.labels(component=component).inc()
    logger.warning(
        "dependency unavailable",
        extra={
            "event": "dependency.unavailable",
            "component": component,
            "method": request.method,
            "view": getattr(request.resolver_match, "view_name", "") or "",
        },
    )
    upload = bool(request.resolver_match and request.resolver_match.view_name == "materials:upload")
    if upload:
        metrics.UPLOADS.labels(outcome="SERVICE_UNAVAILABLE").inc()
    if wants_json(request):
        response = JsonResponse(
            {
                "ok": False,
                "code": "SERVICE_UNAVAILABLE",
                "message": UPLOAD_MESSAGE if upload else MESSAGE,
                "retry": True,
            },
            status=503,
        )
    else:
        # No request context: rendering it would read the session and the user, which is
        # what may have just failed.
        response = HttpResponse(loader.get_template("503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DependencyFailureMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        component = component_of(exception)
        return unavailable(request, component) if component else None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a dependency's failure raised outside a view still becomes a 503."""
    component = component_of(sys.exc_info()[1])
    if component:
        return unavailable(request, component)
    if wants_json(request):
        return JsonResponse(
            {
                "ok": False,
                "code": "SERVER_ERROR",
                "message": "服务器出错，刚才的操作没有完成。请稍后重试；如果一直出错，请联系报名考点。",
            },
            status=500,
        )
    return HttpResponse(loader.get_template("500.html").render({}), status=500)


class SkipDependencyFailures(logging.Filter):
    """For django.request: a dependency failure already has its own line (above); its
    traceback, and Django's "Service Unavailable" line for every 503, at ERROR would page
    someone for every request during a failover."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 503:
            return False
        error = record.exc_info[1] if record.exc_info else None
        return component_of(error) is None
