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
connection error, 502 or 503 is retried with the same key, as upload.js does), kills one
node's whole process group with SIGKILL half-way, keeps going, and finally checks the
database and the bucket: every acknowledged image must be a row whose object exists, no row
may point at a missing object. Figures go to stdout; the last two lines are
`acknowledged_after_kill: N` and `lost: N dangling: N`.

Not in network namespaces: the nodes listen on separate loopback ports (the shared
PostgreSQL and Redis listen on 127.0.0.1 only, which a namespace cannot reach without
reconfiguring them). Each node is still a separate set of processes that shares no file,
memory or socket with another.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import upload as bench  # noqa: E402 - bench/upload.py: images, HTTP client, login

ROOT = bench.ROOT
PY = bench.PY
PG = os.environ.get("MEDEXAM_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("MEDEXAM_BENCH_REDIS", "redis://127.0.0.1:6379/6")
PORT_BASE = int(os.environ.get("MEDEXAM_BENCH_PORT_BASE", "8620"))
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0)  # like upload.js, shorter: the clock is running


def port(offset: int) -> int:
    return PORT_BASE + offset


# --- the pieces ---------------------------------------------------------------------------


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict, log: Path, wait_port: int | None):
        self.name = name
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603
            argv, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a "machine" to kill whole
        )  # fmt: skip
        if wait_port:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    sys.exit(f"{name} exited with {self.proc.returncode}; see {log}")
                try:
                    with bench.socket.create_connection(("127.0.0.1", wait_port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                sys.exit(f"{name} did not listen on {wait_port}")

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


def haproxy_config(front: int, nodes: list[int], stats: int) -> str:
    servers = "\n".join(f"  server n{i + 1} 127.0.0.1:{p} check" for i, p in enumerate(nodes))
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
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response response-timeout

frontend www
  bind 127.0.0.1:{front}
  # Metrics are scraped from each node directly, never through the public entry.
  http-request deny if {{ path_beg /metrics }}
  default_backend app

frontend stats
  bind 127.0.0.1:{stats}
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
"""


@dataclass
class Cluster:
    folder: Path
    database: str
    env: dict
    procs: dict = field(default_factory=dict)
    nodes: list = field(default_factory=list)  # (name, port)


def psql(sql: str, database: str = "postgres") -> str:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else ""


def build(cluster: Cluster, args) -> None:
    folder, database = cluster.folder, cluster.database
    tag = database.rsplit("_", 1)[1]
    owner, app = f"{database}_owner", f"{database}_app"
    s3_port, front, stats = port(0), port(1), port(2)
    bucket = f"medexam-{tag}"
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "medexam.settings",
        "MEDEXAM_DEBUG": "0",
        "MEDEXAM_SECRET_KEY": secrets.token_urlsafe(40),
        "MEDEXAM_VAR_DIR": str(folder),
        "MEDEXAM_SECURE_COOKIES": "0",
        "MEDEXAM_HSTS_SECONDS": "0",
        "MEDEXAM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDEXAM_LOG_LEVEL": "WARNING",
        "MEDEXAM_LOG_FORMAT": "json",
        "MEDEXAM_SMS_FILE": str(folder / "sms.log"),
        "MEDEXAM_STORAGE": "s3",
        "MEDEXAM_S3_BUCKET": bucket,
        "MEDEXAM_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "MEDEXAM_S3_REGION": "us-east-1",
        "MEDEXAM_S3_ACCESS_KEY": "bench",
        "MEDEXAM_S3_SECRET_KEY": "bench-secret",
        "MEDEXAM_S3_ADDRESSING_STYLE": "path",
        "MEDEXAM_REDIS_URL": REDIS,
        "MEDEXAM_CACHE_PREFIX": f"bench-{tag}",
        "GLIBC_TUNABLES": bench.GLIBC_TUNABLES,
    }
    cluster.env = base
    moto = Path(PY).with_name("moto_server")
    cluster.procs["s3"] = Proc(
        "s3", [str(moto), "-H", "127.0.0.1", "-p", str(s3_port)], base, folder / "s3.log", s3_port
    )
    import boto3

    boto3.client(
        "s3", endpoint_url=base["MEDEXAM_S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket=bucket)  # fmt: skip

    psql(f'CREATE DATABASE "{database}"')
    as_super = {**base, "DATABASE_URL": f"{PG}/{database}"}
    run(
        [PY, "-m", "medexam", "db_roles", "--owner", owner, "--app", app, "--bootstrap", "--apply"],
        as_super,
    )
    host = PG.split("@", 1)[1]
    as_owner = {**base, "DATABASE_URL": f"postgres://{owner}@{host}/{database}"}
    run([PY, "-m", "medexam", "migrate", "--noinput", "-v0"], as_owner)
    run([PY, "-m", "medexam", "db_roles", "--owner", owner, "--app", app, "--apply"], as_owner)
    run([PY, "-m", "medexam", "demo_data", "--candidates", str(args.candidates)], as_owner)
    run([PY, "-m", "medexam", "collectstatic", "--noinput", "-v0"], as_owner)
    cluster.env = {**base, "DATABASE_URL": f"postgres://{app}@{host}/{database}"}
    cluster.owner_env = as_owner

    node_ports = [port(10 + i) for i in range(args.nodes)]
    for i, node_port in enumerate(node_ports):
        name = f"node{i + 1}"
        env = {
            **cluster.env,
            "PROMETHEUS_MULTIPROC_DIR": str(folder / f"{name}-metrics"),
            "WEB_CONCURRENCY": str(args.workers),
        }
        argv = [
            PY, "-m", "gunicorn", "-c", "python:medexam.gunicorn_config", "medexam.wsgi",
            "--bind", f"127.0.0.1:{node_port}", "--backlog", "2048",
            "--log-level", "warning",
        ]  # fmt: skip
        cluster.procs[name] = Proc(name, argv, env, folder / f"{name}.log", node_port)
        cluster.nodes.append((name, node_port))
    cluster.procs["worker"] = Proc(
        "worker", [PY, "-m", "medexam", "send_outbox", "--loop"], cluster.env,
        folder / "worker.log", None,
    )  # fmt: skip
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(front, node_ports, stats))
    cluster.procs["haproxy"] = Proc(
        "haproxy", ["haproxy", "-db", "-f", str(config)], base, folder / "haproxy.log", front
    )
    cluster.front, cluster.stats = front, stats


def teardown(cluster: Cluster) -> None:
    for proc in reversed(list(cluster.procs.values())):
        proc.stop()
    try:
        psql(f'DROP DATABASE IF EXISTS "{cluster.database}" WITH (FORCE)')
        for role in (f"{cluster.database}_app", f"{cluster.database}_owner"):
            psql(f'DROP ROLE IF EXISTS "{role}"')
    except Exception as error:  # noqa: BLE001 - report, do not hide the run's output
        print(f"cleanup: {error}", file=sys.stderr)


async def wait_all_up(cluster: Cluster, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await bench.http(cluster.stats, "GET", "/stats;csv", headers={})
        rows = [
            line.split(",") for line in r.body.decode().splitlines() if line.startswith("app,n")
        ]
        if rows and all(row[17].startswith("UP") for row in rows):
            return
        await asyncio.sleep(0.5)
    sys.exit("not every node became healthy behind HAProxy")


# --- the load ------------------------------------------------------------------------------


@dataclass
class Upload:
    started: float
    ended: float
    status: int
    image: str | None
    attempts: int
    key: str


@dataclass
class Load:
    uploads: list = field(default_factory=list)
    failed_attempts: list = field(default_factory=list)  # (time, what) seen by the client
    deletes: int = 0


async def upload_once(pool: bench.CandidatePool, image: bytes, load: Load) -> Upload:
    """One picture, retried with the same key as the page's script does."""
    client = pool.clients[pool.current]
    while client.full:
        pool.current = (pool.current + 1) % len(pool.clients)
        client = pool.clients[pool.current]
    code, cap = client.items[client.place]
    key = secrets.token_hex(16)
    started = time.monotonic()
    attempts = 0
    for delay in (*RETRY_DELAYS, None):
        attempts += 1
        try:
            r = await client.session.request(
                "POST", f"/candidate/materials/{code}/upload/", image,
                **bench.upload_headers(client.session.csrf, key),
            )  # fmt: skip
            status = r.status
        except (OSError, bench.HttpError, TimeoutError) as error:
            r, status = None, 0
            load.failed_attempts.append((time.monotonic(), type(error).__name__))
        if r is not None and status in (502, 503, 504):
            load.failed_attempts.append((time.monotonic(), f"HTTP {status}"))
        if r is not None and status not in (502, 503, 504):
            break
        if delay is None:
            break
        await asyncio.sleep(delay)
    image_id = None
    if r is not None and status == 200:
        image_id = r.json()["image"]["id"]
        client.uploaded.append(image_id)
        client.used += 1
        if client.used >= cap:
            client.place, client.used = client.place + 1, 0
    return Upload(started, time.monotonic(), status, image_id, attempts, key)


async def drive(cluster: Cluster, args, images: list[bytes], logins: list[str], items) -> tuple:
    load = Load()
    per = bench.CANDIDATES_PER_CONNECTION
    pools = [
        bench.CandidatePool(
            [bench.ProductClient(cluster.front, logins[c * per + k], items) for k in range(per)]
        )
        for c in range(args.concurrency)
    ]
    await asyncio.gather(*(p.login() for p in pools))
    start = time.monotonic()
    stop_at = start + args.seconds
    kill_at = start + args.seconds * args.kill_at
    killed = {}

    async def killer():
        await asyncio.sleep(kill_at - time.monotonic())
        name, _ = cluster.nodes[0]
        killed["at"] = time.monotonic()
        cluster.procs[name].kill_group()  # the whole node: master and workers, SIGKILL
        killed["name"] = name

    async def connection(index: int, pool: bench.CandidatePool):
        n = index
        while time.monotonic() < stop_at:
            if pool.full:
                await pool.clear()
                load.deletes = sum(p.deleted for p in pools)
            n += args.concurrency
            load.uploads.append(await upload_once(pool, images[n % len(images)], load))

    await asyncio.gather(killer(), *(connection(i, p) for i, p in enumerate(pools)))
    load.deletes = sum(p.deleted for p in pools)
    return load, start, killed


async def session_moves(cluster: Cluster, login: str, items) -> bool:
    """Log in on node A directly, then use that session on node B directly."""
    (_, first), (_, second) = cluster.nodes[0], cluster.nodes[1]
    client = bench.ProductClient(first, login, items)
    await client.login()
    other = bench.Session(second)
    other.cookies = dict(client.session.cookies)
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


def pct(values: list[float], q: float) -> float:
    return bench.percentile(values, q) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of the run")
    parser.add_argument("--images", type=int, default=24)
    args = parser.parse_args(argv)
    if args.nodes < 2:
        parser.error("a failover needs at least two nodes")
    args.logins = args.concurrency * bench.CANDIDATES_PER_CONNECTION + 1
    args.candidates = args.logins * 3 // 2 + 10  # some demo candidates hold passports

    images = bench.bench_images(args.images)
    folder = Path(tempfile.mkdtemp(prefix="medexam-cluster-"))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
    cluster = Cluster(folder=folder, database=f"cluster_bench_{secrets.token_hex(3)}", env={})
    try:
        build(cluster, args)
        return measure(cluster, args, images)
    finally:
        teardown(cluster)


def measure(cluster: Cluster, args, images: list[bytes]) -> int:
    install = bench.Installation(env=cluster.owner_env, folder=cluster.folder)
    items = bench.upload_items(install)
    logins = bench.candidate_logins(install, args.logins)[: args.logins]
    asyncio.run(wait_all_up(cluster))
    moved = asyncio.run(session_moves(cluster, logins[-1], items))
    load, start, killed = asyncio.run(drive(cluster, args, images, logins[:-1], items))
    time.sleep(1.0)  # the worker's and the nodes' last commits
    state = stored_state(cluster)

    kill = killed.get("at", float("inf"))
    acked = [u for u in load.uploads if u.status == 200]
    before = [u for u in acked if u.ended < kill]
    after = [u for u in acked if u.ended >= kill]
    rows, objects, pending = state["rows"], state["objects"], state["pending"]
    referenced = {n for f, t in rows.values() for n in (f, t) if n}
    dangling = [u for u, (f, t) in rows.items() if f not in objects or (t and t not in objects)]
    orphans = objects - referenced - pending
    not_stored = [u for u in acked if u.image not in rows or rows[u.image][0] not in objects]
    failover = [w for t, w in load.failed_attempts if t >= kill]
    failed = [u for u in load.uploads if u.status != 200]
    window_before = kill - start
    window_after = args.seconds - window_before
    lat = [u.ended - u.started for u in acked]

    print(f"nodes: {args.nodes} x {args.workers} gunicorn worker(s) behind HAProxy; "
          f"connections: {args.concurrency}; {args.seconds:.0f} s")  # fmt: skip
    print(
        f"session begun on {cluster.nodes[0][0]} continues on {cluster.nodes[1][0]}: {'yes' if moved else 'NO'}"
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
    print(f"machine load average after: {os.getloadavg()}")
    print(f"acknowledged_after_kill: {len(after)}")
    print(f"lost: {len(not_stored)} dangling: {len(dangling)}")
    return 0 if not not_stored and not dangling and after else 1


if __name__ == "__main__":
    sys.exit(main())
