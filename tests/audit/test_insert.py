"""medexam.sql.insert writes exactly the row the ORM's save() would."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from medexam.audit.models import AuditEntry
from medexam.sql import insert

pytestmark = pytest.mark.django_db


def test_insert_writes_what_save_writes(candidate):
    def entry():
        return AuditEntry(
            action="image.uploaded",
            actor=candidate.user,
            actor_role="candidate",
            ip="10.1.2.3",
            application=candidate.application,
            target="image:x",
            summary="上传 身份证明",
            data={"item": "id_proof", "sizes": [1, 2]},
        )

    saved = entry()
    saved.save()
    inserted = insert(entry())

    fresh = AuditEntry.objects.get(pk=inserted.pk)
    assert inserted.pk != saved.pk and not inserted._state.adding
    ignore = {"id"}
    assert {k: v for k, v in model_to_dict(fresh).items() if k not in ignore} == {
        k: v
        for k, v in model_to_dict(AuditEntry.objects.get(pk=saved.pk)).items()
        if k not in ignore
    }
    assert (
        fresh.created_at is not None
        and abs((fresh.created_at - saved.created_at).total_seconds()) < 5
    )
    assert fresh.data == {"item": "id_proof", "sizes": [1, 2]}
