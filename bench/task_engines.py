"""Crash behaviour of the candidate task engines, measured (issue 14).

    .venv/bin/python bench/task_engines.py [--engines database,celery,rq] [--queued 200]

For each engine, two scenarios, with the same task (bench/engine_tasks.py: a file when it
starts, another when it ends):

* kill: one 8-second task; its worker is killed with SIGKILL (the whole process group) 2 s in;
  a second worker starts at once. Reported: did the task run again, when did it finish
  (seconds after the kill), how many times did it start and finish.
* restart: `--queued` one-second-free tasks are enqueued with no worker running; the broker
  (or the database) is killed with SIGKILL right after the last enqueue returned and started
  again; then a worker starts. Reported: how many of the tasks ran.

Engines: `database` = django-tasks-db on a private PostgreSQL cluster (port 8102), through
our tasks API; `celery` = Celery on the shared RabbitMQ (5672; only this engineer uses it this
session), through our tasks API and CeleryBackend, with the product's Celery settings; `rq` =
RQ 2.12 on a private Redis (port 8101, appendonly yes, appendfsync everysec: Redis's durable
configuration), called directly (the django-tasks-rq adapter creates jobs without `Retry`,
so both are measured: `rq` as the adapter would, `rq+retry` with Retry(max=3)). RQ needs
`pip install --target /tmp/rqlib rq==2.12.0` (not a project dependency); the benchmark
skips it when absent.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
RQLIB = Path(os.environ.get("BENCH_RQLIB", "/tmp/rqlib"))
PG_PORT = 8102
REDIS_PORT = 8101


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def descendants(pid: int) -> list[int]:
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += [int(child), *descendants(int(child))]
    return found


def marks(folder: Path, task_id: str) -> tuple[int, int, list[float]]:
    starts = ends = 0
    end_times = []
    for path in folder.iterdir():
        kind, tid, _pid, ns = path.name.split("-", 3)
        if tid != task_id:
            continue
        if kind == "start":
            starts += 1
        else:
            ends += 1
            end_times.append(int(ns) / 1e9)
    return starts, ends, end_times


def finished(folder: Path) -> int:
    return len({p.name.split("-")[1] for p in folder.iterdir() if p.name.startswith("end-")})


def wait_for(check, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


# --- brokers and databases ----------------------------------------------------------------
class PrivatePostgres:
    """A throwaway cluster owned by the postgres user (initdb refuses to run as root)."""

    def __init__(self, root: Path):
        root.chmod(0o755)
        self.data = root / "pg"
        self.log = root / "pg.log"

    def _as_postgres(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        run([*prefix, *cmd])

    def start(self) -> None:
        if not self.data.exists():
            self.data.mkdir(mode=0o700)
            self.log.touch()
            if os.getuid() == 0:
                shutil.chown(self.data, "postgres")
                shutil.chown(self.log, "postgres")
            self._as_postgres(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
        self._as_postgres(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-o",
            f"-p {PG_PORT} -k /tmp -c listen_addresses=127.0.0.1",
            "start",
        )

    def crash(self) -> None:
        # An immediate shutdown: no checkpoint, as after a power cut.
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        try:
            self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            pass


class PrivateRedis:
    def __init__(self, root: Path):
        self.dir = root / "redis"
        self.dir.mkdir(exist_ok=True)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            ),
            10,
        )

    def crash(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


class SharedRabbit:
    """The machine's RabbitMQ: killed with SIGKILL and started again (left running)."""

    def start(self) -> None:
        subprocess.run(["rabbitmq-server", "-detached"], capture_output=True)
        wait_for(
            lambda: (
                subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True).returncode == 0
            ),
            120,
            step=1,
        )
        wait_for(
            lambda: (
                subprocess.run(["rabbitmqctl", "-q", "list_queues"], capture_output=True).returncode
                == 0
            ),
            60,
            step=1,
        )

    def crash(self) -> None:
        pids = run(["pgrep", "-u", "rabbitmq", "-f", "beam.smp"]).stdout.split()
        for pid in pids:
            os.kill(int(pid), signal.SIGKILL)
        wait_for(
            lambda: (
                subprocess.run(
                    ["pgrep", "-u", "rabbitmq", "-f", "beam.smp"], capture_output=True
                ).returncode
                != 0
            ),
            30,
        )

    def stop(self) -> None:
        pass


# --- engines ------------------------------------------------------------------------------
class Engine:
    name = ""

    def __init__(self, root: Path):
        self.root = root
        self.marks = root / "marks"
        self.marks.mkdir(exist_ok=True)
        self.workers: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        return {**os.environ, "BENCH_MARKS": str(self.marks), "PYTHONPATH": str(REPO)}

    def start_worker(self) -> subprocess.Popen:
        log = open(self.root / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            self.worker_command(),
            env=self.env(),
            cwd=REPO,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen) -> None:
        """SIGKILL to the worker and every descendant, all at once: RQ's work horse runs in
        a process group of its own, which a killpg of the worker would miss."""
        pids = descendants(process.pid) + [process.pid]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self.workers = []

    def reset_marks(self) -> None:
        shutil.rmtree(self.marks)
        self.marks.mkdir()


class DjangoEngine(Engine):
    """Enqueues through the product's tasks API, in a child process with this engine's
    settings (the enqueue helper at the bottom of this file)."""

    def env(self) -> dict[str, str]:
        return super().env() | {
            "MEDEXAM_DEBUG": "1",
            "MEDEXAM_VAR_DIR": str(self.root / "var"),
            "DJANGO_SETTINGS_MODULE": "medexam.settings",
            **self.extra_env(),
        }

    def extra_env(self) -> dict[str, str]:
        return {}

    def worker_command(self) -> list[str]:
        return [PY, "-m", "medexam", "worker", "--queues", "default"] + self.worker_args()

    def worker_args(self) -> list[str]:
        return []

    def enqueue(self, ids: list[str], seconds: float) -> None:
        run([PY, __file__, "--enqueue", str(seconds), *ids], env=self.env(), cwd=REPO)


class DatabaseEngine(DjangoEngine):
    name = "database"

    def __init__(self, root: Path):
        super().__init__(root)
        self.server = PrivatePostgres(root)

    def extra_env(self) -> dict[str, str]:
        return {
            "MEDEXAM_TASKS": "database",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/tasks_bench",
        }

    def worker_args(self) -> list[str]:
        return ["--interval", "0.2"]

    def setup(self) -> None:
        self.server.start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "tasks_bench"],
            capture_output=True,
        )
        run([PY, "-m", "medexam", "migrate", "-v0"], env=self.env(), cwd=REPO)


class CeleryEngine(DjangoEngine):
    name = "celery"

    def __init__(self, root: Path):
        super().__init__(root)
        self.server = SharedRabbit()
        self.prefix = f"medexam-bench-{uuid.uuid4().hex[:6]}"

    def extra_env(self) -> dict[str, str]:
        return {"MEDEXAM_TASKS": "celery", "MEDEXAM_TASKS_QUEUE_PREFIX": self.prefix}

    def worker_args(self) -> list[str]:
        return ["--concurrency", "1"]

    def setup(self) -> None:
        # The queue exists (durable) before anything is enqueued, as it does in production
        # once a worker has started once.
        worker = self.start_worker()
        time.sleep(8)
        self.kill_worker(worker)
        self.workers = []


class RQEngine(Engine):
    name = "rq"
    retry = False

    def __init__(self, root: Path):
        super().__init__(root)
        self.server = PrivateRedis(root)

    def env(self) -> dict[str, str]:
        return super().env() | {"PYTHONPATH": f"{REPO}:{RQLIB}"}

    def worker_command(self) -> list[str]:
        return [
            PY,
            "-m",
            "rq.cli",
            "worker",
            "-u",
            f"redis://127.0.0.1:{REDIS_PORT}",
            "--maintenance-interval",
            "30",
            "bench",
        ]

    def setup(self) -> None:
        self.server.start()

    def enqueue(self, ids: list[str], seconds: float) -> None:
        code = (
            "import sys; from redis import Redis; from rq import Queue, Retry;"
            "from bench.engine_tasks import slow;"
            f"q = Queue('bench', connection=Redis(port={REDIS_PORT}));"
            f"[q.enqueue(slow, i, {seconds}, retry={'Retry(max=3)' if self.retry else 'None'})"
            " for i in sys.argv[1:]]"
        )
        run([PY, "-c", code, *ids], env=self.env(), cwd=REPO)


class RQRetryEngine(RQEngine):
    name = "rq+retry"
    retry = True


ENGINES = {e.name: e for e in (DatabaseEngine, CeleryEngine, RQEngine, RQRetryEngine)}


def kill_scenario(engine: Engine, wait: float) -> str:
    engine.reset_marks()
    task_id = uuid.uuid4().hex[:10]
    engine.enqueue([task_id], 8)
    first = engine.start_worker()
    if not wait_for(lambda: marks(engine.marks, task_id)[0] >= 1, 60):
        return "the task never started"
    time.sleep(2)
    engine.kill_worker(first)
    killed_at = time.time()
    engine.start_worker()
    done = wait_for(lambda: marks(engine.marks, task_id)[1] >= 1, wait, step=0.5)
    time.sleep(3 if done else 0)  # a duplicate would show up now
    starts, ends, end_times = marks(engine.marks, task_id)
    engine.stop_workers()
    if not done:
        return f"lost: not run again within {wait:.0f} s (started {starts}×, finished {ends}×)"
    return (
        f"ran again, finished {min(end_times) - killed_at:.1f} s after the kill "
        f"(started {starts}×, finished {ends}×)"
    )


def restart_scenario(engine: Engine, count: int) -> str:
    engine.reset_marks()
    ids = [uuid.uuid4().hex[:10] for _ in range(count)]
    engine.enqueue(ids, 0)
    engine.server.crash()
    engine.server.start()
    engine.start_worker()
    wait_for(lambda: finished(engine.marks) >= count, 90, step=0.5)
    time.sleep(3)
    done = finished(engine.marks)
    engine.stop_workers()
    return f"{done} of {count} queued tasks ran after the restart"


def enqueue_child(seconds: float, ids: list[str]) -> None:
    import django

    django.setup()
    from bench.engine_tasks import slow_task

    for task_id in ids:
        slow_task.enqueue(task_id, seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="database,celery,rq,rq+retry")
    parser.add_argument("--queued", type=int, default=200)
    parser.add_argument("--kill-wait", type=float, default=240)
    args = parser.parse_args()
    subprocess.run(["uptime"])
    for name in args.engines.split(","):
        if name.startswith("rq") and not (RQLIB / "rq").exists():
            print(f"{name}: skipped (pip install --target {RQLIB} rq==2.12.0)")
            continue
        root = Path(tempfile.mkdtemp(prefix=f"medexam-engine-{name.replace('+', '-')}-"))
        engine = ENGINES[name](root)
        try:
            engine.setup()
            print(f"{name}: kill -9 mid-task: {kill_scenario(engine, args.kill_wait)}", flush=True)
            print(
                f"{name}: broker/database killed and restarted: "
                f"{restart_scenario(engine, args.queued)}",
                flush=True,
            )
        finally:
            engine.stop_workers()
            engine.server.stop()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--enqueue":
        enqueue_child(float(sys.argv[2]), sys.argv[3:])
    else:
        main()
