"""bench/cluster.py's verdict: `lost` and `dangling` must count what they claim to."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "cluster.py"


def _load():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_cluster", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


cluster = _load()


def upload(image, ended, status=200):
    return cluster.Upload(started=ended - 0.1, ended=ended, status=status, image=image, attempts=1)


def test_an_acknowledged_upload_without_its_row_or_object_is_lost():
    load = cluster.Load(
        uploads=[
            upload("a", 1.0),
            upload("b", 6.0),  # row, no object
            upload("c", 7.0),  # no row at all
            upload(None, 8.0, status=503),  # never acknowledged: not lost
        ],
        failed_attempts=[(4.0, "HTTP 502"), (6.5, "HTTP 503")],
    )
    state = {
        "rows": {
            "a": ("images/aa/a.jpg", ""),
            "b": ("images/bb/b.jpg", ""),
            "x": ("images/x.jpg", "images/x.thumb.jpg"),
        },
        "objects": {"images/aa/a.jpg", "images/x.jpg", "images/orphan.jpg", "images/old.jpg"},
        "pending": {"images/old.jpg"},
    }

    t = cluster.tally(load, state, kill=5.0)

    assert [u.image for u in t["not_stored"]] == ["b", "c"]
    assert sorted(t["dangling"]) == ["b", "x"]  # x: its thumbnail is gone
    assert t["orphans"] == {"images/orphan.jpg"}  # the pending one waits out its grace
    assert [u.image for u in t["before"]] == ["a"] and len(t["after"]) == 2
    assert t["failover"] == ["HTTP 503"] and len(t["failed"]) == 1


def test_a_clean_run_counts_nothing():
    load = cluster.Load(uploads=[upload("a", 6.0)])
    state = {"rows": {"a": ("images/a.jpg", "")}, "objects": {"images/a.jpg"}, "pending": set()}

    t = cluster.tally(load, state, kill=5.0)

    assert not t["not_stored"] and not t["dangling"] and not t["orphans"] and len(t["after"]) == 1
