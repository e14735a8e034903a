"""The upload benchmark's steps that run inside one installation, with that installation's
own code (bench/upload.py runs this with the tree under test first on PYTHONPATH, so a
side built from another commit is set up and checked by its own models):

    python bench/upload_django.py items             # items without named slots, caps
    python bench/upload_django.py sessions COUNT    # log COUNT candidates in
    python bench/upload_django.py first             # the first demo candidate's ID number
    python bench/upload_django.py fill COUNT        # COUNT more candidates, ~3 images each
    python bench/upload_django.py verify < answers.json

Each prints one line of JSON.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import import_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from medexam.accounts.models import User  # noqa: E402
from medexam.candidates import idcrypto  # noqa: E402
from medexam.candidates.models import Candidate  # noqa: E402
from medexam.materials.models import Application, UploadedImage  # noqa: E402
from medexam.rules.models import Exam, MaterialItem  # noqa: E402

EXAM = "liaoning-2022"
ID_BACKEND = "medexam.accounts.backends.IdNumberBackend"


def items() -> list[tuple[str, int]]:
    """Items without named slots and their caps (~70 places per candidate)."""
    return [
        (item.code, item.max_count)
        for item in MaterialItem.objects.filter(exam__slug=EXAM).order_by("order")
        if not item.slots
    ]


def sessions(count: int) -> list[str]:
    """Session keys of `count` demo candidates (resident IDs), logged in as
    django.contrib.auth.login does, through the installation's own session engine: the
    bench needs many candidates per connection, and a login through the page costs ~0.5 s
    of PBKDF2 each (the page's login is still tried once per side by the bench)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    users = list(
        User.objects.filter(
            candidacies__exam__slug=EXAM, candidacies__id_type="resident_id", is_active=True
        ).order_by("id")[:count]
    )
    if len(users) < count:
        sys.exit(f"only {len(users)} demo candidates with a resident ID; need {count}")
    keys = []
    for user in users:
        store = store_class()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = ID_BACKEND
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save(must_create=True)
        keys.append(store.session_key)
    return keys


def fill(count: int, batch: int = 5000) -> int:
    """`count` more candidates over the exam's sites with an application and three image
    rows each (the files are not written: only the rows' weight in the tables and indexes
    matters to an upload's reads), so that the upload's reads run against a database of a
    province's size rather than a demo's. Their accounts cannot log in."""
    exam = Exam.objects.get(slug=EXAM)
    sites = list(exam.sites.order_by("id"))
    item_ids = list(
        MaterialItem.objects.filter(exam=exam).order_by("order").values_list("id", flat=True)
    )
    start = Candidate.objects.filter(exam=exam).count()
    made = 0
    while made < count:
        n = min(batch, count - made)
        with transaction.atomic():
            base = start + made
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"bench-filler-{base + i}", role=User.Role.CANDIDATE, password="!"
                    )
                    for i in range(n)
                ]
            )
            candidates = Candidate.objects.bulk_create(
                [
                    Candidate(
                        exam=exam,
                        user=user,
                        exam_site=sites[(base + i) % len(sites)],
                        registration_no=f"F{base + i:09d}",
                        name="填充考生",
                        id_type="passport",
                        id_number=f"F{base + i:09d}",
                        # bulk_create bypasses save(), which derives these two (issue 18).
                        id_number_hmac=idcrypto.id_hmac(f"F{base + i:09d}"),
                        id_tail=idcrypto.id_tail(f"F{base + i:09d}"),
                        phone=f"138{(base + i) % 10**8:08d}",
                        exam_category="临床执业医师",
                        education_level="bachelor",
                        education_type="full_time",
                        residency="mainland",
                    )
                    for i, user in enumerate(users)
                ]
            )
            applications = Application.objects.bulk_create(
                [
                    # The scope columns of issue 15, as create_draft_applications sets them.
                    Application(
                        candidate=candidate,
                        exam_site_id=candidate.exam_site_id,
                        province=exam.province,
                    )
                    for candidate in candidates
                ]
            )
            UploadedImage.objects.bulk_create(
                [
                    UploadedImage(
                        application=application,
                        item_id=item_ids[k % len(item_ids)],
                        position=0,
                        file=f"images/fill/{application.pk}-{k}.jpg",
                        format="JPEG",
                        width=1200,
                        height=1600,
                        size=190_000,
                        original_size=190_000,
                        original_sha256=f"{application.pk:032x}{k:032x}",
                        phash=f"{(application.pk * 7919 + k) % 16**32:032x}",
                        uploaded_by_id=application.candidate.user_id,
                    )
                    for application in applications
                    for k in range(3)
                ]
            )
        made += n
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return made


def verify(answers: dict) -> dict:
    """Every 2xx answer is a stored row and its file: `answers` is {"kept": [image ids the
    server answered 2xx for and the bench did not delete], "deleted": [...]}; deleted ones
    must be gone, row and file."""
    kept = answers["kept"]
    rows = {
        str(image.uuid): image
        for image in UploadedImage.objects.filter(uuid__in=kept).only(
            "uuid", "file", "size", "status"
        )
    }
    missing_rows = [key for key in kept if key not in rows]
    bad_files = [
        key
        for key, image in rows.items()
        if image.status != UploadedImage.Status.ACTIVE
        or not default_storage.exists(image.file.name)
        or default_storage.size(image.file.name) != image.size
    ]
    left = UploadedImage.objects.filter(uuid__in=answers["deleted"]).count()
    return {
        "checked": len(kept),
        "missing_rows": missing_rows[:5],
        "missing_row_count": len(missing_rows),
        "bad_file_count": len(bad_files),
        "bad_files": bad_files[:5],
        "deleted_still_there": left,
    }


def main() -> None:
    command = sys.argv[1]
    if command == "items":
        print(json.dumps(items()))
    elif command == "sessions":
        print(json.dumps(sessions(int(sys.argv[2]))))
    elif command == "first":
        first = Candidate.objects.filter(exam__slug=EXAM, id_type="resident_id").order_by("id")
        print(json.dumps(first.values_list("id_number", flat=True)[0]))
    elif command == "fill":
        print(json.dumps(fill(int(sys.argv[2]))))
    elif command == "verify":
        print(json.dumps(verify(json.load(sys.stdin))))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
