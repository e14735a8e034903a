"""Each queue, "next" and statistics query is served by the index made for it, on PostgreSQL,
with enough rows (20,000 applications over two sites, ANALYZEd) that the planner prefers the
index to reading the table: the plan names the index (materials.models.queue_indexes and
the candidate search indexes). The timings at a million are bench/review_pages.py's."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone

from medexam.accounts.models import User
from medexam.candidates import idcrypto
from medexam.candidates.models import Candidate
from medexam.materials.models import Application
from medexam.review import selectors, services
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the plans are PostgreSQL's (production)"
    ),
]
N = 20_000


def _fill(exam, sites) -> list[Candidate]:
    rng = random.Random(15)
    now = timezone.now()
    users = User.objects.bulk_create(
        [User(username=f"plan-{i}", role=User.Role.CANDIDATE, password="!") for i in range(N)],
        batch_size=2000,
    )
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(
                exam=exam,
                user=user,
                exam_site=sites[i % 2],
                registration_no=f"2022{i:08d}",
                name=rng.choice("王李张刘陈杨") + rng.choice("伟芳娜敏静丽强") + str(i),
                id_type="resident_id",
                id_number=f"P{i:017d}",
                # bulk_create bypasses save(), which derives these two (issue 18).
                id_number_hmac=idcrypto.id_hmac(f"P{i:017d}"),
                id_tail=idcrypto.id_tail(f"P{i:017d}"),
                phone=f"139{i:08d}",
                exam_category="临床执业医师",
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    states = ["draft"] * 3 + ["submitted"] * 3 + ["approved"] * 3 + ["changes_requested"]
    Application.objects.bulk_create(
        [
            Application(
                candidate=c,
                exam_site_id=c.exam_site_id,
                province=exam.province,
                state=(state := states[i % len(states)]),
                round=0 if state == "draft" else 1 + (i % 20 == 3),
                route="" if state == "draft" else "online",
                rule_code="" if state == "draft" else ("R1" if i % 200 == 0 else "R7"),
                submitted_at=None if state == "draft" else now - dt.timedelta(minutes=i),
                # 6-10 % of the submitted ones, as in bench/population.py.
                has_warnings=state != "draft" and i % 17 == 4,
                precheck_issues=state != "draft" and i % 19 == 5,
                supplement_deadline=now + dt.timedelta(hours=(i % 7) - 1)
                if state == "changes_requested"
                else None,
            )
            for i, c in enumerate(candidates)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        for table in ("materials_application", "candidates_candidate", "accounts_user"):
            cursor.execute(f"ANALYZE {table}")
    return candidates


def test_every_queue_query_reads_its_own_index(exam, shenyang, dalian):
    candidates = _fill(exam, [shenyang, dalian])
    site = UserFactory(role=User.Role.SITE_REVIEWER, exam_site=shenyang)
    province = UserFactory(role=User.Role.PROVINCE_REVIEWER, province=exam.province)
    F = selectors.QueueFilters
    now = timezone.now()
    sample = candidates[3]  # submitted, in Shenyang

    def page(user, filters):
        return selectors.queue(user, filters)[:51]

    cases = {
        "queue_site_waiting": page(site, F()),
        "queue_prov_waiting": page(province, F()),
        "queue_site_state": page(site, F(state="approved")),
        "queue_prov_state": page(province, F(state="approved")),
        "queue_site_all": page(site, F(state="all")),
        "queue_site_warn": page(site, F(flags=frozenset({"warnings"}))),
        "queue_prov_warn": page(province, F(flags=frozenset({"warnings"}))),
        "queue_site_precheck": page(site, F(flags=frozenset({"precheck"}))),
        "queue_site_resub": page(site, F(flags=frozenset({"resubmitted"}))),
        "queue_site_rule": page(site, F(rule="R1")),
        # The search finds candidates first (selectors.searched_candidates), then the page.
        "candidate_site_name_prefix": selectors.named(site, sample.name[:3]).values("pk")[:201],
        "candidate_exam_name_prefix": selectors.named(province, sample.name[:3]).values("pk")[:201],
        "candidate_registration_no": selectors.scoped_candidates(site).filter(
            registration_no=sample.registration_no
        ),
        "candidate_id_tail_prefix": selectors.scoped_candidates(site).filter(
            id_tail__startswith=idcrypto.tail_prefix(sample.id_number[-5:])
        ),
        # "next": the first unclaimed waiting row, locked, skipping locked ones.
        "queue_site_waiting ": services.waiting_applications(site, now)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("submitted_at", "id")[:1],
        "overdue_by_site": Application.objects.filter(
            exam_site_id__in=[shenyang.pk, dalian.pk],
            state="changes_requested",
            supplement_deadline__lt=now,
        ).values("exam_site_id"),
        "live_claims": selectors.scoped_applications(site).filter(
            claimed_by__isnull=False, claim_expires_at__gt=now
        ),
    }

    wrong = {}
    for index, queryset in cases.items():
        plan = queryset.explain()
        if index.strip() not in plan:
            wrong[index] = plan
    for index, plan in wrong.items():
        print(f"--- {index}\n{plan}")
    assert sorted(wrong) == []


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction only
def test_capped_counts_read_only_their_index(exam, shenyang, dalian):
    """The count beside a filtered page (selectors.queue_page, up to COUNT_CAP) reads only
    the index: its filter's columns are in it (INCLUDE), so once the table is vacuumed (as
    autovacuum keeps it) the plan is an index-only scan and visits no heap page."""
    _fill(exam, [shenyang, dalian])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE materials_application")
    site = UserFactory(role=User.Role.SITE_REVIEWER, exam_site=shenyang)
    province = UserFactory(role=User.Role.PROVINCE_REVIEWER, province=exam.province)
    F = selectors.QueueFilters

    def counted(user, filters):
        return selectors.queue(user, filters).order_by().values("pk")[: selectors.COUNT_CAP + 1]

    counts = {
        "queue_site_warn": counted(site, F(flags=frozenset({"warnings"}))),
        "queue_prov_warn": counted(province, F(flags=frozenset({"warnings"}))),
        "queue_site_precheck": counted(site, F(flags=frozenset({"precheck"}))),
        "queue_site_resub": counted(site, F(flags=frozenset({"resubmitted"}))),
        "queue_prov_rule": counted(province, F(rule="R1")),
    }
    wrong = {}
    for index, queryset in counts.items():
        plan = queryset.explain()
        if f"Index Only Scan using {index}" not in plan:
            wrong[index] = plan
    for index, plan in wrong.items():
        print(f"--- {index}\n{plan}")
    assert sorted(wrong) == []
