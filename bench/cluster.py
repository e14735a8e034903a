"""Many machines, one of them killed under load: the proof for issue 16.

    .venv/bin/python bench/cluster.py                   # 2 nodes, 12 connections, 30 s
    .venv/bin/python bench/cluster.py --nodes 3 --seconds 60

What it starts (all on this machine, each on its own port of 8600-8699):
* PostgreSQL: a fresh database `cluster_bench_<hex>` on the shared server, with the two
  least-privilege roles (`db_roles`): the owner migrates and loads the demo data, every node
  and the worker connect as the application role;
* Redis: database 6 of the shared server (the shared cache, under a prefix of this run);
* S3: moto's standalone server, one private bucket;
* N app nodes: gunicorn (sync workers, production settings), each its own process group,
  sharing nothing but those three; a task worker (`send_outbox --loop`);
* HAProxy from Debian's package in front: round robin, health checks on /health/ready every
  second, a retry of a request whose node died on another node (safe: every upload carries
  an idempotency key).

Then it checks that a session begun on one node continues on another, logs candidates in
through the balancer, uploads 150-200 KB document photos as the page's script does (a
connection error, 502 or 503 is retried with the same key, as upload.js does; every tenth
upload the candidate also deletes an earlier image), takes a backup with
`python -m medexam backup` from 30 % of the run on (`--no-backup` skips it), kills one
node's whole process group with SIGKILL half-way, keeps going, and finally checks the
database and the bucket, and restores the backup into a fresh database and bucket and runs
check_storage on it: every acknowledged image must be a row whose object exists, no row
may point at a missing object. Figures go to stdout; the last two lines are
`acknowledged_after_kill: N` and `lost: N dangling: N`.

With `--netns` (the default as root) every node runs in a network namespace of its own,
`cluster-n1`, `cluster-n2`…, with its own address (10.86.N.2, a veth pair to 10.86.N.1 on this
machine): a node cannot reach another node's loopback, only what it is given. It reaches
PostgreSQL through its Unix socket (a file, which namespaces do not separate), Redis and the
S3 server through TCP relays HAProxy runs on 10.86.N.1 (the shared servers listen on
127.0.0.1 only, and are not reconfigured). `--no-netns` runs the nodes on loopback ports.
The namespaces and links are removed at the end, and any left by an interrupted run at the
start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from upload import bench_images, dev_id_keys  # noqa: E402 - shared with bench/upload.py

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CANDIDATE_PASSWORD = "Demo@2022"  # medexam.demo.seeding.CANDIDATE_PASSWORD
CANDIDATES_PER_CONNECTION = 3
PG = os.environ.get("MEDEXAM_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("MEDEXAM_BENCH_REDIS", "redis://127.0.0.1:6379/6")
PORT_BASE = int(os.environ.get("MEDEXAM_BENCH_PORT_BASE", "8620"))
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0)  # like upload.js, shorter: the clock is running


def port(offset: int) -> int:
    return PORT_BASE + offset


# --- the pieces ---------------------------------------------------------------------------


def listening(host: str, number: int) -> bool:
    try:
        with socket.create_connection((host, number), timeout=0.5):
            return True
    except OSError:
        return False


class Proc:
    def __init__(
        self, name: str, argv: list[str], env: dict, log: Path, wait: tuple[str, int] | None
    ):
        self.name = name
        if wait and listening(*wait):
            sys.exit(f"{wait[0]}:{wait[1]} for {name} is taken: is an earlier run still up?")
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603
            argv, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a "machine" to kill whole
        )  # fmt: skip
        if wait:
            deadline = time.monotonic() + 60
            while not listening(*wait):
                if self.proc.poll() is not None:
                    sys.exit(f"{name} exited with {self.proc.returncode}; see {log}")
                if time.monotonic() > deadline:
                    sys.exit(f"{name} did not listen on {wait[0]}:{wait[1]}")
                time.sleep(0.2)

    def kill_group(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def run(argv: list[str], env: dict) -> str:
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        sys.exit(f"{' '.join(argv[:4])}… failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def sh(*argv: str, check: bool = True) -> None:
    subprocess.run(argv, check=check, capture_output=True)  # noqa: S603


# --- network namespaces ------------------------------------------------------------------------

NETNS_PREFIX = "cluster-n"


def node_net(index: int) -> tuple[str, str, str]:
    """(namespace, this machine's address on its link, the node's own address)."""
    return f"{NETNS_PREFIX}{index}", f"10.86.{index}.1", f"10.86.{index}.2"


def remove_namespaces() -> None:
    found = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout  # noqa: S607
    for line in found.splitlines():
        name = line.split()[0] if line.strip() else ""
        if name.startswith(NETNS_PREFIX) and name[len(NETNS_PREFIX) :].isdigit():
            sh("ip", "link", "del", f"clh{name[len(NETNS_PREFIX) :]}", check=False)
            sh("ip", "netns", "del", name, check=False)


def add_namespace(index: int) -> None:
    name, host_ip, node_ip = node_net(index)
    sh("ip", "netns", "add", name)
    sh("ip", "link", "add", f"clh{index}", "type", "veth", "peer", "name", f"cln{index}")
    sh("ip", "link", "set", f"cln{index}", "netns", name)
    sh("ip", "addr", "add", f"{host_ip}/24", "dev", f"clh{index}")
    sh("ip", "link", "set", f"clh{index}", "up")
    sh("ip", "netns", "exec", name, "ip", "addr", "add", f"{node_ip}/24", "dev", f"cln{index}")
    sh("ip", "netns", "exec", name, "ip", "link", "set", f"cln{index}", "up")
    sh("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up")


# --- HAProxy: the balancer, and the relays into the namespaces ----------------------------------


def haproxy_config(cluster: Cluster) -> str:
    servers = "\n".join(
        f"  server {name} {host}:{number} check" for name, host, number in cluster.nodes
    )
    relays = ""
    for index, (_, host_ip, _) in enumerate(cluster.links, start=1):
        relays += f"""
frontend relay_redis_{index}
  mode tcp
  bind {host_ip}:{RELAY_REDIS}
  default_backend redis

frontend relay_s3_{index}
  mode tcp
  bind {host_ip}:{RELAY_S3}
  default_backend s3
"""
    redis_host, redis_port = REDIS.split("//", 1)[1].split("/", 1)[0].split(":")
    retry = (
        "  retries 2\n  option redispatch 1\n"
        "  retry-on conn-failure empty-response response-timeout\n"
        if cluster.balancer_retries
        else "  retries 0\n"
    )
    return f"""global
  maxconn 4000
  log stderr format short local0 notice
  # A whole upload (<= 200 KB + headers) fits in one buffer: HAProxy can then resend it to
  # another node when the first one dies under it (L7 retries need the request buffered).
  tune.bufsize 262144

defaults
  mode http
  log global
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  option http-buffer-request
  option forwardfor
{retry}
frontend www
  bind 127.0.0.1:{cluster.front}
  # Metrics are scraped from each node directly, never through the public entry.
  http-request deny if {{ path_beg /metrics }}
  default_backend app

frontend stats
  bind 127.0.0.1:{cluster.stats}
  stats enable
  stats uri /stats

backend app
  balance roundrobin
  option httpchk
  http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
  # A sync worker answers one request at a time: a check waits behind an upload or a
  # login (password hashing) on a busy node, so allow it seconds and three misses.
  timeout check 5s
  default-server inter 1s fall 3 rise 2
{servers}
{relays}
backend redis
  mode tcp
  server redis {redis_host}:{redis_port}

backend s3
  mode tcp
  server s3 127.0.0.1:{cluster.s3_port}
"""


@dataclass
class Cluster:
    folder: Path
    database: str
    netns: bool
    env: dict = field(default_factory=dict)
    owner_env: dict = field(default_factory=dict)
    procs: dict = field(default_factory=dict)
    nodes: list = field(default_factory=list)  # (name, host, port)
    links: list = field(default_factory=list)  # node_net() of each namespace
    balancer_retries: bool = True
    front: int = 0
    stats: int = 0
    s3_port: int = 0


RELAY_REDIS = port(3)
RELAY_S3 = port(4)


def psql(sql: str, database: str = "postgres"):
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else ""


def build(cluster: Cluster, args) -> None:
    folder, database = cluster.folder, cluster.database
    tag = database.rsplit("_", 1)[1]
    owner, app = f"{database}_owner", f"{database}_app"
    cluster.s3_port, cluster.front, cluster.stats = port(0), port(1), port(2)
    bucket = f"medexam-{tag}"
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "medexam.settings",
        "MEDEXAM_DEBUG": "0",
        "MEDEXAM_SECRET_KEY": secrets.token_urlsafe(40),
        **dev_id_keys(),
        "MEDEXAM_VAR_DIR": str(folder),
        "MEDEXAM_SECURE_COOKIES": "0",
        "MEDEXAM_HSTS_SECONDS": "0",
        "MEDEXAM_ALLOWED_HOSTS": ",".join(
            ["127.0.0.1", "localhost"] + [node_net(i)[2] for i in range(1, args.nodes + 1)]
        ),
        "MEDEXAM_LOG_LEVEL": "WARNING",
        "MEDEXAM_LOG_FORMAT": "json",
        "MEDEXAM_SMS_FILE": str(folder / "sms.log"),
        "MEDEXAM_SMS_FILE_BACKEND_ALLOWED": "1",  # a benchmark: no SMS gateway
        "MEDEXAM_STORAGE": "s3",
        "MEDEXAM_S3_BUCKET": bucket,
        "MEDEXAM_S3_ENDPOINT_URL": f"http://127.0.0.1:{cluster.s3_port}",
        "MEDEXAM_S3_REGION": "us-east-1",
        "MEDEXAM_S3_ACCESS_KEY": "bench",
        "MEDEXAM_S3_SECRET_KEY": "bench-secret",
        "MEDEXAM_S3_ADDRESSING_STYLE": "path",
        "MEDEXAM_REDIS_URL": REDIS,
        "MEDEXAM_TRUSTED_PROXIES": "127.0.0.1,10.86.0.0/16",
        "MEDEXAM_CACHE_PREFIX": f"bench-{tag}",
        "GLIBC_TUNABLES": GLIBC_TUNABLES,
    }
    cluster.env = base
    moto = Path(PY).with_name("moto_server")
    cluster.procs["s3"] = Proc(
        "s3", [str(moto), "-H", "127.0.0.1", "-p", str(cluster.s3_port)], base,
        folder / "s3.log", ("127.0.0.1", cluster.s3_port),
    )  # fmt: skip
    import boto3

    boto3.client(
        "s3", endpoint_url=base["MEDEXAM_S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket=bucket)  # fmt: skip

    psql(f'CREATE DATABASE "{database}"')
    as_super = {**base, "DATABASE_URL": f"{PG}/{database}"}
    roles = ["--owner", owner, "--app", app]
    run([PY, "-m", "medexam", "db_roles", *roles, "--bootstrap", "--apply"], as_super)
    host = PG.split("@", 1)[1]
    as_owner = {**base, "DATABASE_URL": f"postgres://{owner}@{host}/{database}"}
    run([PY, "-m", "medexam", "migrate", "--noinput", "-v0"], as_owner)
    run([PY, "-m", "medexam", "db_roles", *roles, "--apply"], as_owner)
    run([PY, "-m", "medexam", "demo_data", "--candidates", str(args.candidates)], as_owner)
    run([PY, "-m", "medexam", "collectstatic", "--noinput", "-v0"], as_owner)
    cluster.owner_env = as_owner
    cluster.env = {**base, "DATABASE_URL": f"postgres://{app}@{host}/{database}"}

    if cluster.netns:
        remove_namespaces()
        for index in range(1, args.nodes + 1):
            add_namespace(index)
            cluster.links.append(node_net(index))
    for index in range(1, args.nodes + 1):
        name = f"node{index}"
        if cluster.netns:
            cluster.nodes.append((name, node_net(index)[2], 8000))
        else:
            cluster.nodes.append((name, "127.0.0.1", port(10 + index)))
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(cluster))
    cluster.procs["haproxy"] = Proc(
        "haproxy", ["haproxy", "-db", "-f", str(config)], base, folder / "haproxy.log",
        ("127.0.0.1", cluster.front),
    )  # fmt: skip

    for index, (name, host, number) in enumerate(cluster.nodes, start=1):
        env = {
            **cluster.env,
            "PROMETHEUS_MULTIPROC_DIR": str(folder / f"{name}-metrics"),
            "WEB_CONCURRENCY": str(args.workers),
        }
        prefix = []
        if cluster.netns:
            namespace, host_ip, _ = node_net(index)
            # Inside its namespace a node sees only its link: PostgreSQL by its socket file,
            # Redis and S3 through the relays on this machine's end of the link.
            env["DATABASE_URL"] = f"postgres://{app}@%2Fvar%2Frun%2Fpostgresql/{database}"
            env["MEDEXAM_REDIS_URL"] = f"redis://{host_ip}:{RELAY_REDIS}/{REDIS.rsplit('/', 1)[1]}"
            env["MEDEXAM_S3_ENDPOINT_URL"] = f"http://{host_ip}:{RELAY_S3}"
            prefix = ["ip", "netns", "exec", namespace]
        argv = [
            *prefix, PY, "-m", "gunicorn", "-c", "python:medexam.gunicorn_config",
            "medexam.wsgi", "--bind", f"{host}:{number}", "--backlog", "2048",
            "--log-level", "warning",
        ]  # fmt: skip
        cluster.procs[name] = Proc(name, argv, env, folder / f"{name}.log", (host, number))
    cluster.procs["worker"] = Proc(
        "worker", [PY, "-m", "medexam", "send_outbox", "--loop"], cluster.env,
        folder / "worker.log", None,
    )  # fmt: skip


def demo_data(cluster: Cluster, count: int) -> tuple[list[tuple[str, int]], list[str]]:
    """The items without named slots ("其他" first: ~70 places per candidate) and the ID
    numbers of `count` demo candidates with a resident ID."""
    code = (
        "import json; from medexam.rules.models import MaterialItem; "
        "from medexam.candidates.models import Candidate; "
        "items = [(i.code, i.max_count) for i in MaterialItem.objects"
        ".filter(exam__slug='liaoning-2022').order_by('order') if not i.slots]; "
        "ids = list(Candidate.objects.filter(id_type='resident_id').order_by('id')"
        ".values_list('id_number', flat=True)); print('DATA=' + json.dumps([items, ids]))"
    )
    out = run([PY, "-m", "medexam", "shell", "-c", code], cluster.owner_env)
    items, ids = json.loads(next(x for x in out.splitlines() if x.startswith("DATA="))[5:])
    items.sort(key=lambda pair: pair[0] != "other")
    if len(ids) < count:
        sys.exit(f"only {len(ids)} demo candidates with a resident ID; need {count}")
    return [tuple(pair) for pair in items], ids[:count]


def teardown(cluster: Cluster) -> None:
    for proc in reversed(list(cluster.procs.values())):
        proc.stop()
    if cluster.netns:
        remove_namespaces()
    try:
        psql(f'DROP DATABASE IF EXISTS "{cluster.database}_restored" WITH (FORCE)')
        psql(f'DROP DATABASE IF EXISTS "{cluster.database}" WITH (FORCE)')
        for role in (f"{cluster.database}_app", f"{cluster.database}_owner"):
            psql(f'DROP ROLE IF EXISTS "{role}"')
    except Exception as error:  # noqa: BLE001 - report, do not hide the run's output
        print(f"cleanup: {error}", file=sys.stderr)


# --- a small HTTP/1.1 client, as the page's script talks to the server -------------------------


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: list
    body: bytes

    def json(self):
        return json.loads(self.body)


async def http(
    host: str, number: int, method: str, path: str, *, headers: dict, body: bytes = b""
) -> Response:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    async with asyncio.timeout(60):
        reader, writer = await asyncio.open_connection(host, number)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            raw = await reader.read(-1)
        finally:
            writer.close()
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        raise HttpError("no response")
    status_line, *header_lines = raw[:end].decode("latin-1").split("\r\n")
    parsed = [
        (n.strip().lower(), v.strip()) for n, _, v in (h.partition(":") for h in header_lines)
    ]
    return Response(int(status_line.split(" ", 2)[1]), parsed, raw[end + 4 :])


class Session:
    def __init__(self, host: str, number: int):
        self.host, self.port = host, number
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, body: bytes = b"", **headers) -> Response:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await http(self.host, self.port, method, path, headers=headers, body=body)
        for name, value in response.headers:
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response

    async def log_in(self, id_number: str) -> None:
        await self.request("GET", "/accounts/login/")
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), "username": id_number,
             "password": CANDIDATE_PASSWORD}
        ).encode()  # fmt: skip
        r = await self.request(
            "POST",
            "/accounts/login/",
            form,
            **{"Content-Type": "application/x-www-form-urlencoded"},
        )
        if r.status != 302 or "sessionid" not in self.cookies:
            raise HttpError(f"login failed: HTTP {r.status}")


@dataclass
class Candidate:
    session: Session
    id_number: str
    items: list
    place: int = 0  # index into items
    used: int = 0  # images in the current item
    uploaded: list = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.place >= len(self.items)


def upload_headers(csrf: str, key: str) -> dict:
    """What medexam/static/medexam/upload.js sends with a picture (the picture is the body)."""
    return {
        "Content-Type": "application/octet-stream",
        "X-Requested-With": "fetch",
        "X-CSRFToken": csrf,
        "Idempotency-Key": key,
        "X-File-Name": "photo.jpg",
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def wait_all_up(cluster: Cluster, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await http("127.0.0.1", cluster.stats, "GET", "/stats;csv", headers={})
        rows = [
            line.split(",") for line in r.body.decode().splitlines() if line.startswith("app,node")
        ]
        if rows and all(row[17].startswith("UP") for row in rows):
            return
        await asyncio.sleep(0.5)
    sys.exit("not every node became healthy behind HAProxy")


# --- CPU of every process --------------------------------------------------------------------


class CpuMeter(threading.Thread):
    """CPU seconds per part (each node, HAProxy, S3, the worker, PostgreSQL's backends of
    this database, the load client), sampled from /proc twice a second, so that the killed
    node's CPU up to its death is counted too. A process keeps its last sample after it
    exits; the window is what each part used between start() and stop()."""

    def __init__(self, cluster: Cluster):
        super().__init__(daemon=True)
        self.groups = {proc.proc.pid: name for name, proc in cluster.procs.items()}
        self.database = cluster.database
        self.seen: dict[int, tuple[str, float]] = {}
        self.baseline: dict[int, float] = {}
        self.done = threading.Event()

    def sample(self) -> dict[int, tuple[str, float]]:
        found = {}
        me = os.getpid()
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            pgid, cpu = int(fields[2]), (int(fields[11]) + int(fields[12])) / CLK_TCK
            name = self.groups.get(pgid)
            if name is None and pid == me:
                name = "load client"
            if name is None and "postgres" in stat[: stat.rindex(")")]:
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if f" {self.database} ".encode() in cmdline:
                    name = "PostgreSQL"
            if name is not None:
                found[pid] = (name, cpu)
        return found

    def run(self):
        while not self.done.wait(0.5):
            self.seen.update(self.sample())

    def start(self):
        first = self.sample()
        self.baseline = {pid: cpu for pid, (_, cpu) in first.items()}
        self.seen.update(first)
        super().start()

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.join()
        self.seen.update(self.sample())
        totals: dict[str, float] = {}
        for pid, (name, cpu) in self.seen.items():
            totals[name] = totals.get(name, 0.0) + cpu - self.baseline.get(pid, 0.0)
        return totals


# --- the load ------------------------------------------------------------------------------


@dataclass
class Upload:
    started: float
    ended: float
    status: int
    image: str | None
    attempts: int


@dataclass
class Load:
    uploads: list = field(default_factory=list)
    failed_attempts: list = field(default_factory=list)  # (time, what) seen by the client
    deletes: int = 0
    deleted: set = field(default_factory=set)  # images the client itself deleted
    cpu: dict = field(default_factory=dict)
    backup: dict = field(default_factory=dict)


async def upload_once(candidate: Candidate, image: bytes, load: Load) -> Upload:
    """One picture, retried with the same idempotency key as the page's script does."""
    code, cap = candidate.items[candidate.place]
    key = secrets.token_hex(16)
    started, attempts, r, status = time.monotonic(), 0, None, 0
    for delay in (*RETRY_DELAYS, None):
        attempts += 1
        try:
            r = await candidate.session.request(
                "POST", f"/candidate/materials/{code}/upload/", image,
                **upload_headers(candidate.session.cookies.get("csrftoken", ""), key),
            )  # fmt: skip
            status = r.status
        except (OSError, HttpError, TimeoutError) as error:
            r, status = None, 0
            load.failed_attempts.append((time.monotonic(), type(error).__name__))
        else:
            if status in (502, 503, 504):
                load.failed_attempts.append((time.monotonic(), f"HTTP {status}"))
            else:
                break
        if delay is None:
            break
        await asyncio.sleep(delay)
    image_id = None
    if r is not None and status == 200:
        image_id = r.json()["image"]["id"]
        candidate.uploaded.append(image_id)
        candidate.used += 1
        if candidate.used >= cap:
            candidate.place, candidate.used = candidate.place + 1, 0
    return Upload(started, time.monotonic(), status, image_id, attempts)


async def delete_one(candidate: Candidate, image_id: str, load: Load) -> None:
    """Delete one image as the page does, retried like an upload until the answer is known:
    200, or 404 (a first attempt that went through before its node died)."""
    for delay in (*RETRY_DELAYS, None):
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": candidate.session.cookies.get("csrftoken", "")}
        ).encode()
        try:
            r = await candidate.session.request(
                "POST", f"/candidate/images/{image_id}/delete/", form,
                **{"Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "fetch"},
            )  # fmt: skip
            if r.status in (200, 404):
                load.deleted.add(image_id)
                load.deletes += r.status == 200
                break
        except (OSError, HttpError, TimeoutError):
            pass
        if delay is None:
            break
        await asyncio.sleep(delay)
    if image_id in candidate.uploaded:
        candidate.uploaded.remove(image_id)


async def clear(candidate: Candidate, load: Load) -> None:
    """Delete the candidate's images to make room (counted, not timed)."""
    for image_id in list(candidate.uploaded):
        await delete_one(candidate, image_id, load)
    candidate.uploaded, candidate.place, candidate.used = [], 0, 0


async def drive(cluster: Cluster, args, images: list[bytes], logins: list[str], items) -> tuple:
    load = Load()
    per = CANDIDATES_PER_CONNECTION
    groups = [
        [
            Candidate(Session("127.0.0.1", cluster.front), logins[c * per + k], items)
            for k in range(per)
        ]
        for c in range(args.concurrency)
    ]
    for group in groups:  # a few at a time: logging in is password hashing
        await asyncio.gather(*(c.session.log_in(c.id_number) for c in group))
    meter = CpuMeter(cluster)
    meter.start()
    start = time.monotonic()
    stop_at = start + args.seconds
    kill_at = start + args.seconds * args.kill_at
    killed = {}

    async def killer():
        await asyncio.sleep(kill_at - time.monotonic())
        name = cluster.nodes[0][0]
        killed["at"] = time.monotonic()
        cluster.procs[name].kill_group()  # the whole node: master and workers, SIGKILL
        killed["name"] = name

    async def connection(index: int, group: list[Candidate]):
        n = index
        while time.monotonic() < stop_at:
            open_ones = [c for c in group if not c.full]
            if not open_ones:
                for c in group:
                    await clear(c, load)
                continue
            n += args.concurrency
            candidate = open_ones[0]
            load.uploads.append(await upload_once(candidate, images[n % len(images)], load))
            # Every tenth upload the candidate also deletes an earlier image: deletions (and
            # their files' grace period) happen under the load, the kill and the backup too.
            if n % (10 * args.concurrency) == index and len(candidate.uploaded) > 1:
                await delete_one(candidate, candidate.uploaded[0], load)

    async def backup():
        if not args.backup:
            return
        await asyncio.sleep(start + args.seconds * args.backup_at - time.monotonic())
        load.backup["started"] = time.monotonic() - start
        done = await asyncio.create_subprocess_exec(
            PY, "-m", "medexam", "backup", "--to", str(cluster.folder / "backup"),
            env=cluster.owner_env, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await done.communicate()
        load.backup["ended"] = time.monotonic() - start
        load.backup["output"] = (out or err).decode().strip()[-300:]
        load.backup["ok"] = done.returncode == 0

    await asyncio.gather(killer(), backup(), *(connection(i, g) for i, g in enumerate(groups)))
    load.cpu = meter.stop()
    return load, start, killed


async def session_moves(cluster: Cluster, login: str) -> bool:
    """Log in on one node directly, then use that session on another node directly."""
    (_, host_a, port_a), (_, host_b, port_b) = cluster.nodes[0][:3], cluster.nodes[1][:3]
    first = Session(host_a, port_a)
    await first.log_in(login)
    other = Session(host_b, port_b)
    other.cookies = dict(first.cookies)
    r = await other.request("GET", "/candidate/materials/")
    return r.status == 200  # without the session: a redirect to the login page


# --- the checks ------------------------------------------------------------------------------


def stored_state(cluster: Cluster) -> dict:
    rows = {
        str(u): (f, t)
        for u, f, t in psql(
            "SELECT uuid, file, thumbnail FROM materials_uploadedimage", cluster.database
        )
    }
    pending = {n for (n,) in psql("SELECT name FROM files_pendingdeletion", cluster.database)}
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=cluster.env["MEDEXAM_S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench-secret",
    )  # fmt: skip
    objects = set()
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=cluster.env["MEDEXAM_S3_BUCKET"]
    ):
        objects |= {entry["Key"] for entry in page.get("Contents", ())}
    check = json.loads(run([PY, "-m", "medexam", "check_storage", "--json"], cluster.env) or "{}")
    return {"rows": rows, "pending": pending, "objects": objects, "check": check}


def tally(load: Load, state: dict, kill: float) -> dict:
    """What the run's claims rest on: an acknowledged upload (HTTP 200 with an image id) is
    stored only if its row exists and the row's file is an object in the bucket; a row is
    dangling if its file or thumbnail is not; an object is an orphan if no row names it and
    it is not waiting out its deletion grace period."""
    rows, objects, pending = state["rows"], state["objects"], state["pending"]
    acked = [u for u in load.uploads if u.status == 200]
    referenced = {n for f, t in rows.values() for n in (f, t) if n}
    return {
        "acked": acked,
        "before": [u for u in acked if u.ended < kill],
        "after": [u for u in acked if u.ended >= kill],
        "dangling": [
            u for u, (f, t) in rows.items() if f not in objects or (t and t not in objects)
        ],
        "orphans": objects - referenced - pending,
        # An image the client deleted itself is gone by request, not lost.
        "not_stored": [
            u
            for u in acked
            if u.image not in load.deleted
            and (u.image not in rows or rows[u.image][0] not in objects)
        ],
        "failover": [w for t, w in load.failed_attempts if t >= kill],
        "failed": [u for u in load.uploads if u.status != 200],
    }


def restore_backup(cluster: Cluster) -> dict:
    """The backup taken under load, restored into a fresh database and a fresh bucket with
    the product's own commands; then check_storage on the restored copy."""
    import boto3

    bucket = f"{cluster.env['MEDEXAM_S3_BUCKET']}-restored"
    boto3.client(
        "s3", endpoint_url=cluster.env["MEDEXAM_S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket=bucket)  # fmt: skip
    database = f"{cluster.database}_restored"
    psql(f'CREATE DATABASE "{database}"')
    env = {**cluster.env, "DATABASE_URL": f"{PG}/{database}", "MEDEXAM_S3_BUCKET": bucket}
    done = subprocess.run(  # noqa: S603
        [PY, "-m", "medexam", "restore", "--from", str(cluster.folder / "backup")],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    check = json.loads(run([PY, "-m", "medexam", "check_storage", "--json"], env))
    rows = psql("SELECT count(*) FROM materials_uploadedimage", database)[0][0]
    return {"restore_exit": done.returncode, "rows": rows, **check}


def pct(values: list[float], q: float) -> float:
    return percentile(values, q) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of the run")
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument(
        "--netns",
        action=argparse.BooleanOptionalAction,
        default=os.geteuid() == 0 and shutil.which("ip") is not None,
        help="each node in a network namespace of its own (default as root)",
    )
    parser.add_argument(
        "--balancer-retries",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="HAProxy resends a request whose node died (off: only the client retries)",
    )
    parser.add_argument(
        "--backup",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="take a backup (python -m medexam backup) under the load, then restore and check it",
    )
    parser.add_argument("--backup-at", type=float, default=0.3, help="fraction of the run")
    args = parser.parse_args(argv)
    if args.nodes < 2:
        parser.error("a failover needs at least two nodes")
    args.logins = args.concurrency * CANDIDATES_PER_CONNECTION + 1
    args.candidates = args.logins * 3 // 2 + 10  # some demo candidates hold passports

    images = bench_images(args.images)
    folder = Path(tempfile.mkdtemp(prefix="medexam-cluster-"))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
    cluster = Cluster(
        folder=folder,
        database=f"cluster_bench_{secrets.token_hex(3)}",
        netns=args.netns,
        balancer_retries=args.balancer_retries,
    )
    try:
        build(cluster, args)
        return measure(cluster, args, images)
    finally:
        teardown(cluster)


def measure(cluster: Cluster, args, images: list[bytes]) -> int:
    items, logins = demo_data(cluster, args.logins)
    asyncio.run(wait_all_up(cluster))
    moved = asyncio.run(session_moves(cluster, logins[-1]))
    load, start, killed = asyncio.run(drive(cluster, args, images, logins[:-1], items))
    time.sleep(1.0)  # the worker's and the nodes' last commits
    state = stored_state(cluster)
    restored = restore_backup(cluster) if load.backup.get("ok") else None

    kill = killed.get("at", float("inf"))
    t = tally(load, state, kill)
    acked, before, after = t["acked"], t["before"], t["after"]
    rows, objects, pending = state["rows"], state["objects"], state["pending"]
    dangling, orphans, not_stored = t["dangling"], t["orphans"], t["not_stored"]
    failover, failed = t["failover"], t["failed"]
    window_before = kill - start
    window_after = args.seconds - window_before
    lat = [u.ended - u.started for u in acked]

    where = "each in its own network namespace" if cluster.netns else "on loopback ports"
    print(f"nodes: {args.nodes} x {args.workers} gunicorn worker(s) behind HAProxy, {where} "
          f"({', '.join(f'{h}:{p}' for _, h, p in cluster.nodes)}); "
          f"connections: {args.concurrency}; {args.seconds:.0f} s")  # fmt: skip
    print(
        f"session begun on {cluster.nodes[0][0]} continues on {cluster.nodes[1][0]}: {'yes' if moved else 'NO'}"
    )
    print(
        f"balancer retries a request whose node died: {'yes' if cluster.balancer_retries else 'no'}"
    )
    print(f"killed: {killed.get('name')} (SIGKILL to its process group) at {window_before:.1f} s")
    print(f"acknowledged_before_kill: {len(before)} ({len(before) / window_before:.1f} uploads/s)")
    print(f"acknowledged after the kill: {len(after)} ({len(after) / window_after:.1f} uploads/s)")
    print(f"latency p50/p95/p99: {pct(lat, 50) * 1000:.0f} / {pct(lat, 95) * 1000:.0f} / {pct(lat, 99) * 1000:.0f} ms; "
          f"max {max(lat) * 1000:.0f} ms")  # fmt: skip
    print(f"uploads retried by the client: {sum(1 for u in acked if u.attempts > 1)}; "
          f"failed after every retry: {len(failed)}")  # fmt: skip
    print(f"client errors during the failover (attempts, before retrying): {len(failover)} "
          f"{sorted(set(failover))}")  # fmt: skip
    print(f"deletes: {load.deletes}")
    n = max(len(acked), 1)
    nodes_cpu = sum(v for k, v in load.cpu.items() if k.startswith("node"))
    parts = ", ".join(f"{k} {v * 1000 / n:.1f}" for k, v in sorted(load.cpu.items()))
    print(f"CPU per acknowledged upload (ms): app nodes {nodes_cpu * 1000 / n:.1f}; {parts}")
    if args.backup:
        print("  (with --backup: PostgreSQL's and S3's figures include the backup's dump and copy)")
    print(
        f"rows: {len(rows)}; objects: {len(objects)} (awaiting deletion: {len(pending & objects)})"
    )
    print(f"check_storage: rows without files {state['check'].get('rows_without_files')}, "
          f"files without rows {state['check'].get('files_without_rows')}")  # fmt: skip
    print(f"dangling rows: {len(dangling)}")
    print(
        f"orphan objects: {len(orphans)} (files of uploads cut off by the kill; the sweep removes them)"
    )
    print(f"acknowledged_but_not_stored: {len(not_stored)}")
    if args.backup:
        b = load.backup
        during = [u for u in acked if b.get("started", 0) <= u.ended - start <= b.get("ended", 0)]
        print(
            f"backup under load: taken {b.get('started', 0):.1f}–{b.get('ended', 0):.1f} s into "
            f"the run, {len(during)} uploads acknowledged meanwhile: "
            + (
                f"restored {restored['rows']} image rows, {restored['files']} files; rows "
                f"without files {restored['rows_without_files']}, files without rows "
                f"{restored['files_without_rows']}"
                if restored
                else f"FAILED: {b.get('output')}"
            )
        )
    print(f"machine load average after: {os.getloadavg()}")
    print(f"acknowledged_after_kill: {len(after)}")
    print(f"lost: {len(not_stored)} dangling: {len(dangling)}")
    backup_ok = not args.backup or (restored and restored["rows_without_files"] == 0)
    return 0 if not not_stored and not dangling and after and backup_ok else 1


if __name__ == "__main__":
    sys.exit(main())
