"""gunicorn settings for an app node: `gunicorn -c python:medexam.gunicorn_config medexam.wsgi`.

Prometheus counters from all of a node's worker processes: each worker writes its own into
PROMETHEUS_MULTIPROC_DIR (one folder per node, emptied at start), /metrics adds them up,
and a worker that exits is marked dead so its gauges drop out. Everything else comes from
the command line or GUNICORN_CMD_ARGS (README, "Deploying")."""

import os
import shutil
from pathlib import Path

_dir = Path(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR",
        str(Path(os.environ.get("MEDEXAM_VAR_DIR", "var")) / "prometheus"),
    )
)
# Emptied here, not in on_starting: with preload_app the application (and the metrics'
# files) is loaded before gunicorn calls any server hook.
shutil.rmtree(_dir, ignore_errors=True)
_dir.mkdir(parents=True, exist_ok=True)
preload_app = True
# Uploads are CPU-bound: one sync worker per core.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
max_requests = 2000
max_requests_jitter = 200
# A worker stuck on a dead dependency is replaced; storage and database time out sooner.
timeout = 30
graceful_timeout = 20


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
