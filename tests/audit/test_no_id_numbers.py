"""The audit log never stores a full ID number (nor a full mobile number), whatever a
caller passes: a search term, an error line, a nested field."""

from __future__ import annotations

import pytest

from medexam.audit.models import AuditEntry
from medexam.audit.services import record

pytestmark = pytest.mark.django_db

NUMBER = "21010219950712001X"
PHONE = "13912345678"


def test_what_looks_like_an_id_or_phone_number_is_masked_before_it_is_stored():
    entry = record(
        action="queue.exported",
        summary=f"搜索 {NUMBER} 或 {PHONE.lower()}",
        data={"q": NUMBER.lower(), "rows": [{"line": 3, "value": f"x{NUMBER}"}], "n": 5},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    text = f"{stored.summary} {stored.data}"
    assert NUMBER not in text.upper() and PHONE not in text
    assert stored.summary == "搜索 210*************** 或 139********"
    assert stored.data["n"] == 5 and stored.data["rows"][0]["line"] == 3
