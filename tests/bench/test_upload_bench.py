"""The upload benchmark's counting: its throughput figure is what the ratio compares, so a
bias in it against the slower side would misstate the product."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import re
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parents[2] / "bench" / "upload.py"


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_upload", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def _run(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread of the same test process."""
    result = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's own thread
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


class _SlowClient:
    """Answers every upload after `latency` seconds."""

    def __init__(self, latency: float):
        self.latency = latency

    async def upload(self, image: bytes):
        await asyncio.sleep(self.latency)
        return SimpleNamespace(status=200, body=b"")


class _Meter:
    def __init__(self):
        self.reads = 0

    def __call__(self) -> dict:
        self.reads += 1
        return {"app": float(self.reads)}


def test_throughput_counts_every_upload_that_ends_inside_the_window():
    """20 connections, 0.2 s per upload, a 1 s window opening 0.3 s in: uploads end at 0.2,
    0.4, ... so 5 per connection end inside [0.3, 1.3], 100 in all. Counting only those that
    also began inside it gives 4 per connection, 80: the bias that hit the slower side. (A
    loaded machine can move a connection's count by one either way; the two answers stay
    far apart.)"""
    tally = bench.Tally()
    meter = _Meter()

    used = _run(bench.drive([_SlowClient(0.2) for _ in range(20)], [b"x"], 1.0, meter, 0.3, tally))

    assert 94 <= tally.in_window <= 106
    assert tally.errors == []
    assert min(tally.latencies) >= 0.2
    assert used["app"] == 1.0  # read once as the window opens and once as it closes
    assert used["client"] >= 0


def test_every_connection_gets_places_for_the_planned_rate_over_the_whole_run():
    args = SimpleNamespace(duration=20.0, rounds=4, concurrency=16)
    items = [("other", 10), ("diploma", 5)]

    per_connection = bench.places_per_connection(args, items)

    run_seconds = 20.0 + bench.WARMUP_SECONDS + 3 * bench.ROUND_WARMUP_SECONDS
    each = bench.IMAGES_PER_CANDIDATE  # 15 places, and at most 15 images per candidate
    assert per_connection * each * 16 >= bench.PLANNED_RATE * run_seconds
    assert (per_connection - 1) * each * 16 < bench.PLANNED_RATE * run_seconds


def test_the_baseline_stores_each_upload_as_a_new_file_in_the_products_layout(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("BASELINE_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location(
        "baseline_wsgi", BENCH.parent / "baseline_wsgi.py"
    )
    baseline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baseline)
    answers = []
    for body in (b"first", b"second"):
        environ = {"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
        answers.append(json.loads(b"".join(baseline.application(environ, lambda *a: None))))

    names = [answer["name"] for answer in answers]
    assert names[0] != names[1]
    assert [(tmp_path / name).read_bytes() for name in names] == [b"first", b"second"]
    assert all(re.fullmatch(r"images/([0-9a-f]{2})/\1[0-9a-f]{30}\.jpg", n) for n in names)
    assert oct((tmp_path / names[0]).stat().st_mode & 0o777) == "0o600"


def test_a_baseline_answer_without_its_file_fails_the_check(tmp_path, capsys):
    (tmp_path / "kept.jpg").write_bytes(b"12345")
    client = SimpleNamespace(stored=[("kept.jpg", 5), ("lost.jpg", 5), ("kept.jpg", 9)])
    side = SimpleNamespace(label="baseline", clients=[client])

    problems = bench.verify_baseline(side, tmp_path)

    assert problems == ["baseline: 2 answers without their file, e.g. ['lost.jpg', 'kept.jpg']"]
