"""The product's own Chinese error pages, always: 400, 403, 404 and 500, in debug mode too
(the demo runs with MEDEXAM_DEBUG=1 and a candidate must never meet Django's English
technical pages). Developers still get the traceback: an exception is logged as Django logs
it (logger `django.request`) before the page is shown."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.utils.log import log_response

TEMPLATES = {400: "400.html", 403: "403.html", 404: "404.html", 500: "500.html"}


def render_error(request: HttpRequest | None, status: int, exception=None) -> HttpResponse:
    template = loader.get_template(TEMPLATES[status])
    if status == 500:
        # No request context: the database may be what failed (base.html reads the user).
        body = template.render()
    else:
        message = ""
        if status == 403 and isinstance(exception, PermissionDenied) and exception.args:
            message = str(exception.args[0])  # only ours: Chinese texts written for people
        body = template.render({"message": message}, request)
    response = HttpResponse(body, status=status)
    response.product_page = True  # type: ignore[attr-defined]  # a marker, read by the middleware below
    return response


# The URL configuration's handlers (medexam.urls): used when DEBUG is off.
def bad_request(request, exception=None):
    return render_error(request, 400, exception)


def permission_denied(request, exception=None):
    return render_error(request, 403, exception)


def page_not_found(request, exception=None):
    return render_error(request, 404, exception)


def server_error(request):
    return render_error(request, 500)


class ProductErrorPagesMiddleware:
    """With DEBUG on, Django answers a missing page or a crash with its technical pages;
    this answers with ours instead. With DEBUG off the handlers above already do."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not getattr(response, "product_page", False)
        ):
            # No URL matched: the response is Django's technical 404 page.
            return render_error(request, 404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not settings.DEBUG:
            return None  # Django calls the handlers, which render the same pages
        if isinstance(exception, Http404):
            return render_error(request, 404, exception)
        if isinstance(exception, PermissionDenied):
            return render_error(request, 403, exception)
        response = render_error(request, 500)
        # What Django logs for a crash, traceback included (exc_info=exception).
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response
