"""Upload benchmark: the product against a bare baseline, in one run.

    .venv/bin/python bench/upload.py                  # SQLite, 16 connections, ~20 s per side
    .venv/bin/python bench/upload.py --overload       # 64 connections: slower, never errors
    .venv/bin/python bench/upload.py --postgres postgres://postgres@127.0.0.1:5432 --redis
    .venv/bin/python bench/upload.py --compare 1bef2a3  # also the product as of a commit
    .venv/bin/python bench/upload.py --orm            # also the product through the plain ORM

What it does:
1. builds a throwaway installation per product side in a temporary folder: its own database
   (an SQLite file, or a fresh PostgreSQL database that is dropped afterwards, filled with
   100,000 more candidates by default so that the reads meet a province-sized table),
   migrations, the Liaoning 2022 data and demo candidates, static files; `--compare REF`
   adds a second product side built the same way from `git archive REF` and run with that
   tree's own code (how the hand-written SQL layer and the plain ORM were compared);
   `--redis` starts a private redis-server for the product's cache and sessions;
2. starts each product side under gunicorn (sync workers, one per core, production
   settings) and the baseline (bench/baseline_wsgi.py: stores the body as a new file in the
   product's folder layout, nothing else) under the same settings; logs one candidate in
   through the login page and gives every connection enough candidates (sessions made by
   the side's own session engine) that no place runs out inside a measured round;
3. uploads realistic 150-200 KB document photos as the page's script does (the picture as
   the body; token, retry key and file name in headers) to the items without named slots;
   the sides take turns in four rounds (5 s each by default), so a drift in the machine's
   speed during the run falls on every side alike;
4. counts CPU per upload: the gunicorn processes, the side's PostgreSQL backends and the
   private Redis (read from /proc at each window's edges), and the load client itself;
5. after the run checks that every 2xx answer is a stored row with its file (product) or
   a stored file of the right size (baseline);
6. prints uploads/s, p50/p95/p99 latency and CPU per upload for every side, intake's own
   CPU against one plain Image.load(), each round's ratio, and last
   `ratio: X  cpu_ratio: Y`: throughput (product / baseline) and server CPU per upload
   including the database (baseline / product).

The load generator runs on the same two cores as the servers; it is a lean asyncio client
so that it takes as little of them as possible (its CPU is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HELPER = ROOT / "bench" / "upload_django.py"
PY = sys.executable
# Without these a fresh worker page-faults on every image (see NOTES-uploads: ~2x intake).
GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728"
CANDIDATE_PASSWORD = "Demo@2022"  # medexam.demo.seeding.CANDIDATE_PASSWORD
WARMUP_SECONDS = 2.0  # before the first measured round of each side
ROUND_WARMUP_SECONDS = 0.5  # before each later round
# A candidate uploads at most this many images (SPEC: 5-15 images each), so that the reads
# under the lock meet an application of a real size, not one that grows to every place.
IMAGES_PER_CANDIDATE = 15
# Places are planned for this rate (~3.5x the product's measured best): no connection runs
# out of free places, and so none deletes, inside a run at any rate up to it.
PLANNED_RATE = 500.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- images -------------------------------------------------------------------------------


def dev_id_keys() -> dict[str, str]:
    """The public development ID-number keys (medexam.env), unless the environment sets its
    own: an installation's database may be copied into another's (a template), so every
    installation of a run shares them."""
    sys.path.insert(0, str(ROOT))
    from medexam.env import DEV_ID_HMAC_KEY, DEV_ID_KEYS

    return {
        "MEDEXAM_ID_KEYS": os.environ.get("MEDEXAM_ID_KEYS", DEV_ID_KEYS),
        "MEDEXAM_ID_HMAC_KEY": os.environ.get("MEDEXAM_ID_HMAC_KEY", DEV_ID_HMAC_KEY),
    }


def bench_images(count: int) -> list[bytes]:
    """Document photos of 150-200 KB (generated once, cached under bench/out/images)."""
    folder = OUT / "images"
    folder.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    images = []
    for seed in range(1000, 1000 + count):
        path = folder / f"document-{seed}.jpg"
        if not path.exists():
            from tests.intake.make_corpus import document_jpeg

            path.write_bytes(document_jpeg(seed))
        images.append(path.read_bytes())
    return images


# --- processes and their CPU --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process (None: gone or not readable)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
            found.append(int(entry.name))
    return found


def run(cmd: list[str], env: dict, cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(  # noqa: S603
        cmd, env=env, cwd=cwd, capture_output=True, text=True, input=stdin
    )
    if done.returncode != 0:
        sys.exit(f"setup step failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Server:
    def __init__(self, app: str, env: dict, workers: int, log: Path, pythonpath: Path, cwd: Path):
        self.port = free_port()
        cmd = [
            PY, "-m", "gunicorn", app,
            "--workers", str(workers),
            "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}",
            "--backlog", "2048",
            "--timeout", "120",
            "--preload",
            "--log-level", "warning",
            "--error-logfile", str(log),
            "--pythonpath", str(pythonpath),
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd)  # noqa: S603
        wait_for_port(self.port, self.proc, "gunicorn")

    def cpu_seconds(self) -> float:
        """The master and its live workers."""
        return sum(
            proc_cpu_seconds(pid) or 0.0 for pid in [self.proc.pid, *children(self.proc.pid)]
        )

    def stop(self) -> None:
        stop(self.proc)


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{what} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Redis:
    """A private redis-server for the run (the shared one's CPU is everyone's)."""

    def __init__(self, folder: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("--redis needs redis-server (Debian: apt-get install redis-server)")
        self.port = free_port()
        self.proc = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.proc, "redis-server")

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.proc.pid) or 0.0


class DatabaseCpu:
    """CPU of the PostgreSQL backends serving one database (same machine: /proc).

    A backend that starts inside a window counts from its start; one that ends inside it
    would lose its share, which is why the bench keeps connections for the whole run
    (MEDEXAM_CONN_MAX_AGE below)."""

    def __init__(self, admin_url: str, database: str):
        import psycopg

        self.conn = psycopg.connect(f"{admin_url}/postgres", autocommit=True)
        self.database = database
        self.seen: dict[int, float] = {}

    def cpu_seconds(self) -> float:
        pids = [
            pid
            for (pid,) in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
            )
        ]
        for pid in pids:
            value = proc_cpu_seconds(pid)
            if value is not None:
                self.seen[pid] = value
        return sum(self.seen.values())

    def close(self) -> None:
        self.conn.close()


# --- installations ------------------------------------------------------------------------


@dataclass
class Installation:
    label: str
    tree: Path  # the code it runs
    folder: Path
    env: dict
    database: str | None = None  # PostgreSQL database name (dropped afterwards)

    def helper(self, *args: str, stdin: str | None = None):
        out = run([PY, str(HELPER), *args], self.env, self.tree, stdin=stdin)
        return json.loads(out.strip().splitlines()[-1])


def export_tree(ref: str, folder: Path) -> Path:
    """The repository's files at `ref`, as `git archive` gives them (no checkout: the
    shared repository's worktrees are left alone); a folder `ref` is copied as it is."""
    tree = folder / "tree"
    if Path(ref).is_dir():
        shutil.copytree(ref, tree)
        return tree
    tree.mkdir(parents=True)
    archive = subprocess.run(  # noqa: S603
        ["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=False
    )
    if archive.returncode != 0:
        sys.exit(f"git archive {ref} failed: {archive.stderr.decode()}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)  # noqa: S603
    return tree


ORM_PATCH = ROOT / "bench" / "orm_variant.patch"


def orm_variant(tree: Path, folder: Path) -> Path:
    """The product with its hand-written SQL replaced by the plain ORM doing the same work
    (bench/orm_variant.patch: the locked upload read as select_for_update + annotate + only(),
    the inserts as Model.save(), Django's own session store and ModelBackend's user load)."""
    variant = folder / "tree"
    variant.mkdir(parents=True)
    shutil.copytree(tree / "medexam", variant / "medexam")
    applied = subprocess.run(  # noqa: S603
        ["patch", "-p1", "--batch", "--forward", "-i", str(ORM_PATCH)],
        cwd=variant,
        capture_output=True,
        text=True,
        check=False,
    )
    if applied.returncode != 0:
        sys.exit(
            f"{ORM_PATCH.name} no longer applies to the product (regenerate it from the "
            f"current code):\n{applied.stdout}{applied.stderr}"
        )
    return variant


def same_migrations(a: Path, b: Path) -> bool:
    """Whether two trees have byte-identical migrations (their databases can be copies)."""

    def migrations(tree: Path) -> dict[str, bytes]:
        return {
            str(path.relative_to(tree)): path.read_bytes()
            for path in sorted(tree.glob("medexam/*/migrations/*.py"))
        }

    return migrations(a) == migrations(b)


def install_product(
    label: str,
    tree: Path,
    folder: Path,
    args,
    candidates: int,
    redis: Redis | None,
    db: int,
    installs: list[Installation],
    template: str | None = None,
) -> Installation:
    """A side's installation. `template`: an installed side's PostgreSQL database with the
    same migrations, copied instead of filled again (a 100,000-candidate fill takes minutes;
    PostgreSQL copies a database in seconds)."""
    folder.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "DJANGO_SETTINGS_MODULE": "medexam.settings",
        "MEDEXAM_DEBUG": "0",
        "MEDEXAM_SECRET_KEY": secrets.token_urlsafe(40),
        **dev_id_keys(),
        "MEDEXAM_VAR_DIR": str(folder),
        "MEDEXAM_PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "MEDEXAM_SECURE_COOKIES": "0",
        "MEDEXAM_HSTS_SECONDS": "0",
        "MEDEXAM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDEXAM_LOG_LEVEL": "WARNING",
        "MEDEXAM_SMS_FILE": str(folder / "sms.log"),
        "MEDEXAM_SMS_FILE_BACKEND_ALLOWED": "1",  # a benchmark: no SMS gateway
        # Persistent connections for the whole run (production: 60 s, one reconnect a
        # minute per worker): a backend that ended inside a window would take its CPU along.
        "MEDEXAM_CONN_MAX_AGE": "3600",
        "GLIBC_TUNABLES": GLIBC_TUNABLES,
    }
    if redis is not None:
        env["MEDEXAM_REDIS_URL"] = redis.url(db)
    else:
        env.pop("MEDEXAM_REDIS_URL", None)
    install = Installation(label=label, tree=tree, folder=folder, env=env)
    installs.append(install)  # before any setup step: a failed one still drops its database
    if args.postgres:
        import psycopg

        install.database = f"{args.db_prefix}_{secrets.token_hex(4)}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(f"{admin_url(args)}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{install.database}"{copy}')
        env["DATABASE_URL"] = f"{admin_url(args)}/{install.database}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    run([PY, "-m", "medexam", "migrate", "--noinput", "-v0"], env, tree)
    if template:
        print(f"{label}: a copy of the first side's database", flush=True)
    else:
        run([PY, "-m", "medexam", "demo_data", "--candidates", str(candidates)], env, tree)
    if args.population and not template:
        began = time.monotonic()
        made = install.helper("fill", str(args.population))
        print(f"{label}: {made} more candidates in {time.monotonic() - began:.0f} s", flush=True)
    run([PY, "-m", "medexam", "collectstatic", "--noinput", "-v0"], env, tree)
    return install


def admin_url(args) -> str:
    return args.postgres.rstrip("/")


def drop(args, install: Installation) -> None:
    if install.database:
        import psycopg

        with psycopg.connect(f"{admin_url(args)}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{install.database}" WITH (FORCE)')


# --- a lean HTTP/1.1 client ---------------------------------------------------------------


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self):
        return json.loads(self.body)


async def http(
    port: int, method: str, path: str, *, headers: dict, body: bytes = b"", timeout: float = 120.0
) -> Response:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(head)
            writer.write(body)
            await writer.drain()
            raw = await reader.read(-1)
        finally:
            writer.close()
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0:
        raise HttpError("no response")
    status_line, *header_lines = raw[:head_end].decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    parsed = []
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed.append((name.strip().lower(), value.strip()))
    return Response(status, parsed, raw[head_end + 4 :])


class Session:
    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies: dict[str, str] = dict(cookies or {})

    async def request(self, method: str, path: str, body: bytes = b"", **headers) -> Response:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await http(self.port, method, path, headers=headers, body=body)
        for name, value in response.headers:
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")


def upload_headers(csrf: str, key: str) -> dict:
    """What the page's script sends with a picture (medexam/static/medexam/upload/): the
    picture itself is the body."""
    return {
        "Content-Type": "application/octet-stream",
        "X-Requested-With": "fetch",
        "X-CSRFToken": csrf,
        "Idempotency-Key": key,
        "X-File-Name": "photo.jpg",
    }


async def log_in_through_the_page(port: int, id_number: str) -> None:
    """The page's own login, once per side: the sessions the bench makes otherwise must be
    what this makes."""
    s = Session(port)
    await s.request("GET", "/accounts/login/")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": s.csrf, "username": id_number, "password": CANDIDATE_PASSWORD}
    ).encode()
    r = await s.request(
        "POST", "/accounts/login/", form, **{"Content-Type": "application/x-www-form-urlencoded"}
    )
    if r.status != 302 or "sessionid" not in s.cookies:
        raise HttpError(f"login through the page failed: HTTP {r.status}")
    r = await s.request("GET", "/candidate/materials/")
    if r.status != 200:
        raise HttpError(f"materials page after login: HTTP {r.status}")


# --- load ---------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, uploads started in window
    # Successful uploads that ended inside the measured window, whenever they began: the
    # throughput. (Counting only uploads that both began and ended inside it undercounts by
    # about latency / window on each side: ~2.5 % for the product's ~125 ms in a 5 s round,
    # ~0.4 % for the baseline's ~20 ms, a bias against the slower side.)
    in_window: int = 0
    errors: list[str] = field(default_factory=list)
    deletes_in_window: int = 0


class ProductClient:
    """One candidate: uploads into the items without named slots until all are full."""

    def __init__(self, session: Session, items: list[tuple[str, int]]):
        self.session = session
        self.items = items
        self.place = 0  # index into items
        self.used = 0  # images in the current item
        self.uploaded: list[str] = []  # 2xx answers' image ids, not deleted
        self.deleted: list[str] = []

    @property
    def full(self) -> bool:
        return self.place >= len(self.items) or len(self.uploaded) >= IMAGES_PER_CANDIDATE

    async def upload(self, image: bytes) -> Response:
        code, cap = self.items[self.place]
        r = await self.session.request(
            "POST",
            f"/candidate/materials/{code}/upload/",
            image,
            **upload_headers(self.session.csrf, secrets.token_hex(16)),
        )
        if 200 <= r.status < 300:
            self.uploaded.append(r.json()["image"]["id"])
            self.used += 1
            if self.used >= cap:
                self.place, self.used = self.place + 1, 0
        return r

    async def clear(self) -> None:
        """Delete every image of this candidate (only when all of a connection's candidates
        are full: the bench plans enough places that this does not happen)."""
        for image_id in self.uploaded:
            form = urllib.parse.urlencode({"csrfmiddlewaretoken": self.session.csrf}).encode()
            r = await self.session.request(
                "POST",
                f"/candidate/images/{image_id}/delete/",
                form,
                **{
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Requested-With": "fetch",
                },
            )
            if r.status != 200:
                raise HttpError(f"delete failed: HTTP {r.status} {r.body[:200]!r}")
            self.deleted.append(image_id)
        self.uploaded, self.place, self.used = [], 0, 0


class CandidatePool:
    """One connection's candidates: when one candidate's places are full the next takes
    over; only when all are full does it delete (counted, and reported when inside a
    window)."""

    def __init__(self, clients: list[ProductClient]):
        self.clients = clients
        self.current = 0

    @property
    def full(self) -> bool:
        return all(c.full for c in self.clients)

    async def upload(self, image: bytes) -> Response:
        while self.clients[self.current].full:
            self.current = (self.current + 1) % len(self.clients)
        return await self.clients[self.current].upload(image)

    async def clear(self) -> None:
        for client in self.clients:
            await client.clear()
        self.current = 0


class BaselineClient:
    def __init__(self, port: int):
        self.session = Session(port)
        self.stored: list[tuple[str, int]] = []  # (name, size) of every 2xx answer

    async def upload(self, image: bytes) -> Response:
        r = await self.session.request(
            "POST", "/upload", image, **upload_headers("x" * 64, secrets.token_hex(16))
        )
        if 200 <= r.status < 300:
            answer = r.json()
            self.stored.append((answer["name"], len(image)))
        return r


def places_per_connection(args, items: list[tuple[str, int]]) -> int:
    """Candidates per connection so that planning for PLANNED_RATE over the whole run
    (warm-ups included) leaves every connection free places to the end."""
    seconds = args.duration + WARMUP_SECONDS + ROUND_WARMUP_SECONDS * (args.rounds - 1)
    uploads = math.ceil(PLANNED_RATE * seconds / args.concurrency)
    per_candidate = min(IMAGES_PER_CANDIDATE, sum(cap for _, cap in items))
    return math.ceil(uploads / per_candidate)


async def drive(clients, images: list[bytes], duration: float, meter, warmup: float, tally: Tally):
    """Load from `clients` for `warmup` + `duration` seconds; what happens inside the window
    is added to `tally`. `meter()` reads the CPU counters (a dict of seconds); returns their
    increase inside the window, with the load client's own as "client"."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    window_open = start + warmup
    window_close = window_open + duration
    marks = {}

    async def worker(index: int, client) -> None:
        n = index
        while loop.time() < window_close:
            if getattr(client, "full", False):
                inside = window_open <= loop.time() <= window_close
                await client.clear()
                if inside or window_open <= loop.time() <= window_close:
                    tally.deletes_in_window += 1
            image = images[n % len(images)]
            n += len(clients)
            began = loop.time()
            try:
                response = await client.upload(image)
                ok = 200 <= response.status < 300
                problem = "" if ok else f"HTTP {response.status} {response.body[:120]!r}"
            except (TimeoutError, OSError, HttpError, ValueError) as exc:
                ok, problem = False, f"{type(exc).__name__}: {exc}"
            ended = loop.time()
            if ok and window_open <= ended <= window_close:
                tally.in_window += 1
            if began >= window_open:
                tally.latencies.append(ended - began)
                if not ok:
                    tally.errors.append(problem)

    def read() -> dict:
        return {**meter(), "client": time.process_time()}

    async def mark() -> None:
        await asyncio.sleep(window_open - loop.time())
        marks["open"] = read()
        await asyncio.sleep(window_close - loop.time())
        marks["close"] = read()

    marker = asyncio.create_task(mark())
    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    await marker
    return {key: marks["close"][key] - marks["open"][key] for key in marks["open"]}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- sides --------------------------------------------------------------------------------


@dataclass
class Side:
    label: str
    server: Server
    clients: list
    meters: dict = field(default_factory=dict)  # name -> callable returning CPU seconds
    tally: Tally = field(default_factory=Tally)
    cpu: dict = field(default_factory=dict)  # name -> CPU seconds inside the windows
    per_round: list[int] = field(default_factory=list)  # uploads inside each round's window
    install: Installation | None = None

    def meter(self) -> dict:
        return {name: read() for name, read in self.meters.items()}

    def per_upload_ms(self, name: str) -> float:
        n = self.tally.in_window
        return self.cpu.get(name, 0.0) * 1000 / n if n else float("nan")

    @property
    def server_ms(self) -> float:
        """Server CPU per upload, database and cache included (not the load client)."""
        return sum(self.per_upload_ms(name) for name in self.meters)


def report(side: Side, duration: float) -> float:
    rate = side.tally.in_window / duration
    ms = [v * 1000 for v in side.tally.latencies]
    parts = "  ".join(
        f"{name} {side.per_upload_ms(name):5.2f}" for name in side.meters if name != "app"
    )
    print(
        f"{side.label:10} {rate:7.1f} uploads/s   p50 {percentile(ms, 50):6.1f} ms   "
        f"p95 {percentile(ms, 95):6.1f} ms   p99 {percentile(ms, 99):6.1f} ms   "
        f"errors {len(side.tally.errors)}"
    )
    print(
        f"{'':10} CPU ms/upload: server {side.server_ms:5.2f} (app {side.per_upload_ms('app'):5.2f}"
        + (f"  {parts}" if parts else "")
        + f")   load client {side.per_upload_ms('client'):5.2f}"
        + (
            f"   DELETES INSIDE ROUNDS {side.tally.deletes_in_window}"
            if side.tally.deletes_in_window
            else ""
        )
    )
    for problem in sorted(set(side.tally.errors))[:5]:
        print(f"{'':10} error: {problem}")
    return rate


def verify_product(side: Side) -> list[str]:
    kept = [i for pool in side.clients for c in pool.clients for i in c.uploaded]
    deleted = [i for pool in side.clients for c in pool.clients for i in c.deleted]
    found = side.install.helper("verify", stdin=json.dumps({"kept": kept, "deleted": deleted}))
    problems = []
    if found["missing_row_count"] or found["bad_file_count"] or found["deleted_still_there"]:
        problems.append(f"{side.label}: {found}")
    print(
        f"check      {side.label}: {found['checked']} answered 2xx, "
        f"{found['checked'] - found['missing_row_count'] - found['bad_file_count']} stored as "
        f"row + file; {len(deleted)} deleted and gone"
    )
    return problems


def verify_baseline(side: Side, folder: Path) -> list[str]:
    stored = [entry for client in side.clients for entry in client.stored]
    bad = [name for name, size in stored if not _has_size(folder / name, size)]
    print(f"check      {side.label}: {len(stored)} answered 2xx, {len(stored) - len(bad)} stored")
    return [f"{side.label}: {len(bad)} answers without their file, e.g. {bad[:3]}"] if bad else []


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


async def load(args, images, installs: list[Installation], redis: Redis | None) -> list[Side]:
    """Every server runs from the start; the load alternates between them in `args.rounds`
    rounds, so a change in the machine's speed during the run (seen here: +-15 %) falls on
    every side alike instead of on whichever ran last."""
    baseline_dir = installs[0].folder.parent / "baseline"
    baseline_env = {
        **os.environ,
        "BASELINE_DIR": str(baseline_dir),
        "GLIBC_TUNABLES": GLIBC_TUNABLES,
    }
    servers: list[Server] = []
    db_meters: list[DatabaseCpu] = []
    sides: list[Side] = []
    try:
        for install in installs:
            server = Server(
                "medexam.wsgi:application",
                install.env,
                args.workers,
                install.folder / "gunicorn.log",
                install.tree,
                install.tree,
            )
            servers.append(server)
            items = [tuple(pair) for pair in install.helper("items")]
            per_connection = places_per_connection(args, items)
            keys = install.helper("sessions", str(per_connection * args.concurrency))
            side = Side(install.label, server, [], install=install)
            side.meters["app"] = server.cpu_seconds
            if install.database:
                meter = DatabaseCpu(admin_url(args), install.database)
                db_meters.append(meter)
                side.meters["database"] = meter.cpu_seconds
            if redis is not None:
                side.meters["redis"] = redis.cpu_seconds
            csrf = secrets.token_hex(16)  # any 32 characters: Django compares it unmasked
            for n in range(args.concurrency):
                own = keys[n * per_connection : (n + 1) * per_connection]
                side.clients.append(
                    CandidatePool(
                        [
                            ProductClient(
                                Session(server.port, {"sessionid": key, "csrftoken": csrf}), items
                            )
                            for key in own
                        ]
                    )
                )
            sides.append(side)
        baseline_server = Server(
            "baseline_wsgi:application",
            baseline_env,
            args.workers,
            baseline_dir.parent / "baseline.log",
            ROOT / "bench",
            ROOT,
        )
        servers.append(baseline_server)
        baseline = Side(
            "baseline",
            baseline_server,
            [BaselineClient(baseline_server.port) for _ in range(args.concurrency)],
        )
        baseline.meters["app"] = baseline_server.cpu_seconds
        sides.append(baseline)
        for side, install in zip(sides, installs, strict=False):
            await log_in_through_the_page(side.server.port, demo_id_number(install))
        segment = args.duration / args.rounds
        for round_ in range(args.rounds):
            # A fresh worker warms up (first requests, caches) once; later rounds only need
            # the connections to fill again.
            warmup = WARMUP_SECONDS if round_ == 0 else ROUND_WARMUP_SECONDS
            # Each round starts with another side, so that none always follows the same one.
            for side in sides[round_ % len(sides) :] + sides[: round_ % len(sides)]:
                before = side.tally.in_window
                used = await drive(side.clients, images, segment, side.meter, warmup, side.tally)
                for name, seconds in used.items():
                    side.cpu[name] = side.cpu.get(name, 0.0) + seconds
                side.per_round.append(side.tally.in_window - before)
        return sides
    finally:
        for server in servers:
            server.stop()
        for meter in db_meters:
            meter.close()


def demo_id_number(install: Installation) -> str:
    return install.helper("first")


# --- intake vs Image.load ----------------------------------------------------------------


def intake_cost(images: list[bytes], repeat: int = 5) -> tuple[float, float]:
    sys.path.insert(0, str(ROOT))
    from PIL import Image

    from medexam.materials.intake import inspect_image

    def timed(fn) -> float:
        for data in images[:2]:
            fn(data)
        best = float("inf")
        for _ in range(repeat):
            began = time.process_time()
            for data in images:
                fn(data)
            best = min(best, time.process_time() - began)
        return best * 1000 / len(images)

    def full_load(data: bytes) -> None:
        with Image.open(io.BytesIO(data)) as im:
            im.load()

    def intake(data: bytes) -> None:
        result = inspect_image(data, "photo.jpg")
        if result.verdict == "reject":
            raise SystemExit(f"a bench image was refused: {result.code}")

    return timed(intake), timed(full_load)


# --- main ---------------------------------------------------------------------------------


def parse(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("--overload", action="store_true", help="concurrency 64")
    parser.add_argument("-d", "--duration", type=float, default=20.0, help="seconds per side")
    parser.add_argument(
        "-w",
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="gunicorn sync workers per side (default: one per core - uploads are CPU-bound, "
        "more workers than cores only share the cores and lengthen the tail)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="the sides take turns this many times (the duration is split between rounds)",
    )
    parser.add_argument("--images", type=int, default=24, help="distinct photos to upload")
    parser.add_argument(
        "--postgres", metavar="URL", help="server URL (no database name): throwaway databases there"
    )
    parser.add_argument(
        "--db-prefix", default="medexam_bench", help="name prefix of the throwaway databases"
    )
    parser.add_argument(
        "--population",
        type=int,
        default=None,
        help="more candidates (3 image rows each) in every product database "
        "(default: 100,000 on PostgreSQL, none on SQLite)",
    )
    parser.add_argument("--redis", action="store_true", help="a private Redis as the cache")
    parser.add_argument(
        "--compare",
        metavar="REF",
        help="a second product side: the code of git commit REF (or a folder holding a tree), "
        "measured in the same run",
    )
    parser.add_argument(
        "--orm",
        action="store_true",
        help="a second product side: the product with its hand-written SQL done by the plain ORM "
        "(bench/orm_variant.patch), measured in the same run",
    )
    parser.add_argument(
        "--product",
        metavar="REF",
        help="build the product side from git commit REF instead of the working tree",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.overload:
        args.concurrency = 64
    if args.population is None:
        args.population = 100_000 if args.postgres else 0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if argv is None and os.environ.get("GLIBC_TUNABLES") != GLIBC_TUNABLES:
        # Run as the servers run (see GLIBC_TUNABLES), so that intake's own cost measured
        # in this process is the cost the workers pay.
        os.execve(PY, [PY, *sys.argv], {**os.environ, "GLIBC_TUNABLES": GLIBC_TUNABLES})

    images = bench_images(args.images)
    sizes = sorted(len(i) for i in images)
    folder = Path(tempfile.mkdtemp(prefix="medexam-bench-"))
    print(
        f"setup: {folder} ({'PostgreSQL' if args.postgres else 'SQLite'}"
        f"{', Redis' if args.redis else ''}, {args.population} more candidates), "
        f"{len(images)} photos of {sizes[0] // 1024}-{sizes[-1] // 1024} KB, "
        f"{args.workers} gunicorn sync workers, {os.cpu_count()} cores, "
        f"concurrency {args.concurrency}, {args.duration:.0f} s per side in {args.rounds} rounds; "
        f"load: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    redis = Redis(folder) if args.redis else None
    installs: list[Installation] = []
    try:
        # A side built from a commit runs that commit's code, whatever the working tree
        # holds meanwhile (edits during a run would otherwise reach the product's workers).
        trees = [
            ("product", export_tree(args.product, folder / "product") if args.product else ROOT)
        ]
        if args.compare:
            trees.append((args.compare[:10], export_tree(args.compare, folder / "compare")))
        if args.orm:
            trees.append(("orm", orm_variant(trees[0][1], folder / "orm")))
        # Demo candidates: enough with a resident ID (most profiles have one) for the places.
        demo = args.concurrency * places_per_connection(args, [("x", 50)]) * 3 // 2 + 20
        for n, (label, tree) in enumerate(trees):
            template = None
            if n and args.postgres and same_migrations(trees[0][1], tree):
                template = installs[0].database
            install_product(
                label, tree, folder / f"side-{n}", args, demo, redis, n, installs, template
            )
        sides = asyncio.run(load(args, images, installs, redis))
        problems = [p for side in sides[:-1] for p in verify_product(side)]
        problems += verify_baseline(sides[-1], folder / "baseline")
        intake_ms, load_ms = intake_cost(images)
    finally:
        for install in installs:
            drop(args, install)
        if redis is not None:
            stop(redis.proc)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"load after the run: {os.getloadavg()[0]:.2f} (1-minute average)")
    rates = {side.label: report(side, args.duration) for side in sides}
    print(
        f"intake    {intake_ms:6.2f} ms CPU per image   full Image.load() {load_ms:6.2f} ms   "
        f"= {intake_ms / load_ms:.2f} x one decode"
    )
    product, baseline = sides[0], sides[-1]
    for side in sides[:-1]:
        rounds = zip(side.per_round, baseline.per_round, strict=True)
        print(
            f"ratio by round ({side.label}): "
            + " ".join(f"{p / b:.3f}" if b else "nan" for p, b in rounds)
        )
    if len(sides) == 3:
        other = sides[1]
        print(
            f"versus {other.label}: throughput {rates['product'] / rates[other.label]:.3f} x, "
            f"server CPU {product.server_ms:.2f} against {other.server_ms:.2f} ms/upload "
            f"({(product.server_ms / other.server_ms - 1) * 100:+.1f} %); by round "
            + " ".join(
                f"{p / o:.3f}" if o else "nan"
                for p, o in zip(product.per_round, other.per_round, strict=True)
            )
        )
        print(
            f"ratio ({other.label}): {rates[other.label] / rates['baseline']:.3f}  "
            f"cpu_ratio ({other.label}): {baseline.server_ms / other.server_ms:.3f}"
        )
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    ratio = rates["product"] / rates["baseline"] if rates["baseline"] else float("nan")
    print(f"ratio: {ratio:.3f}  cpu_ratio: {baseline.server_ms / product.server_ms:.3f}")
    failed = problems or any(s.tally.errors or s.tally.deletes_in_window for s in sides)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
