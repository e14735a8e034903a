"""Behind the load balancer: the candidate's own address reaches the audit log, and a
client cannot choose what it is."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from medexam.middleware import TrustedProxyMiddleware


def client_address(settings, remote: str, forwarded: str | None) -> str:
    settings.TRUSTED_PROXIES = ["10.0.1.0/24", "127.0.0.1"]
    seen = {}

    def view(request):
        seen["ip"] = request.META["REMOTE_ADDR"]

    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    TrustedProxyMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))
    return seen["ip"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.1.5", "203.0.113.7", "203.0.113.7"),  # our balancer
        ("10.0.1.5", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote 6.6.6.6
        ("10.0.1.5", "203.0.113.7, 10.0.1.9", "203.0.113.7"),  # two of our proxies
        ("198.51.100.4", "203.0.113.7", "198.51.100.4"),  # not our proxy: header ignored
        ("10.0.1.5", "not-an-address", "10.0.1.5"),
        ("10.0.1.5", None, "10.0.1.5"),
    ],
)
def test_the_client_address_is_the_last_one_our_proxies_did_not_write(
    settings, remote, forwarded, expected
):
    assert client_address(settings, remote, forwarded) == expected


@pytest.mark.django_db
def test_the_audit_log_records_the_candidates_address_behind_the_balancer(
    client, candidate, password, jpeg, settings
):
    from medexam.audit.models import AuditEntry

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.login(username=candidate.id_number, password=password)
    client.post(
        "/candidate/materials/id_proof/upload/?slot=front",
        data=jpeg(1),
        content_type="image/jpeg",
        headers={
            "X-Requested-With": "fetch",
            "X-File-Name": "a.jpg",
            "X-Forwarded-For": "203.0.113.7",
        },
    )

    assert AuditEntry.objects.get(action="image.uploaded").ip == "203.0.113.7"
