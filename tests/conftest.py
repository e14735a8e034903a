"""Personas and shared fixtures. Candidates of Shenyang and Dalian; a reviewer for each site;
a province reviewer. The Liaoning 2022 data file is loaded as in production."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from django.test import Client

from medexam.accounts.models import User
from medexam.demo.images import document_image
from medexam.demo.seeding import open_upload_window
from medexam.rules.loading import default_exam_path, load_exam_file
from medexam.settings import S3_OPTIONS
from tests import servers
from tests.browser.support import (  # noqa: F401 - fixtures and a hook, registered here once
    browser,
    context,
    page,
    pytest_runtest_makereport,
)
from tests.factories import PASSWORD, CandidateFactory, UserFactory


def _login_with_second_factor(self, user, backend=None):
    """Client.login / force_login give staff what a real login gives after both steps: a
    session verified by their authenticator (enrolled on the spot). The 2FA tests use
    `plain_login` to get the session of a password-only login."""
    plain_login(self, user, backend)
    if user.is_staff_member:
        from django_otp import DEVICE_ID_SESSION_KEY

        from medexam.accounts.middleware import GENERATION, SEEN, STARTED
        from medexam.accounts.models import User
        from tests.second_factor import enrolled_device

        session = self.session
        session[DEVICE_ID_SESSION_KEY] = enrolled_device(user).persistent_id
        # As second_factor.mark_verified leaves it: the account's device generation.
        session[GENERATION] = User.objects.get(pk=user.pk).second_factor_generation
        # As the second-factor page leaves it (middleware.start_verified_session).
        session[STARTED] = session[SEEN] = int(time.time())
        session.save()


plain_login = Client._login
Client._login = _login_with_second_factor  # type: ignore[method-assign]

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to
# run there without this. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test stores files in its own folder, so tests can count what is on disk."""
    root = tmp_path / "private"
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": None},
    }
    settings.STORAGES = {**settings.STORAGES, "default": storage, "private": storage}
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    settings.PRIVATE_MEDIA_ROOT = root
    return root


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's standalone S3 server, one for the whole run (each test gets its own bucket)."""
    server = servers.moto_s3(tmp_path_factory.mktemp("s3")).start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server, _private_storage):
    """The private storage on S3, as MEDEXAM_STORAGE=s3 configures it, in a fresh bucket."""
    import boto3

    bucket = f"medexam-test-{uuid.uuid4().hex[:12]}"
    options = {
        "bucket_name": bucket,
        "endpoint_url": s3_server,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        **S3_OPTIONS,
    }
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    storage = {"BACKEND": "medexam.files.storage.PrivateS3Storage", "OPTIONS": options}
    settings.STORAGES = {**settings.STORAGES, "default": storage, "private": storage}
    from django.core.files.storage import default_storage

    return default_storage


@pytest.fixture(params=["local", "s3"])
def any_storage(request):
    """Runs a test once on local disk and once on S3 (moto's server): the same behaviour."""
    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    request.getfixturevalue("_private_storage")
    from django.core.files.storage import default_storage

    return default_storage


@pytest.fixture
def csrf_client():
    """A test client that checks CSRF tokens as browsers meet them (Django's skips it)."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def exam(db):
    exam = load_exam_file(default_exam_path())
    open_upload_window(exam)
    return exam


@pytest.fixture
def shenyang(exam):
    return exam.sites.get(code="shenyang")


@pytest.fixture
def dalian(exam):
    return exam.sites.get(code="dalian")


@pytest.fixture
def candidate(exam, shenyang):
    return CandidateFactory(exam=exam, exam_site=shenyang, name="张伟")


@pytest.fixture
def other_candidate(exam, dalian):
    return CandidateFactory(exam=exam, exam_site=dalian, name="李娜")


@pytest.fixture
def site_reviewer(shenyang):
    return UserFactory(
        username="reviewer-shenyang",
        role=User.Role.SITE_REVIEWER,
        exam_site=shenyang,
        display_name="沈阳审核员",
    )


@pytest.fixture
def other_site_reviewer(dalian):
    return UserFactory(
        username="reviewer-dalian",
        role=User.Role.SITE_REVIEWER,
        exam_site=dalian,
        display_name="大连审核员",
    )


@pytest.fixture
def province_reviewer(exam):
    return UserFactory(
        username="province",
        role=User.Role.PROVINCE_REVIEWER,
        province=exam.province,
        display_name="考区审核员",
    )


@pytest.fixture
def jpeg():
    """A fresh, clear document photo under 200 KB; a different picture for each seed."""

    def make(seed: int = 0, **kwargs) -> bytes:
        return document_image(seed=seed, **kwargs)

    return make
