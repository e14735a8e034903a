"""The claim race with real threads on PostgreSQL: reviewers pressing "next" at the same
moment never hold the same application; the losers simply get the next ones."""

from __future__ import annotations

import pytest

from medexam.accounts.models import User
from medexam.errors import DomainError
from medexam.materials.models import Application
from medexam.review import services
from tests.factories import CandidateFactory, UserFactory
from tests.races import needs_postgres, run_together
from tests.review.helpers import mark_submitted

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, needs_postgres]


@pytest.mark.parametrize(("reviewers", "waiting"), [(6, 4), (4, 6)])
def test_simultaneous_next_gives_every_reviewer_a_different_application(
    exam, shenyang, reviewers, waiting
):
    staff = [
        UserFactory(role=User.Role.SITE_REVIEWER, exam_site=shenyang) for _ in range(reviewers)
    ]
    for i, candidate in enumerate(
        CandidateFactory.create_batch(waiting, exam=exam, exam_site=shenyang)
    ):
        mark_submitted(candidate, minutes_ago=100 - i)

    outcomes = run_together([lambda r=r: services.claim_next(reviewer=r) for r in staff])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    claimed = [o.pk for o in outcomes if o is not None]
    assert len(claimed) == len(set(claimed)) == min(reviewers, waiting)
    holders = Application.objects.filter(claimed_by__isnull=False)
    assert holders.count() == min(reviewers, waiting)
    assert len(set(holders.values_list("claimed_by", flat=True))) == min(reviewers, waiting)
    # The oldest ones were taken first.
    oldest = list(Application.objects.order_by("submitted_at").values_list("pk", flat=True))
    assert sorted(claimed) == sorted(oldest[: min(reviewers, waiting)])


def test_two_reviewers_claiming_one_application_one_wins(exam, shenyang):
    a, b = (UserFactory(role=User.Role.SITE_REVIEWER, exam_site=shenyang) for _ in range(2))
    application = mark_submitted(CandidateFactory(exam=exam, exam_site=shenyang))

    outcomes = run_together(
        [
            lambda r=r: services.claim_application(application_id=application.pk, reviewer=r)
            for r in (a, b)
        ]
    )

    won = [o for o in outcomes if isinstance(o, Application)]
    lost = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(won) == 1 and [e.code for e in lost] == ["HELD"]
    assert Application.objects.get(pk=application.pk).claimed_by_id == won[0].claimed_by_id
