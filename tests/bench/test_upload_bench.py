"""The upload benchmark's counting: its throughput figure is what the ratio compares, so a
bias in it against the slower side would misstate the product."""

from __future__ import annotations

import asyncio
import importlib.util
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


class _Server:
    def __init__(self):
        self.reads = 0

    def cpu_seconds(self) -> float:
        self.reads += 1
        return float(self.reads)


def test_throughput_counts_every_upload_that_ends_inside_the_window():
    """20 connections, 0.2 s per upload, a 1 s window opening 0.3 s in: uploads end at 0.2,
    0.4, ... so 5 per connection end inside [0.3, 1.3], 100 in all. Counting only those that
    also began inside it gives 4 per connection, 80: the bias that hit the slower side. (A
    loaded machine can move a connection's count by one either way; the two answers stay
    far apart.)"""
    tally = bench.Tally()
    server = _Server()

    cpu = _run(bench.drive([_SlowClient(0.2) for _ in range(20)], [b"x"], 1.0, server, 0.3, tally))

    assert 94 <= tally.in_window <= 106
    assert tally.errors == []
    assert min(tally.latencies) >= 0.2
    assert cpu == 1.0  # read once as the window opens and once as it closes


def test_file_creation_probe_measures_in_the_given_folder(tmp_path):

    cost = bench.file_creation_ms(tmp_path, count=10)

    assert 0 < cost < 1000
    (probe,) = tmp_path.iterdir()
    assert len(list(probe.iterdir())) == 10
