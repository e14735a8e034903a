"""Running the same moment in several threads, for the race tests against PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection


def run_together(workers):
    """Start every callable at the same instant (a barrier), each in its own thread and DB
    connection; return their results, or the exception each raised, in order."""
    barrier = threading.Barrier(len(workers))
    outcomes: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            outcomes[index] = work()
        except Exception as exc:  # collected and asserted by the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


# The vendor comes from settings (no connection is opened to know it).
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's; SQLite serialises writers instead",
)
