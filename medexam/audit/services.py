"""Writing the audit log. Callers pass the request (for actor, role, site and IP) or the
actor alone for commands; nothing sensitive (ID numbers, file names from clients) goes in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medexam.audit.models import AuditEntry
from medexam.logs import mask
from medexam.sql import insert

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User
    from medexam.materials.models import Application


def scrub(value: Any) -> Any:
    """`value` with anything shaped like a resident ID number or a mobile number masked, in
    every string of it (dicts and lists included): the audit log never stores a full ID
    number, whatever a caller passes (a search term, a file's line). The same guard as the
    logs' (medexam/logs.py)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is set by clients too unless a proxy we trust
    # rewrites it, and the deploy guide puts the proxy's address in REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    action: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    application: Application | None = None,
    target: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    site = ""
    if actor is not None and getattr(actor, "exam_site_id", None):
        site = str(actor.exam_site)
    # One statement without ORM query building: every upload writes one (medexam/sql.py).
    return insert(
        AuditEntry(
            action=action,
            actor=actor,
            actor_role=getattr(actor, "role", "") if actor is not None else "system",
            actor_site=site,
            ip=client_ip(request),
            application=application,
            target=target,
            summary=scrub(summary),
            data=scrub(data or {}),
        )
    )


def record_refusal(request: HttpRequest, *, target: str) -> AuditEntry | None:
    """An out-of-scope attempt by a logged-in user, answered 404 (a page of another site, a
    draft application, another candidate's image, a page of another role): who tried what,
    from where. Anonymous requests are sent to the login page instead and not recorded."""
    if not request.user.is_authenticated:
        return None
    return record(
        action="access.refused",
        request=request,
        target=target,
        summary="越权访问被拒绝",
        data={"method": request.method, "path": request.path[:200]},
    )
