import pytest

from medexam.accounts.models import User
from tests.factories import CandidateFactory, UserFactory


@pytest.fixture
def second_site_reviewer(shenyang):
    return UserFactory(
        username="reviewer-shenyang-2",
        role=User.Role.SITE_REVIEWER,
        exam_site=shenyang,
        display_name="沈阳审核员二",
    )


@pytest.fixture
def shenyang_candidates(exam, shenyang):
    """Three more Shenyang candidates (no images), for queue order and claims."""
    return [CandidateFactory(exam=exam, exam_site=shenyang, name=f"沈阳考生{i}") for i in range(3)]
