"""Every URL pattern of the product, as every role, GET and POST: the answer is never
stored by a cache (Cache-Control: no-store, private), never a server error, and never shows
the Shenyang candidate's data to someone outside its scope; the full ID number shows to
nobody on any GET (only the audited "显示" POST of an in-scope reviewer reveals it)."""

from __future__ import annotations

import pytest
from django.test import Client

from medexam.candidates.models import mask_phone
from tests.security.conftest import World, concrete, url_patterns

pytestmark = pytest.mark.django_db

# Who may see the Shenyang candidate's name, phone and masked number at all.
IN_SCOPE = {"candidate", "site_reviewer", "province_reviewer"}
REVEAL = "review/applications/<int:pk>/id-number/"


def body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def answers(world: World, personas):
    """(role, method, route, response) for every route, role and method."""
    routes = url_patterns()
    for role, user in personas.items():
        client = client_for(user)
        for route in routes:
            url = concrete(route, world)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                yield role, method, route, response
                if getattr(response, "streaming", False):
                    response.close()


def test_the_walk_covers_every_page_of_the_product():
    routes = url_patterns()
    assert len(routes) >= 50
    for expected in (
        "candidate/",
        "review/applications/<int:pk>/",
        "api/v1/imports/<uuid:job_uuid>/",
    ):
        assert expected in routes


def test_every_url_as_every_role(world, personas):
    """One walk (about a thousand requests), three findings, each listed in full."""
    candidate = world.candidate
    secrets = {
        "name": candidate.name,
        "phone": candidate.phone,
        "masked phone": mask_phone(candidate.phone),
        "masked id": candidate.masked_id_number,
        "registration no": candidate.registration_no,
    }
    found: dict[str, list[str]] = {"cacheable": [], "server errors": [], "leaks": []}
    for role, method, route, response in answers(world, personas):
        where = f"{method.upper()} {route} as {role}"
        cache_control = {v.strip() for v in response.get("Cache-Control", "").split(",")}
        if not {"no-store", "private"} <= cache_control:
            found["cacheable"].append(f"{where}: {response.get('Cache-Control')!r}")
        if response.status_code >= 500:
            found["server errors"].append(f"{where}: {response.status_code}")
        text = body(response)
        if candidate.id_number in text and not (method == "post" and route == REVEAL):
            found["leaks"].append(f"{where}: the full ID number")
        if role not in IN_SCOPE:
            found["leaks"].extend(f"{where}: {what}" for what, v in secrets.items() if v in text)
    assert found == {"cacheable": [], "server errors": [], "leaks": []}


def test_only_in_scope_reviewers_can_reveal_the_full_number(world, personas):
    url = concrete(REVEAL, world)
    revealed = {
        role
        for role, user in personas.items()
        if world.candidate.id_number in body(client_for(user).post(url))
    }
    assert revealed == {"site_reviewer", "province_reviewer"}
