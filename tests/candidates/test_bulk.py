import pytest
from django.db import connection

from medexam.accounts.models import User
from medexam.candidates.bulk import allocate_ids, insert_rows
from medexam.materials.models import UploadedImage

pytestmark = pytest.mark.django_db


def test_inserted_rows_get_model_defaults():
    insert_rows(User, [{"username": "c-1", "password": "!"}, {"username": "c-2", "password": "!"}])
    users = list(User.objects.order_by("username"))
    assert [u.username for u in users] == ["c-1", "c-2"]
    assert all(u.is_active and u.role == User.Role.CANDIDATE and u.date_joined for u in users)


def test_callable_defaults_are_drawn_per_row(candidate, exam):
    # UploadedImage.uuid is a unique uuid4 default: one shared value would break the insert.
    item = exam.items.first()
    common = {
        "application_id": candidate.application.pk,
        "item_id": item.pk,
        "file": "x.jpg",
        "format": "JPEG",
        "width": 10,
        "height": 10,
        "size": 1,
        "original_size": 1,
        "original_sha256": "0" * 64,
        "uploaded_by_id": candidate.user_id,
    }
    insert_rows(UploadedImage, [{**common, "position": 0}, {**common, "position": 1}])
    uuids = set(UploadedImage.objects.values_list("uuid", flat=True))
    assert len(uuids) == 2


def test_rows_written_with_drawn_keys_leave_the_sequence_ahead():
    ids = allocate_ids(User, 3)
    if connection.vendor != "postgresql":
        assert ids is None  # elsewhere the caller reads the keys back
        return
    assert ids is not None and len(set(ids)) == 3
    insert_rows(User, ({"id": pk, "username": f"c-{pk}", "password": "!"} for pk in ids))
    assert set(User.objects.values_list("pk", flat=True)) == set(ids)
    assert User.objects.create(username="next").pk > max(ids)
