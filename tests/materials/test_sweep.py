import os
import time

import pytest
from django.core.management import call_command

from medexam.materials import services
from tests.materials.helpers import stored_files, upload

pytestmark = pytest.mark.django_db


def test_the_sweep_removes_only_old_unreferenced_files(candidate, jpeg, _private_storage, capsys):
    kept = upload(candidate, jpeg(1), slot="front")
    services.ensure_thumbnail(kept)
    orphan = _private_storage / "images" / "ab" / "abandoned.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    young = _private_storage / "images" / "cd" / "in-flight.jpg"
    young.parent.mkdir(parents=True, exist_ok=True)
    young.write_bytes(b"upload still in its transaction")
    two_hours_ago = time.time() - 7200
    for path in stored_files(_private_storage):
        if path != young:
            os.utime(path, (two_hours_ago, two_hours_ago))

    call_command("sweep_orphan_files")

    remaining = {p.name for p in stored_files(_private_storage)}
    assert "abandoned.jpg" not in remaining
    assert "in-flight.jpg" in remaining
    assert kept.file.name.split("/")[-1] in remaining
    assert kept.thumbnail.name.split("/")[-1] in remaining
    assert "removed 1 orphan file(s)" in capsys.readouterr().out
