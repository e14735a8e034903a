"""How the API answers a refusal (medexam.errors.DomainError): in one place, as DRF answers
its own errors ({"detail": ...}) plus the refusal's stable code."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler

from medexam.errors import DomainError


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status)
    return exception_handler(exc, context)
