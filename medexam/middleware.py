import ipaddress
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Strict CSP: no inline scripts or styles anywhere; static files only from ourselves.
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# Every response the application itself makes may carry personal data (pages, messages,
# exports, the API, even a redirect's or an error page's body): none may be stored by a
# browser's cache, a shared proxy or the back/forward history. Static files never get here
# (WhiteNoise answers them earlier, with their long cache lifetime).
CACHE_CONTROL = "no-store, private"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = CACHE_CONTROL
        return response


class TrustedProxyMiddleware:
    """Behind a load balancer REMOTE_ADDR is the balancer's address: the audit log would
    record it for every candidate, and the login throttle's per-address limit would lock out
    everyone behind it at once. When the request comes from a proxy in
    MEDEXAM_TRUSTED_PROXIES, the client's address is the rightmost one in X-Forwarded-For that
    is not itself a trusted proxy (addresses left of it were written by the client and prove
    nothing). From anyone else the header is ignored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from django.conf import settings

        self.get_response = get_response
        self.trusted = [ipaddress.ip_network(n, strict=False) for n in settings.TRUSTED_PROXIES]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.trusted and self._is_trusted(request.META.get("REMOTE_ADDR", "")):
            hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            for hop in reversed([h for h in hops if h]):
                if not self._is_trusted(hop):
                    try:
                        request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(hop))
                    except ValueError:
                        pass  # not an address: keep the proxy's rather than trust garbage
                    break
        return self.get_response(request)
