import pytest

from medexam.accounts.models import User
from medexam.api.models import ApiToken
from medexam.candidates.services import import_candidates
from tests.candidates.helpers import csv_bytes, make_exam, row


@pytest.fixture
def api_exam(db):
    exam = make_exam()
    import_candidates(exam=exam, data=csv_bytes([row(1), row(2, 考点="大连市")]), filename="a.csv")
    return exam


def _token(user) -> str:
    return ApiToken.issue(user=user, name="测试")[1]


@pytest.fixture
def official_token(api_exam):
    return _token(
        User.objects.create(
            username="liaoning-official", role=User.Role.PROVINCE_REVIEWER, province="liaoning"
        )
    )


@pytest.fixture
def other_province_token(api_exam):
    return _token(
        User.objects.create(
            username="jilin-official", role=User.Role.PROVINCE_REVIEWER, province="jilin"
        )
    )


@pytest.fixture
def site_reviewer_token(api_exam):
    return _token(
        User.objects.create(
            username="shenyang-reviewer",
            role=User.Role.SITE_REVIEWER,
            exam_site=api_exam.sites.get(name="沈阳市"),
        )
    )


@pytest.fixture
def api(client):
    def call(method, url, token=None, **kwargs):
        if token:
            kwargs["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return getattr(client, method)(url, **kwargs)

    return call
