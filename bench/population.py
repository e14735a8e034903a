"""Fill a fresh PostgreSQL database with a national-size population, through COPY.

    .venv/bin/python bench/population.py --postgres postgres://postgres@127.0.0.1:5432/scale_pop_1m \
        [--candidates 1000000] [--seed 15]

Drops and creates the database, migrates it, loads the Liaoning 2022 exam (its 14 sites),
creates the site reviewers (one per CANDIDATES_PER_REVIEWER candidates of the site, at least
one: `reviewer-<code>`, then `reviewer-<code>-2`...), a province reviewer (`province`) and an
administrator, all with the demo's reviewer password, then writes N candidates with
their accounts, applications, ~3 image rows each (every row points at one stored JPEG), and
the decisions and replacement requests their states imply, with reasons and times:

    draft 35 %, submitted 24 %, in review 3 %, changes requested 7 %, approved 23 %,
    rejected 2 %, on-site pending 6 %; 15 % of the submitted ones are in their 2nd round;
    8 % carry an image with an intake warning, 5 % a pre-check problem; sites sized like
    Liaoning's cities. A tenth of those in review are held by a live claim, at most one per
    reviewer (as review.services.claim_next / claim_application keep it: "next" first puts
    back what the reviewer held), the others' claims have been put back.

Rows go in with COPY (psycopg), foreign-key triggers off (the rows are made consistent
here), secondary indexes dropped during the load and rebuilt after it, then VACUUM ANALYZE.
The site counters (materials.SiteTally) are computed from the same rows, as the product's
transitions would have counted them. Prints the time of each step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# State mix (per mille) of the applications.
MIX = [
    ("draft", 350),
    ("submitted", 240),
    ("in_review", 30),
    ("changes_requested", 70),
    ("approved", 230),
    ("rejected", 20),
    ("onsite_pending", 60),
]
# Relative size of the 14 sites (Shenyang and Dalian are the big ones).
SITE_WEIGHTS = [18, 16, 6, 5, 5, 5, 6, 6, 6, 5, 5, 5, 6, 6]
# A site's reviewers: one per this many of its candidates (a 70,000-candidate city ~14).
CANDIDATES_PER_REVIEWER = 5000
REJECT_REASONS = [
    ("学历不符合报考条件", 40),
    ("试用期不满一年", 25),
    ("试用机构不符合要求", 12),
    ("报考类别与学历专业不符", 10),
    ("提供虚假材料", 3),
    ("其他不符合报考条件的情形", 10),
]
REPLACE_REASONS = [
    ("unclear", 35),
    ("incomplete", 20),
    ("mismatch", 12),
    ("no_seal", 10),
    ("orientation", 8),
    ("expired", 6),
    ("wrong_material", 5),
    ("other", 4),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国玲燕飞晨宇浩然子轩欣怡梓涵一诺佳琪雨桐思远俊杰文博天佑晓东海波志强春梅"
SHARED_FILE = "population/shared.jpg"
SHARED_THUMB = "population/shared-thumb.jpg"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def log(message: str, started: float) -> None:
    print(f"{time.monotonic() - started:7.1f} s  {message}", flush=True)


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"database name {name!r}: letters, digits and _ only")
    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("MEDEXAM_SECRET_KEY", "population-bench-" + uuid.uuid4().hex)
    # The development ID-number keys (public, as tests/settings.py): bench data only.
    from medexam.env import DEV_ID_HMAC_KEY, DEV_ID_KEYS

    os.environ.setdefault("MEDEXAM_ID_KEYS", DEV_ID_KEYS)
    os.environ.setdefault("MEDEXAM_SMS_FILE_BACKEND_ALLOWED", "1")  # no SMS is sent
    os.environ.setdefault("MEDEXAM_ID_HMAC_KEY", DEV_ID_HMAC_KEY)
    os.environ["MEDEXAM_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
    import django

    django.setup()


class Table:
    """COPY rows into one model's table: `columns` vary per row, every other column takes
    the model's default (auto_now fields: now), as the ORM would write it."""

    def __init__(self, model: Any, columns: Sequence[str], **fixed: Any):
        from django.db import models

        self.model = model
        fields = [f for f in model._meta.concrete_fields]
        by_name = {f.attname: f for f in fields}
        for name in [*columns, *fixed]:
            if name not in by_name:
                raise SystemExit(f"{model.__name__} has no column {name}")
        self.columns = list(columns)
        template = model()
        constants: dict[str, Any] = {}
        for f in fields:
            if f.attname in columns or f.primary_key and f.attname not in fixed:
                continue
            if f.attname in fixed:
                value = fixed[f.attname]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = NOW
            else:
                value = getattr(template, f.attname)
            if isinstance(f, models.JSONField):
                value = json.dumps(value, ensure_ascii=False)
            constants[f.attname] = value
        self.constant_names = list(constants)
        self.constant_values = tuple(constants.values())
        quote = '"{}"'.format
        cols = [by_name[n].column for n in [*self.columns, *self.constant_names]]
        self.sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(c) for c in cols)
        )

    def copy(self, cursor: Any, rows: Iterable[tuple[Any, ...]]) -> int:
        """Rows in `columns` order; JSON columns as JSON text (dumped once by the caller)."""
        n = 0
        constants = self.constant_values
        with cursor.copy(self.sql) as copy:
            for row in rows:
                copy.write_row(row + constants)
                n += 1
        return n


def weighted(rng: random.Random, choices: Sequence[tuple[Any, int]], k: int) -> list[Any]:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices], k=k)


def resident_id(index: int, area: str) -> str:
    from medexam.candidates.importing import gb11643_check_char

    born = dt.date(1970, 1, 1) + dt.timedelta(days=index % 10_000)
    first17 = f"{area}{born:%Y%m%d}{index // 10_000 % 1000:03d}"
    return first17 + gb11643_check_char(first17)


def secondary_indexes(cursor: Any, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that no constraint owns."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [list(tables)],
    )
    return list(cursor.fetchall())


def fill(n: int, seed: int, started: float) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.db import connection, transaction

    from medexam.accounts.models import User
    from medexam.candidates.idcrypto import id_columns
    from medexam.candidates.models import Candidate
    from medexam.demo.seeding import REVIEWER_PASSWORD
    from medexam.materials.models import Application, SiteTally, UploadedImage, private_storage
    from medexam.materials.tallies import hour_bucket
    from medexam.review.models import Decision, ReplacementRequest
    from medexam.rules.loading import load_exam_file
    from medexam.rules.models import MaterialItem

    rng = random.Random(seed)
    exam = load_exam_file(ROOT / "medexam/rules/data/liaoning-2022.yaml")
    sites = list(exam.sites.order_by("code"))
    staff_hash = make_password(REVIEWER_PASSWORD)
    reviewers = {}  # the site's first reviewer: the one who decided (the decisions' actor)
    free: dict[int, list[int]] = {}  # the site's reviewers who hold no live claim yet
    for index, site in enumerate(sites):
        share = n * SITE_WEIGHTS[index] / sum(SITE_WEIGHTS)
        team = User.objects.bulk_create(
            User(
                username=f"reviewer-{site.code}" + (f"-{k}" if k > 1 else ""),
                display_name=f"{site.name}考点审核员" + (f"{k}" if k > 1 else ""),
                role=User.Role.SITE_REVIEWER,
                exam_site=site,
                password=staff_hash,
            )
            for k in range(1, max(1, round(share / CANDIDATES_PER_REVIEWER)) + 1)
        )
        reviewers[site.pk] = team[0].pk
        free[site.pk] = [user.pk for user in reversed(team)]
    User.objects.create(
        username="province",
        display_name="辽宁省考区审核员",
        role=User.Role.PROVINCE_REVIEWER,
        province=exam.province,
        password=staff_hash,
    )
    User.objects.create(
        username="admin",
        display_name="系统管理员",
        role=User.Role.ADMIN,
        password=staff_hash,
        is_superuser=True,
        is_staff=True,
    )
    items = {i.code: i.pk for i in MaterialItem.objects.filter(exam=exam)}
    from medexam.demo.images import document_image

    shared = document_image(seed=15, size=(800, 600), label="身份证明")
    storage = private_storage()
    for name in (SHARED_FILE, SHARED_THUMB):
        if storage.exists(name):
            storage.delete(name)
        storage.save(name, ContentFile(shared))
    log(f"exam, {len(sites)} sites, staff, the one stored image ({len(shared)} bytes)", started)

    big = [
        "accounts_user",
        "candidates_candidate",
        "materials_application",
        "materials_uploadedimage",
        "review_decision",
        "review_replacementrequest",
    ]
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        indexes = secondary_indexes(cursor, big)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")  # no FK triggers in the load
        cursor.execute("SELECT coalesce(max(id), 0) FROM accounts_user")
        first_user = cursor.fetchone()[0] + 1
    log(f"dropped {len(indexes)} secondary indexes for the load", started)

    site_of = rng.choices(range(len(sites)), weights=SITE_WEIGHTS, k=n)
    states = weighted(rng, MIX, n)
    unusable = make_password(None)
    names = [
        SURNAMES[int(rng.paretovariate(1.2)) % len(SURNAMES)]
        + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        for _ in range(n)
    ]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        users = Table(User, ["id", "username", "display_name"], role="candidate", password=unusable)
        counts["users"] = users.copy(
            raw,
            ((first_user + i, f"p-{i:07d}", names[i]) for i in range(n)),
        )
        log(f"{counts['users']:,} candidate accounts", started)

        area = [f"21{index + 1:02d}02" for index in range(len(sites))]
        segments = json.dumps(
            [
                {
                    "institution": "沈阳市第一人民医院",
                    "start": "2021-03-01",
                    "end": "2022-03-01",
                    "status": "completed",
                }
            ],
            ensure_ascii=False,
        )

        def candidate_rows() -> Iterator[tuple[Any, ...]]:
            for i in range(n):
                site = sites[site_of[i]]
                # Ciphertext, keyed hash and tail: the product's own (issue 18's idcrypto).
                stored = id_columns(resident_id(i, area[site_of[i]]))
                yield (
                    i + 1,
                    exam.pk,
                    first_user + i,
                    site.pk,
                    f"2022{site_of[i] + 1:02d}{i:07d}",
                    names[i],
                    "resident_id",
                    stored["id_number"],
                    stored["id_number_hmac"],
                    stored["id_tail"],
                    f"13{i % 1_000_000_000:09d}",
                    "临床执业医师",
                    "沈阳市第一人民医院",
                    segments,
                )

        candidates = Table(
            Candidate,
            [
                "id",
                "exam_id",
                "user_id",
                "exam_site_id",
                "registration_no",
                "name",
                "id_type",
                "id_number",
                "id_number_hmac",
                "id_tail",
                "phone",
                "exam_category",
                "trial_institution",
                "trial_segments",
            ],
            major="临床医学",
            chsi_verifiable=True,
            graduation_date=dt.date(2020, 7, 1),
        )
        counts["candidates"] = candidates.copy(raw, candidate_rows())
        log(f"{counts['candidates']:,} candidates", started)

        tallies: Counter[tuple[int, str, str]] = Counter()
        apps: list[tuple[Any, ...]] = []
        decisions: list[tuple[Any, ...]] = []
        requests: list[tuple[Any, ...]] = []
        decision_id = 0
        window = dt.timedelta(days=40)
        for i in range(n):
            site = sites[site_of[i]]
            state = states[i]
            app_id = i + 1
            tallies[(site.pk, "state", state)] += 1
            if state == "draft":
                apps.append(
                    (
                        app_id,
                        i + 1,
                        site.pk,
                        exam.province,
                        state,
                        0,
                        0,
                        "",
                        "",
                        None,
                        None,
                        None,
                        None,
                        False,
                        False,
                        None,
                        None,
                    )
                )
                continue
            rounds = 1 + (rng.random() < 0.15) + (rng.random() < 0.02)
            offline = rng.random() < 0.3
            route, rule = ("offline", "R8") if offline else ("online", "R7")
            if rng.random() < 0.004:
                route, rule = "offline", "R1"
            submitted = NOW - window * rng.random() ** 1.5
            decided = None
            deadline = None
            claimed, expires = None, None
            for r in range(1, rounds + 1):
                tallies[(site.pk, "round", str(r))] += 1
            tallies[(site.pk, "route", route)] += 1
            # Earlier rounds: each ended in a request for changes.
            for _ in range(rounds - 1):
                decision_id += 1
                asked = submitted - dt.timedelta(hours=rng.uniform(30, 200))
                before = asked - dt.timedelta(hours=rng.lognormvariate(2.5, 1.0))
                decisions.append(
                    (
                        decision_id,
                        app_id,
                        1,
                        reviewers[site.pk],
                        "request_changes",
                        "",
                        1,
                        before,
                        asked,
                        asked + dt.timedelta(days=3),
                    )
                )
                hours = (asked - before).total_seconds() / 3600
                tallies[(site.pk, "hours", str(hour_bucket(hours)))] += 1
                for reason in weighted(rng, REPLACE_REASONS, 1 + (rng.random() < 0.3)):
                    requests.append((decision_id, app_id, items["id_proof"], reason))
                    tallies[(site.pk, "replace", reason)] += 1
            if state in ("changes_requested", "approved", "rejected", "onsite_pending"):
                took = dt.timedelta(hours=min(rng.lognormvariate(2.8, 1.0), 24 * 30))
                decided = min(submitted + took, NOW)
                if state == "changes_requested":
                    # Asked within the supplement period (3 days): the schedule closes the
                    # overdue ones (review.services.close_expired_supplements), a few wait.
                    decided = NOW - dt.timedelta(hours=rng.uniform(0, 77))
                    submitted = min(submitted, decided - took)
                outcome = {
                    "changes_requested": "request_changes",
                    "approved": "approve",
                    "rejected": "reject",
                    "onsite_pending": "onsite",
                }[state]
                reason = ""
                if state == "rejected":
                    reason = weighted(rng, REJECT_REASONS, 1)[0]
                    tallies[(site.pk, "reject", reason)] += 1
                if state == "changes_requested":
                    deadline = decided + dt.timedelta(days=3)
                decision_id += 1
                decisions.append(
                    (
                        decision_id,
                        app_id,
                        rounds,
                        reviewers[site.pk],
                        outcome,
                        reason,
                        3,
                        submitted,
                        decided,
                        deadline,
                    )
                )
                hours = (decided - submitted).total_seconds() / 3600
                tallies[(site.pk, "hours", str(hour_bucket(hours)))] += 1
                if state == "changes_requested":
                    for code in weighted(rng, REPLACE_REASONS, 1 + (rng.random() < 0.3)):
                        requests.append((decision_id, app_id, items["id_proof"], code))
                        tallies[(site.pk, "replace", code)] += 1
            if state == "in_review" and rng.random() < 0.1 and free[site.pk]:
                claimed, expires = free[site.pk].pop(), NOW + dt.timedelta(minutes=20)
            warned = rng.random() < 0.08
            prechecked = rng.random() < 0.05  # an OCR pre-check problem (issue 17)
            apps.append(
                (
                    app_id,
                    i + 1,
                    site.pk,
                    exam.province,
                    state,
                    2 * rounds + 1,
                    rounds,
                    route,
                    rule,
                    submitted,
                    submitted,
                    decided,
                    deadline,
                    warned,
                    prechecked,
                    claimed,
                    expires,
                )
            )

        application = Table(
            Application,
            [
                "id",
                "candidate_id",
                "exam_site_id",
                "province",
                "state",
                "version",
                "round",
                "route",
                "rule_code",
                "first_submitted_at",
                "submitted_at",
                "decided_at",
                "supplement_deadline",
                "has_warnings",
                "precheck_issues",
                "claimed_by_id",
                "claim_expires_at",
            ],
        )
        counts["applications"] = application.copy(raw, apps)
        log(f"{counts['applications']:,} applications", started)

        image = Table(
            UploadedImage,
            [
                "uuid",
                "application_id",
                "item_id",
                "slot",
                "position",
                "round",
                "original_sha256",
                "phash",
                "warnings",
                "warnings_confirmed",
                "uploaded_by_id",
                "uploaded_at",
            ],
            file=SHARED_FILE,
            thumbnail=SHARED_THUMB,
            format="JPEG",
            width=800,
            height=600,
            size=len(shared),
            original_size=len(shared),
        )
        warning = json.dumps(
            [{"code": "BLURRY", "message": "图片可能不够清晰，请确认文字可以辨认。"}],
            ensure_ascii=False,
        )
        slots = ("front", "back", "selfie")  # then one diploma image for 60 %

        def image_rows() -> Iterator[tuple[Any, ...]]:
            getrandbits = rng.getrandbits
            for app in apps:
                app_id, candidate_id, state, warned = app[0], app[1], app[4], app[13]
                count = (3 + (rng.random() < 0.6)) if state != "draft" else rng.choice((1, 2, 3, 3))
                at = app[10] or NOW - dt.timedelta(days=rng.uniform(1, 40))
                for pos in range(count):
                    yield (
                        uuid.UUID(int=getrandbits(128), version=4),
                        app_id,
                        items["id_proof"] if pos < 3 else items["diploma"],
                        slots[pos] if pos < 3 else "",
                        pos if pos < 3 else 0,
                        app[6],
                        f"{getrandbits(256):064x}",
                        f"{getrandbits(64):016x}",
                        warning if warned and pos == 0 else "[]",
                        bool(warned and pos == 0),
                        first_user + candidate_id - 1,
                        at - dt.timedelta(minutes=5 - pos),
                    )

        counts["images"] = image.copy(raw, image_rows())
        log(f"{counts['images']:,} image rows (one stored file)", started)

        decision = Table(
            Decision,
            [
                "id",
                "application_id",
                "round",
                "reviewer_id",
                "outcome",
                "reason",
                "based_on_version",
                "submitted_at",
                "created_at",
                "supplement_deadline",
            ],
        )
        counts["decisions"] = decision.copy(raw, decisions)
        request = Table(ReplacementRequest, ["decision_id", "application_id", "item_id", "reason"])
        counts["requests"] = request.copy(raw, requests)
        log(
            f"{counts['decisions']:,} decisions, {counts['requests']:,} replacement requests",
            started,
        )
        SiteTally.objects.bulk_create(
            [SiteTally(exam_site_id=s, kind=k, code=c, n=v) for (s, k, c), v in tallies.items()],
            batch_size=1000,
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        for table, pk in (
            ("accounts_user", "id"),
            ("candidates_candidate", "id"),
            ("materials_application", "id"),
            ("review_decision", "id"),
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "  # noqa: S608
                f"(SELECT max({pk}) FROM {table}))"
            )
    log("committed; counters written", started)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
    log(f"rebuilt {len(indexes)} secondary indexes", started)
    connection.ensure_connection()
    raw_conn = connection.connection
    raw_conn.autocommit = True
    with raw_conn.cursor() as cursor:
        for table in big + ["materials_sitetally"]:
            cursor.execute(f"VACUUM ANALYZE {table}")
    log("VACUUM ANALYZE", started)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="URL of the database to (re)create")
    parser.add_argument("--candidates", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--var-dir", default="", help="file storage (default: a folder per db)")
    args = parser.parse_args()
    started = time.monotonic()
    name = urlsplit(args.postgres).path.lstrip("/")
    var_dir = Path(args.var_dir or f"/tmp/medexam-population-{name}")
    var_dir.mkdir(parents=True, exist_ok=True)
    recreate_database(args.postgres)
    setup_django(args.postgres, var_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    log(f"database {name} created and migrated", started)
    counts = fill(args.candidates, args.seed, started)
    total = time.monotonic() - started
    print(
        f"population: {counts['candidates']:,} candidates, {counts['images']:,} images, "
        f"{counts['decisions']:,} decisions in {total:.0f} s ({total / 60:.1f} min)"
    )


if __name__ == "__main__":
    main()
