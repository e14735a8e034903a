"""Faults caused for real: a database connection terminated by the server in the middle of a
request, Redis stopped, the storage endpoint gone. Each answers 503 with a Chinese "please
retry" (JSON for the page's scripts, a page otherwise), leaves nothing half-written, and a
retry with the same idempotency key stores exactly one image."""

from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from medexam.files.storage import list_files
from medexam.materials.models import UploadedImage
from tests import servers

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a connection terminated by the server is PostgreSQL's (SQLite has none)",
)
pytestmark = pytest.mark.django_db

FETCH = {"X-Requested-With": "fetch", "X-File-Name": "photo.jpg"}


def upload_url(slot: str = "front") -> str:
    return reverse("materials:upload", args=["id_proof"]) + f"?slot={slot}"


@pytest.fixture
def candidate_client(client, candidate, password):
    client.raise_request_exception = False
    client.login(username=candidate.id_number, password=password)
    return client


def terminate(pid: int) -> None:
    """Have the server terminate backend `pid` (one of this test database's own), from a
    second connection: what a failover or a restarted PostgreSQL does to a live one."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=settings["USER"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def terminate_own_backend_on(table: str = ""):
    """An execute wrapper that, at the request's first INSERT into `table` (any first
    statement when `table` is empty), terminates the request's own connection and lets the
    statement run into it."""
    fired = []

    def wrapper(execute, sql, params, many, context):
        hit = not table or (sql.lstrip().upper().startswith("INSERT") and table in sql)
        if hit and not fired:
            fired.append(True)
            terminate(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    return wrapper, fired


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_a_connection_lost_mid_upload_answers_503_and_the_retry_stores_one_image(
    candidate_client, candidate, jpeg, _private_storage
):
    picture = jpeg(1)
    wrapper, fired = terminate_own_backend_on("materials_uploadedimage")
    with connection.execute_wrapper(wrapper):
        lost = candidate_client.post(
            upload_url(), data=picture, content_type="image/jpeg",
            headers={**FETCH, "Idempotency-Key": "same-key"},
        )  # fmt: skip

    assert fired, "the connection was not terminated"
    assert lost.status_code == 503 and lost["Retry-After"]
    assert lost.json()["code"] == "SERVICE_UNAVAILABLE" and lost.json()["retry"] is True
    assert "重试" in lost.json()["message"]
    assert not UploadedImage.objects.exists()
    assert list(list_files_of(_private_storage)) == []  # the written file went again

    # The page's script retries with the same key: one image, and a repeat finds it.
    retried = candidate_client.post(
        upload_url(), data=picture, content_type="image/jpeg",
        headers={**FETCH, "Idempotency-Key": "same-key"},
    )  # fmt: skip
    again = candidate_client.post(
        upload_url(), data=picture, content_type="image/jpeg",
        headers={**FETCH, "Idempotency-Key": "same-key"},
    )  # fmt: skip
    assert retried.status_code == 200 and retried.json()["created"] is True
    assert again.status_code == 200 and again.json()["created"] is False
    assert UploadedImage.objects.count() == 1


def get_with_connection_lost(client, url: str):
    """GET `url` with the request's database connection terminated at its first statement;
    then what Django's handler does when a request ends (its test client leaves it out):
    close the broken connection, so the next request gets a fresh one."""
    wrapper, fired = terminate_own_backend_on()
    with connection.execute_wrapper(wrapper):
        response = client.get(url)
    assert fired, "the connection was not terminated"
    close_old_connections()
    return response


def list_files_of(root):
    from django.core.files.storage import default_storage

    return [f.name for f in list_files(default_storage, "")]


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_a_connection_lost_under_a_page_answers_a_chinese_error_page(candidate_client):
    page = get_with_connection_lost(candidate_client, reverse("materials:materials"))

    assert page.status_code == 503
    assert "系统繁忙，请稍后重试" in page.content.decode()
    # The next request gets a fresh connection and works.
    assert candidate_client.get(reverse("materials:materials")).status_code == 200


@pytest.fixture
def private_redis(tmp_path, settings):
    """A Redis of this test's own (the shared one is never stopped) as the shared cache;
    Django's test signals rebuild the cache handler when CACHES changes."""
    try:
        server = servers.redis(tmp_path).start()
    except FileNotFoundError:  # CI has it (it runs the shared Redis); a laptop may not
        pytest.skip("redis-server is not installed")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield server
    server.stop()


def test_redis_down_answers_503_and_after_it_returns_the_retry_stores_one_image(
    private_redis, client, candidate, password, jpeg, settings
):
    # Sessions read from Redis and kept in the database (Django's cached_db): Django 5.2
    # reads a session from the database when Redis misses, but then fails writing it back.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.raise_request_exception = False
    client.login(username=candidate.id_number, password=password)
    assert client.get(reverse("health-ready")).status_code == 200

    private_redis.stop()

    def send():
        return client.post(
            upload_url(), data=jpeg(1), content_type="image/jpeg",
            headers={**FETCH, "Idempotency-Key": "k"},
        )  # fmt: skip

    failed = send()
    page = client.get(reverse("materials:materials"))
    ready = client.get(reverse("health-ready"))
    strict = client.get(reverse("health-ready"), {"strict": "1"})
    assert failed.status_code == 503 and failed.json()["code"] == "SERVICE_UNAVAILABLE"
    assert "不会重复上传" in failed.json()["message"]
    assert page.status_code == 503 and "系统繁忙" in page.content.decode()
    # The node stays in the balancer (every node has the same outage), named as degraded.
    assert ready.status_code == 200 and ready.json()["degraded"] == ["cache"]
    assert ready.json()["checks"]["cache"]["error"] == "ConnectionError"
    assert ready.json()["checks"]["database"]["ok"] is True
    assert strict.status_code == 503
    assert not UploadedImage.objects.exists()

    private_redis.start()  # an empty Redis: the session is still in the database

    assert send().json()["created"] is True and send().json()["created"] is False
    assert UploadedImage.objects.count() == 1


def test_redis_down_with_sessions_only_in_the_cache_answers_logins_503(
    private_redis, client, candidate, password, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    client.raise_request_exception = False
    private_redis.stop()

    page = client.post(
        reverse("accounts:login"), {"username": candidate.id_number, "password": password}
    )
    script = client.post(
        reverse("accounts:login"),
        {"username": candidate.id_number, "password": password},
        headers={"X-Requested-With": "fetch"},
    )

    assert page.status_code == 503 and "系统繁忙，请稍后重试" in page.content.decode()
    assert page["Retry-After"] == "5"
    assert script.status_code == 503 and "请稍后重试" in script.json()["message"]


def test_storage_down_answers_a_page_for_an_image_and_readiness_says_storage(
    s3_storage, client, candidate, password, jpeg, settings
):
    from tests.materials.helpers import upload

    image = upload(candidate, jpeg(1), slot="front")
    dead = dict(settings.STORAGES["default"])
    dead["OPTIONS"] = {**dead["OPTIONS"], "endpoint_url": f"http://127.0.0.1:{servers.free_port()}"}
    settings.STORAGES = {**settings.STORAGES, "default": dead, "private": dead}
    client.raise_request_exception = False
    client.login(username=candidate.id_number, password=password)

    page = client.get(reverse("materials:image", args=[image.uuid]))
    ready = client.get(reverse("health-ready"))
    strict = client.get(reverse("health-ready"), {"strict": "1"})

    assert page.status_code == 503 and "系统繁忙" in page.content.decode()
    assert ready.status_code == 200 and ready.json()["degraded"] == ["storage"]
    assert ready.json()["checks"]["storage"]["ok"] is False
    assert strict.status_code == 503


def test_liveness_asks_no_dependency(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "x",
                "endpoint_url": f"http://127.0.0.1:{servers.free_port()}",
            },
        },
    }
    assert client.get(reverse("health-live")).json() == {"ok": True}


def test_readiness_reports_each_part(client):
    body = client.get(reverse("health-ready")).json()

    assert body["ok"] is True and body["degraded"] == []
    assert {"database", "cache", "storage"} <= set(body["checks"])


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_readiness_fails_when_the_database_does(client):
    ready = get_with_connection_lost(client, reverse("health-ready"))

    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == {
        "ok": False, "error": "OperationalError", "ms": ready.json()["checks"]["database"]["ms"],
    }  # fmt: skip


def test_which_failures_are_a_dependencys_and_which_stay_bugs():
    import errno

    from django.db import OperationalError
    from redis.exceptions import ConnectionError as RedisDown

    from medexam.faults import component_of

    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as disk:
            raise RuntimeError("wrapped") from disk
    except RuntimeError as wrapped:
        assert component_of(wrapped) == "storage"
    assert component_of(OperationalError("server closed the connection")) == "database"
    assert component_of(RedisDown("Connection refused")) == "cache"
    assert component_of(FileNotFoundError("template.html")) is None
    assert component_of(KeyError("x")) is None
