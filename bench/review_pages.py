"""Every reviewer, province, candidate and API page at 10,000 and at N candidates.

    .venv/bin/python bench/review_pages.py --postgres postgres://postgres@127.0.0.1:5432/scale_pop_1m \
        [--candidates 1000000] [--small-postgres URL] [--runs 5] [--rounds 5] [--rebuild]

Builds (bench/population.py) or reuses two PostgreSQL databases: the one of --postgres with
N candidates, and one with 10,000 (--small-postgres; default: the same URL with the suffix
`_10k` in place of the name's last part). Each page runs in a process of its own per
database, with production settings (DEBUG off) and start-up (medexam.wsgi), through Django's test client (the whole
request: middleware, view, SQL, template), warm: two requests first, then --runs timed
ones; the two databases take turns --rounds times (default 5), and the median of all of a
page's timed requests is its server time. A separate request counts its SQL
statements (CaptureQueriesContext). The pages:

* the queue of the biggest site's reviewer and of the province: first page, a deep page (the
  keyset cursor of the row at 90 % of the waiting queue, the issue's "page 500" at 1M), each
  filter (a state, all, warnings, resubmitted, pre-check problems once they exist, route, route
  rule R1, a submission date range, search by name (two names, the same at both sizes: the
  10k sample candidate's and the N sample's), registration number, last 6 and last 4
  characters of the ID number);
* "next" (claims the oldest unclaimed application: each run claims one more);
* one application, statistics of the site and of the province, the results export request
  page, a candidate's registration and materials pages, the API's results list (keyset)
  and one application by registration number.

Prints one line per page (statements and milliseconds at 10k and at N, and the ratio), then
`worst_page_ms: X` (worst page other than statistics at N), `worst_statistics_ms: X`,
`growth: R` (worst N-to-10k time ratio over all pages).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def population(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM candidates_candidate").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0


def ensure(url: str, n: int, rebuild: bool) -> None:
    have = 0 if rebuild else population(url)
    if have == n:
        migrate(url)  # a database built by an older tree gets today's schema
        print(f"# reusing {urlsplit(url).path[1:]} ({have:,} candidates)", flush=True)
        return
    print(f"# building {urlsplit(url).path[1:]} with {n:,} candidates", flush=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench/population.py"),
            "--postgres",
            url,
            "--candidates",
            str(n),
        ],
        check=True,
    )


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "MEDEXAM_DEBUG": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"], check=True, env=env, cwd=ROOT
    )


# --- the measuring process -----------------------------------------------------------------


def worker(url: str, runs: int, names: list[str], pick: bool = False) -> None:
    name = urlsplit(url).path.lstrip("/")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("MEDEXAM_SECRET_KEY", "pages-bench-" + uuid.uuid4().hex)
    from medexam.env import DEV_ID_HMAC_KEY, DEV_ID_KEYS

    os.environ.setdefault("MEDEXAM_ID_KEYS", DEV_ID_KEYS)
    os.environ.setdefault("MEDEXAM_SMS_FILE_BACKEND_ALLOWED", "1")  # no SMS is sent
    os.environ.setdefault("MEDEXAM_ID_HMAC_KEY", DEV_ID_HMAC_KEY)
    os.environ["MEDEXAM_VAR_DIR"] = f"/tmp/medexam-population-{name}"
    os.environ["MEDEXAM_ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("MEDEXAM_DEBUG", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    # Production's start-up (gunicorn imports medexam.wsgi): django.setup(), the URL
    # configuration and every view imported, then gc.freeze(), so that the collector does
    # not walk the ~140,000 start-up objects again and again during the requests.
    import medexam.wsgi  # noqa: F401
    from medexam.accounts.models import User
    from medexam.api.models import ApiToken
    from medexam.materials.models import Application
    from medexam.review import selectors
    from medexam.rules.models import Exam, ExamSite

    assert not settings.DEBUG
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # production's manifest
    setup_test_environment()  # the test client's response.context, templates rendered as usual
    exam = Exam.objects.get(slug="liaoning-2022")
    waiting = Application.objects.filter(state__in=["submitted", "in_review"])
    site_id = (
        waiting.values("exam_site_id")
        .order_by()
        .annotate(n=django.db.models.Count("id"))
        .order_by("-n")[0]["exam_site_id"]
    )
    reviewer = User.objects.get(
        username=f"reviewer-{ExamSite.objects.get(pk=site_id).code}"
    )  # bench/population.py: the first of the site's reviewers
    province = User.objects.get(role="province_reviewer")
    admin = User.objects.get(username="admin")
    in_site = waiting.filter(exam_site_id=site_id).order_by("submitted_at", "id")
    total = in_site.count()
    deep = in_site.select_related(None)[int(total * 0.9)]
    deep_cursor = selectors.encode_cursor(deep)
    prov_waiting = waiting.order_by("submitted_at", "id")
    prov_deep = selectors.encode_cursor(prov_waiting[int(prov_waiting.count() * 0.9)])
    sample = in_site.select_related("candidate")[total // 2]
    candidate = sample.candidate
    if pick:  # the name searched at both sizes (main)
        print(json.dumps(candidate.name))
        return
    id_number = candidate.id_number  # plain text in Python (decrypted by its field)
    ApiToken.objects.filter(name="bench").delete()
    _, token = ApiToken.issue(user=admin, name="bench")

    def client_for(user: User) -> Client:
        """A session as a real login leaves it: staff verified by their second factor (issue
        18), so that every page measured is the page itself, not the 2FA redirect."""
        client = Client()
        client.force_login(user)
        if user.is_staff_member:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            from medexam.accounts.middleware import GENERATION, SEEN, STARTED
            from medexam.accounts.passwords import password_expired

            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            # As second_factor.mark_verified leaves it (accounts.middleware).
            session[GENERATION] = User.objects.get(pk=user.pk).second_factor_generation
            session[STARTED] = session[SEEN] = int(time.time())
            session.save()
            if password_expired(user, max_age_days=settings.STAFF_PASSWORD_MAX_AGE_DAYS):
                raise SystemExit(f"{user.username}: the password must be changed first")
        return client

    site_client, prov_client, candidate_client = (
        client_for(reviewer),
        client_for(province),
        client_for(candidate.user),
    )
    api_client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def searched(client: Client, term: str, **filters: str) -> str:
        response = client.post(reverse("review:queue_search"), {"q": term, **filters})
        assert response.status_code == 302, response.status_code
        return str(response["Location"])

    queue = reverse("review:queue")
    since = (deep.submitted_at.date()).isoformat() if deep.submitted_at else ""
    pages: list[tuple[str, Client, str, str]] = []
    for scope, client, cursor in (
        ("site", site_client, deep_cursor),
        ("province", prov_client, prov_deep),
    ):
        pages += [
            (f"queue {scope}: first page", client, "get", queue),
            (f"queue {scope}: deep page (90 %)", client, "get", f"{queue}?after={cursor}"),
            (f"queue {scope}: state approved", client, "get", f"{queue}?state=approved"),
            (f"queue {scope}: state all", client, "get", f"{queue}?state=all"),
            *[
                (f"queue {scope}: {flag}", client, "get", f"{queue}?{flag}=1")
                for flag in selectors.FLAGS
            ],
            (f"queue {scope}: route offline", client, "get", f"{queue}?route=offline"),
            (f"queue {scope}: rule R1", client, "get", f"{queue}?rule=R1"),
            (f"queue {scope}: submitted since", client, "get", f"{queue}?from={since}"),
            *[
                (f"queue {scope}: search name ({size}'s)", client, "get", searched(client, name))
                for size, name in zip(("10k", "N"), names, strict=True)
            ],
            (
                f"queue {scope}: search reg. no",
                client,
                "get",
                searched(client, candidate.registration_no),
            ),
            (f"queue {scope}: search ID last 6", client, "get", searched(client, id_number[-6:])),
            (f"queue {scope}: search ID last 4", client, "get", searched(client, id_number[-4:])),
        ]
    pages += [
        ("next (claim)", site_client, "post", reverse("review:next")),
        ("application", site_client, "get", reverse("review:application", args=[sample.pk])),
        ("statistics site", site_client, "get", reverse("review:statistics")),
        ("statistics province", prov_client, "get", reverse("review:statistics")),
        ("candidate registration", candidate_client, "get", reverse("materials:registration")),
        ("candidate materials", candidate_client, "get", reverse("materials:materials")),
        (
            "api results list",
            api_client,
            "get",
            reverse("api:results", args=[exam.slug]) + "?limit=100",
        ),
        (
            "api results approved",
            api_client,
            "get",
            reverse("api:results", args=[exam.slug]) + "?state=approved&limit=100",
        ),
        (
            "api application",
            api_client,
            "get",
            reverse("api:application", args=[exam.slug, candidate.registration_no]),
        ),
    ]
    results = []
    for label, client, method, url_ in pages:

        def request(client: Client = client, method: str = method, url_: str = url_) -> Any:
            response = getattr(client, method)(url_, secure=True)
            # A page is measured only when it is the page: 200 (a redirect to a login, 2FA or
            # password page would be timed as a 1 ms "page"); "next" answers with a redirect.
            if response.status_code != (302 if method == "post" else 200):
                raise SystemExit(f"{url_}: {response.status_code}")
            return response

        for _ in range(2):
            request()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            request()
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            request()
        results.append({"page": label, "times": times, "sql": len(queries)})
    print(json.dumps(results))


# --- the report -----------------------------------------------------------------------------


def measure(url: str, runs: int, names: list[str], pick: bool = False) -> Any:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", url, "--runs", str(runs)]
        + ["--names", json.dumps(names)]
        + (["--pick"] if pick else []),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"the worker on {url} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="URL of the N-candidate database")
    parser.add_argument("--small-postgres", default="", help="URL of the 10k database")
    parser.add_argument("--candidates", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page per round")
    parser.add_argument("--rounds", type=int, default=5, help="turns of each database")
    parser.add_argument("--rebuild", action="store_true", help="rebuild both databases")
    parser.add_argument("--worker", default="", help=argparse.SUPPRESS)
    parser.add_argument("--names", default="[]", help=argparse.SUPPRESS)
    parser.add_argument("--pick", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.runs, json.loads(args.names), args.pick)
        return
    if not args.postgres:
        parser.error("--postgres is required")
    small = args.small_postgres
    if not small:
        parts = urlsplit(args.postgres)
        base = parts.path.lstrip("/").rsplit("_", 1)[0]
        small = urlunsplit(parts._replace(path=f"/{base}_10k"))
    ensure(small, 10_000, args.rebuild)
    ensure(args.postgres, args.candidates, args.rebuild)
    # Search by name: the same two names at both sizes (each database's sample candidate's),
    # so that each line compares one search at two populations. With the default seed the
    # 10k sample's is a rare name (2 candidates begin so at 10k, 27 at 1M), the N sample's
    # a common one (93 at 10k, 8,329 at 1M: the page is full and says "more than 200").
    names = [measure(url, 0, [], pick=True) for url in (small, args.postgres)]
    print(f"# names searched: {len(names[0])} and {len(names[1])} characters", flush=True)
    print(f"# load average before: {load()}", flush=True)
    # The two databases take turns, --rounds times (10k, N, 10k, N, ...), and each page's
    # figure is the median of all its timed requests: a neighbour's burst or the machine's
    # drift then falls on both sides instead of on one.
    few: list[dict[str, Any]] = []
    many: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        for collected, url in ((few, small), (many, args.postgres)):
            measured = measure(url, args.runs, names)
            if not collected:
                collected.extend(measured)
                continue
            for row, more in zip(collected, measured, strict=True):
                row["times"] += more["times"]
                row["sql"] = max(row["sql"], more["sql"])
    for row in few + many:
        row["ms"] = statistics.median(row["times"])
    print(f"# load average after: {load()}", flush=True)
    n = (
        f"{args.candidates // 1000}k"
        if args.candidates < 1_000_000
        else f"{args.candidates // 1_000_000}M"
    )
    print(f"{'page':40} {'10k sql':>7} {'10k ms':>7} {n + ' sql':>7} {n + ' ms':>7} {'ratio':>6}")
    worst_page = worst_stats = growth = 0.0
    for a, b in zip(few, many, strict=True):
        ratio = b["ms"] / a["ms"]
        print(
            f"{a['page']:40} {a['sql']:7d} {a['ms']:7.1f} {b['sql']:7d} {b['ms']:7.1f} {ratio:6.2f}"
        )
        growth = max(growth, ratio)
        if a["page"].startswith("statistics"):
            worst_stats = max(worst_stats, b["ms"])
        else:
            worst_page = max(worst_page, b["ms"])
    print(f"worst_page_ms: {worst_page:.1f}")
    print(f"worst_statistics_ms: {worst_stats:.1f}")
    print(f"growth: {growth:.2f}")


if __name__ == "__main__":
    main()
