"""medexam.sql: `insert` writes exactly the row the ORM's save() would; `instance` builds
from raw column values exactly the instance the ORM builds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from medexam.audit.models import AuditEntry
from medexam.sql import columns, insert, instance, table

pytestmark = pytest.mark.django_db


def _entry(candidate, data: dict) -> AuditEntry:
    return AuditEntry(
        action="image.uploaded",
        actor=candidate.user,
        actor_role="candidate",
        ip="10.1.2.3",
        application=candidate.application,
        target="image:x",
        summary="上传 身份证明",
        data=data,
    )


def test_insert_writes_what_save_writes(candidate):
    def entry():
        return _entry(candidate, {"item": "id_proof", "sizes": [1, 2]})

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


def _raw(model, fields, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(model, fields)} FROM {table(model)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()


def test_every_field_comes_back_as_the_orm_gives_it(candidate):
    saved = _entry(candidate, {"item": "id_proof", "sizes": [1, 2], "名": "值"})
    saved.save()
    fields = tuple(f.name for f in AuditEntry._meta.concrete_fields)
    built = instance(AuditEntry, fields, _raw(AuditEntry, fields, saved.pk))
    fresh = AuditEntry.objects.get(pk=saved.pk)

    for field in AuditEntry._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(fresh, field.attname), field.name
    assert built.created_at.tzinfo is not None  # aware, as the ORM's
    assert built.data == {"item": "id_proof", "sizes": [1, 2], "名": "值"}  # JSON decoded
    assert not built._state.adding and built.get_deferred_fields() == set()


def test_some_fields_in_any_order_leave_the_others_deferred(candidate):
    saved = AuditEntry.objects.create(
        action="a.b", actor=candidate.user, summary="s", data={"k": 1}
    )
    fields = ("data", "summary", "id")  # not the model's order
    built = instance(AuditEntry, fields, _raw(AuditEntry, fields, saved.pk))

    assert (built.pk, built.summary, built.data) == (saved.pk, "s", {"k": 1})
    assert "action" in built.get_deferred_fields() and "data" not in built.get_deferred_fields()
    assert built.action == "a.b"  # a deferred field still loads when asked for


def test_a_field_named_twice_is_refused():
    with pytest.raises(ValueError):
        instance(AuditEntry, ("id", "id"), (1, 1))
