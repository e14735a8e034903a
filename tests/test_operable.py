"""What operators read: Prometheus metrics (uploads by outcome, queue depths, request
latency per view) and log lines that never carry personal data."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from medexam.logs import JsonLines, MaskPersonalData, mask
from tests.materials.helpers import upload

pytestmark = pytest.mark.django_db


def metric(text: str, name: str, **labels) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_uploads_by_outcome_and_read_the_queues(client, candidate, password, jpeg):
    before = client.get(reverse("metrics")).content.decode()
    client.login(username=candidate.id_number, password=password)
    url = reverse("materials:upload", args=["id_proof"]) + "?slot=front"
    headers = {"X-Requested-With": "fetch", "X-File-Name": "a.jpg", "Idempotency-Key": "m1"}
    client.post(url, data=jpeg(1), content_type="image/jpeg", headers=headers)
    client.post(url, data=jpeg(1), content_type="image/jpeg", headers=headers)  # a retry
    client.post(
        url,
        data=b"not a picture",
        content_type="image/jpeg",
        headers={**headers, "Idempotency-Key": "m2"},
    )

    after = client.get(reverse("metrics")).content.decode()

    for outcome in ("ok", "retry", "NOT_AN_IMAGE"):
        assert (
            metric(after, "medexam_uploads_total", outcome=outcome)
            == metric(before, "medexam_uploads_total", outcome=outcome) + 1
        ), outcome
    assert metric(after, "medexam_sms_outbox", status="pending") == 0
    assert "medexam_files_awaiting_deletion 0.0" in after
    assert "django_http_requests_latency_seconds_by_view_method" in after


def test_metrics_are_not_served_to_other_addresses(client):
    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9").status_code == 404


def test_queue_depth_counts_files_awaiting_deletion(client, candidate, jpeg):
    from medexam.materials import services

    image = upload(candidate, jpeg(1), slot="front")
    services.delete_image(image_uuid=image.uuid, actor=candidate.user)

    assert "medexam_files_awaiting_deletion 1.0" in client.get(reverse("metrics")).content.decode()


def test_log_lines_mask_id_and_phone_numbers_wherever_they_come_from():
    record = logging.makeLogRecord(
        {
            "name": "x",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "login failed for %s",
            "args": ("210102199003071234",),
            "phone": "13912345678",
        }
    )
    MaskPersonalData().filter(record)
    line = json.loads(JsonLines().format(record))

    assert line["message"] == "login failed for 210***************"
    assert line["phone"] == "139********"
    assert mask("报名号 22210000009") == "报名号 22210000009"  # not an ID number
    assert mask("21010219900307123X") == "210***************"


def test_under_gunicorn_the_scrape_adds_up_every_worker_process(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR (medexam.gunicorn_config): two worker processes count, a
    third process renders; the scrape sees both counts, even with the database unreadable
    (an empty SQLite file here: the outage the counters are wanted for)."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "medexam.settings",
        "MEDEXAM_SECRET_KEY": "test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    count = (
        "import django; django.setup(); from medexam import metrics; "
        "metrics.UPLOADS.labels(outcome='ok').inc()"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)  # noqa: S603
    scrape = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); from medexam import metrics; "
         "import sys; sys.stdout.write(metrics.render().decode())"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip

    assert 'medexam_uploads_total{outcome="ok"} 2.0' in scrape
    assert "medexam_queues_readable 0.0" in scrape


def test_every_configured_log_handler_masks_personal_data():
    """The loggers that write request lines (the demo server's) included: each handler a
    record can reach carries the mask."""
    import logging

    for name in ("", "django.server", "django.request", "medexam"):
        logger = logging.getLogger(name)
        handlers = []
        while logger is not None:
            # pytest's own capture handlers are not the product's.
            handlers += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
            logger = logger.parent if logger.propagate else None
        assert handlers, name
        for handler in handlers:
            assert any(isinstance(f, MaskPersonalData) for f in handler.filters), (name, handler)
