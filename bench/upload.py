"""Upload benchmark: the product against a bare baseline, in one run.

    .venv/bin/python bench/upload.py                  # 16 connections, ~20 s per side
    .venv/bin/python bench/upload.py --overload       # 64 connections: slower, never errors
    .venv/bin/python bench/upload.py --postgres postgres://postgres@127.0.0.1:5432

What it does:
1. builds a throwaway installation in a temporary folder: its own database (an SQLite file, or
   a fresh PostgreSQL database that is dropped afterwards), migrations, the Liaoning 2022 data
   and demo candidates (`demo_data`), static files; nothing of the dev database is touched;
   then waits, if need be, until creating a file there is cheap again (QUIET_CREATE_MS);
2. starts the product under gunicorn (sync workers, one per core, production settings) on
   127.0.0.1, logs in three candidates per connection through the real login page, and uploads
   realistic 150-200 KB document photos as the page's script does (the picture as the body,
   token, retry key and file name in headers) to the items without named slots, "其他" first
   (a connection whose candidates are all full deletes their images - deletes are counted);
3. starts the baseline (bench/baseline_wsgi.py: writes the body to disk, nothing else) under
   the same gunicorn settings and sends it the same requests; the two sides take turns in
   four rounds (5 s each by default), so a drift in the machine's speed during the run falls
   on both alike;
4. measures intake's own CPU per image against one plain full Image.load() of the same file;
5. prints uploads/s, p50/p95/p99 latency and server CPU per upload for both sides, and last
   `ratio: X` (product uploads/s / baseline uploads/s).

The load generator runs on the same two cores as the servers (as it did for the figures in
the issue); it is a lean asyncio client so that it takes as little of them as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
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
PY = sys.executable
# Without these a fresh worker page-faults on every image (see NOTES-uploads: ~2x intake).
GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728"
CANDIDATE_PASSWORD = "Demo@2022"  # medexam.demo.seeding.CANDIDATE_PASSWORD
ITEM = "other"
WARMUP_SECONDS = 2.0  # before the first measured round of each side
ROUND_WARMUP_SECONDS = 0.5  # before each later round
# Candidates per connection: enough places that a 20-second run never has to delete.
CANDIDATES_PER_CONNECTION = 3
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- images -------------------------------------------------------------------------------


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


# --- the filesystem ---------------------------------------------------------------------------

# Creating an empty file costs ~0.03 ms of CPU on a quiet filesystem here. On ext4 without a
# journal (this machine's root) the inode allocator skips every inode of the block group
# deleted in the last 60 s (up to 6 min while the inode table is unwritten), so right after a
# run's (or the test suite's) thousands of files were removed, each new file costs ~1 ms. The
# product creates one file per upload, the baseline rewrites the same 64: such a run measures
# the previous cleanup, against the product only. The run waits until creating is cheap.
QUIET_CREATE_MS = 0.08
SETTLE_LIMIT_SECONDS = 300.0


def file_creation_ms(folder: Path, count: int = 40) -> float:
    """CPU ms per empty file created in a new folder inside `folder`, where the product's
    files will go (the same block group). The files stay: removing them would add to what
    is measured; they go with the run's folder."""
    probe = Path(tempfile.mkdtemp(dir=folder, prefix="create-probe-"))
    start = time.process_time()
    for i in range(count):
        os.close(os.open(probe / str(i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return (time.process_time() - start) * 1000 / count


def settle(folder: Path, limit: float = SETTLE_LIMIT_SECONDS) -> float:
    """Wait (up to `limit` seconds) until creating a file in `folder` is cheap again;
    returns the last cost measured."""
    cost = file_creation_ms(folder)
    if cost <= QUIET_CREATE_MS:
        return cost
    print(
        f"waiting: creating a file costs {cost:.2f} ms of CPU here now (files were deleted on "
        "this filesystem in the last minutes; see QUIET_CREATE_MS); checking every 15 s",
        flush=True,
    )
    deadline = time.monotonic() + limit
    while cost > QUIET_CREATE_MS and time.monotonic() < deadline:
        time.sleep(15)
        cost = file_creation_ms(folder)
    return cost


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict, **kwargs) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"setup step failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Installation:
    env: dict
    folder: Path
    drop_database: str | None = None
    admin_url: str | None = None


def install_product(folder: Path, candidates: int, postgres: str | None) -> Installation:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "medexam.settings",
        "MEDEXAM_DEBUG": "0",
        "MEDEXAM_SECRET_KEY": secrets.token_urlsafe(40),
        "MEDEXAM_VAR_DIR": str(folder),
        "MEDEXAM_PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "MEDEXAM_SECURE_COOKIES": "0",
        "MEDEXAM_HSTS_SECONDS": "0",
        "MEDEXAM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDEXAM_LOG_LEVEL": "WARNING",
        "MEDEXAM_SMS_FILE": str(folder / "sms.log"),
        "MEDEXAM_CONN_MAX_AGE": "60",
        "GLIBC_TUNABLES": GLIBC_TUNABLES,
    }
    install = Installation(env=env, folder=folder)
    if postgres:
        import psycopg

        name = f"medexam_bench_{secrets.token_hex(4)}"
        with psycopg.connect(f"{postgres.rstrip('/')}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        install.drop_database = name
        install.admin_url = postgres.rstrip("/")
        env["DATABASE_URL"] = f"{postgres.rstrip('/')}/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    run([PY, "-m", "medexam", "migrate", "--noinput", "-v0"], env)
    run([PY, "-m", "medexam", "demo_data", "--candidates", str(candidates)], env)
    run([PY, "-m", "medexam", "collectstatic", "--noinput", "-v0"], env)
    return install


def upload_items(install: Installation) -> list[tuple[str, int]]:
    """Items without named slots and their caps, "other" (10) first: ~70 places per
    candidate, so that deleting between rounds is rare."""
    code = (
        "import json; from medexam.rules.models import MaterialItem; "
        "print('ITEMS=' + json.dumps([(i.code, i.max_count) for i in MaterialItem.objects"
        ".filter(exam__slug='liaoning-2022').order_by('order') if not i.slots]))"
    )
    out = run([PY, "-m", "medexam", "shell", "-c", code], install.env)
    items = json.loads(next(line for line in out.splitlines() if line.startswith("ITEMS="))[6:])
    items.sort(key=lambda pair: pair[0] != ITEM)
    return [tuple(pair) for pair in items]


def candidate_logins(install: Installation, count: int) -> list[str]:
    code = (
        "import json; from medexam.candidates.models import Candidate; "
        "print('IDS=' + json.dumps(list(Candidate.objects.filter(id_type='resident_id')"
        ".order_by('id').values_list('id_number', flat=True))))"
    )
    out = run([PY, "-m", "medexam", "shell", "-c", code], install.env)
    ids = json.loads(next(line for line in out.splitlines() if line.startswith("IDS="))[4:])
    if len(ids) < count:
        sys.exit(f"only {len(ids)} candidates with a resident ID; need {count}")
    return ids  # at least `count`; the caller spreads them over its connections


def drop(install: Installation) -> None:
    if install.drop_database and install.admin_url:
        import psycopg

        with psycopg.connect(f"{install.admin_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{install.drop_database}" WITH (FORCE)')


class Server:
    def __init__(self, app: str, env: dict, workers: int, log: Path, pythonpath: Path):
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
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT)  # noqa: S603
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"gunicorn exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit("gunicorn did not start")

    def cpu_seconds(self) -> float:
        """utime + stime of the master and its live workers."""
        pids = [self.proc.pid] + _children(self.proc.pid)
        total = 0
        for pid in pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
        return total / CLK_TCK

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _children(parent: int) -> list[int]:
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
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

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
    """What the page's script sends with a picture (medexam/static/medexam/upload.js): the
    picture itself is the body."""
    return {
        "Content-Type": "application/octet-stream",
        "X-Requested-With": "fetch",
        "X-CSRFToken": csrf,
        "Idempotency-Key": key,
        "X-File-Name": "photo.jpg",
    }


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
    deletes: int = 0


class ProductClient:
    def __init__(self, port: int, id_number: str, items: list[tuple[str, int]]):
        self.session = Session(port)
        self.id_number = id_number
        self.items = items
        self.place = 0  # index into items
        self.used = 0  # images in the current item
        self.uploaded: list[str] = []
        self.deleted = 0

    async def login(self) -> None:
        s = self.session
        await s.request("GET", "/accounts/login/")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": s.csrf,
                "username": self.id_number,
                "password": CANDIDATE_PASSWORD,
            }
        ).encode()
        r = await s.request(
            "POST",
            "/accounts/login/",
            form,
            **{"Content-Type": "application/x-www-form-urlencoded"},
        )
        if r.status != 302 or "sessionid" not in s.cookies:
            raise HttpError(f"login failed for a candidate: HTTP {r.status}")
        r = await s.request("GET", "/candidate/materials/")
        if r.status != 200:
            raise HttpError(f"materials page: HTTP {r.status}")

    @property
    def full(self) -> bool:
        return self.place >= len(self.items)

    async def upload(self, image: bytes) -> Response:
        code, cap = self.items[self.place]
        r = await self.session.request(
            "POST",
            f"/candidate/materials/{code}/upload/",
            image,
            **upload_headers(self.session.csrf, secrets.token_hex(16)),
        )
        if r.status == 200:
            self.uploaded.append(r.json()["image"]["id"])
            self.used += 1
            if self.used >= cap:
                self.place, self.used = self.place + 1, 0
        return r

    async def clear(self) -> None:
        """Delete every image of this candidate (not timed as an upload, but counted)."""
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
            self.deleted += 1
        self.uploaded, self.place, self.used = [], 0, 0


class CandidatePool:
    """One connection's several candidates, logged in before the clock: when one candidate's
    places are full the next takes over, so the measured window holds uploads, not deletes.
    Only when all are full does it delete (counted, as before)."""

    def __init__(self, clients: list[ProductClient]):
        self.clients = clients
        self.current = 0

    async def login(self) -> None:
        for client in self.clients:
            await client.login()

    @property
    def deleted(self) -> int:
        return sum(c.deleted for c in self.clients)

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

    async def upload(self, image: bytes) -> Response:
        return await self.session.request(
            "POST", "/upload", image, **upload_headers("x" * 64, secrets.token_hex(16))
        )


async def drive(
    clients, images: list[bytes], duration: float, server: Server, warmup: float, tally: Tally
) -> float:
    """Load `server` from `clients` for `warmup` + `duration` seconds; what happens inside
    the window is added to `tally`. Returns the server's CPU seconds inside the window."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    window_open = start + warmup
    window_close = window_open + duration
    cpu = {}

    async def worker(index: int, client) -> None:
        n = index
        while loop.time() < window_close:
            if getattr(client, "full", False):
                await client.clear()
            image = images[n % len(images)]
            n += len(clients)
            began = loop.time()
            try:
                response = await client.upload(image)
                ok = response.status == 200
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

    async def mark_cpu() -> None:
        await asyncio.sleep(window_open - loop.time())
        cpu["start"] = server.cpu_seconds()
        await asyncio.sleep(window_close - loop.time())
        cpu["end"] = server.cpu_seconds()

    marker = asyncio.create_task(mark_cpu())
    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    await marker
    return cpu["end"] - cpu["start"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def report(label: str, tally: Tally, cpu: float, duration: float) -> float:
    rate = tally.in_window / duration
    ms = [v * 1000 for v in tally.latencies]
    per_upload = cpu * 1000 / tally.in_window if tally.in_window else float("nan")
    print(
        f"{label:9} {rate:8.1f} uploads/s   p50 {percentile(ms, 50):6.1f} ms   "
        f"p95 {percentile(ms, 95):6.1f} ms   p99 {percentile(ms, 99):6.1f} ms   "
        f"errors {len(tally.errors)}   server CPU {per_upload:5.2f} ms/upload"
        + (f"   (deletes {tally.deletes})" if tally.deletes else "")
    )
    for problem in sorted(set(tally.errors))[:5]:
        print(f"          error: {problem}")
    return rate


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


@dataclass
class Side:
    label: str
    server: Server
    clients: list
    tally: Tally = field(default_factory=Tally)
    cpu: float = 0.0
    per_round: list[int] = field(default_factory=list)  # uploads inside each round's window


async def both_sides(args, images, install: Installation) -> tuple[Side, Side]:
    """Both servers run from the start; the load alternates between them in `args.rounds`
    rounds, so a change in the machine's speed during the run (seen here: +-15 %) falls on
    both sides alike instead of on whichever ran second."""
    ids = candidate_logins(install, args.concurrency)
    per_connection = min(CANDIDATES_PER_CONNECTION, len(ids) // args.concurrency)
    items = upload_items(install)
    folder = install.folder
    baseline_env = {
        **os.environ,
        "BASELINE_DIR": str(folder / "baseline"),
        "GLIBC_TUNABLES": GLIBC_TUNABLES,
    }
    servers: list[Server] = []
    try:
        servers.append(
            Server(
                "medexam.wsgi:application", install.env, args.workers, folder / "product.log", ROOT
            )
        )
        servers.append(
            Server(
                "baseline_wsgi:application",
                baseline_env,
                args.workers,
                folder / "baseline.log",
                ROOT / "bench",
            )
        )
        product_server, baseline_server = servers
        product = Side(
            "product",
            product_server,
            [
                CandidatePool(
                    [
                        ProductClient(product_server.port, i, items)
                        for i in ids[n * per_connection : (n + 1) * per_connection]
                    ]
                )
                for n in range(args.concurrency)
            ],
        )
        baseline = Side(
            "baseline",
            baseline_server,
            [BaselineClient(baseline_server.port) for _ in range(args.concurrency)],
        )
        # Logins are PBKDF2-bound (~0.5 s of CPU each): a few at a time, before the clock.
        for start in range(0, len(product.clients), 8):
            await asyncio.gather(*(c.login() for c in product.clients[start : start + 8]))
        segment = args.duration / args.rounds
        for round_ in range(args.rounds):
            # A fresh worker warms up (first requests, caches) once; later rounds only need
            # the connections to fill again.
            warmup = WARMUP_SECONDS if round_ == 0 else ROUND_WARMUP_SECONDS
            for side in (product, baseline):
                before = side.tally.in_window
                side.cpu += await drive(
                    side.clients, images, segment, side.server, warmup, side.tally
                )
                side.per_round.append(side.tally.in_window - before)
        product.tally.deletes = sum(c.deleted for c in product.clients)
        return product, baseline
    finally:
        for server in servers:
            server.stop()


def main(argv: list[str] | None = None) -> int:
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
        "--postgres",
        metavar="URL",
        help="server URL (no database name): use a throwaway database there",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--no-settle",
        action="store_true",
        help="start even if creating a file is slow right now (see QUIET_CREATE_MS)",
    )
    args = parser.parse_args(argv)
    if argv is None and os.environ.get("GLIBC_TUNABLES") != GLIBC_TUNABLES:
        # Run as the servers run (see GLIBC_TUNABLES), so that intake's own cost measured
        # in this process is the cost the workers pay.
        os.execve(PY, [PY, *sys.argv], {**os.environ, "GLIBC_TUNABLES": GLIBC_TUNABLES})
    if args.overload:
        args.concurrency = 64

    images = bench_images(args.images)
    sizes = sorted(len(i) for i in images)
    folder = Path(tempfile.mkdtemp(prefix="medexam-bench-"))
    print(
        f"setup: {folder} ({'PostgreSQL' if args.postgres else 'SQLite'}), "
        f"{len(images)} photos of {sizes[0] // 1024}-{sizes[-1] // 1024} KB, "
        f"{args.workers} gunicorn sync workers, {os.cpu_count()} cores, "
        f"concurrency {args.concurrency}, {args.duration:.0f} s per side in {args.rounds} rounds",
        flush=True,
    )
    install = install_product(
        folder, candidates=args.concurrency * CANDIDATES_PER_CONNECTION + 20, postgres=args.postgres
    )
    try:
        began = time.monotonic()
        create_ms = file_creation_ms(folder) if args.no_settle else settle(folder)
        print(
            f"file creation before the run: {create_ms:.2f} ms CPU per file "
            f"(waited {time.monotonic() - began:.0f} s)",
            flush=True,
        )
        product, baseline = asyncio.run(both_sides(args, images, install))
        intake_ms, load_ms = intake_cost(images)
    finally:
        drop(install)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    product_rate, baseline_rate = (
        report(side.label, side.tally, side.cpu, args.duration) for side in (product, baseline)
    )
    print(
        f"intake    {intake_ms:6.2f} ms CPU per image   full Image.load() {load_ms:6.2f} ms   "
        f"= {intake_ms / load_ms:.2f} x one decode"
    )
    # How much the ratio moves within one run (the machine's speed drifts; see the README).
    rounds = zip(product.per_round, baseline.per_round, strict=True)
    print("ratio by round: " + " ".join(f"{p / b:.3f}" if b else "nan" for p, b in rounds))
    ratio = product_rate / baseline_rate if baseline_rate else float("nan")
    print(f"ratio: {ratio:.3f}")
    return 1 if product.tally.errors or baseline.tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
