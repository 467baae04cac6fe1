#!/usr/bin/env python3
"""Where a page's time goes: each benchmark page in-process, production settings, seed_scale's data.

    python scripts/test_services.py -- python benchmarks/profile_pages.py [--quick] [--page NAME] [--pyinstrument] [--explain] [--cprofile]

For each page: the median time of 20 requests through Django's whole middleware stack (test
client, no HTTP server), the number of queries and the time spent in them, and with
--pyinstrument (`.venv/bin/pip install pyinstrument==5.1.3`) the call tree of 10 more requests,
with --explain PostgreSQL's EXPLAIN ANALYZE of the page's slowest SELECT, with --cprofile the
functions the time goes to.
Seeds the same data as benchmarks/run.py (full size unless --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.run import FULL, PASSWORD, QUICK  # noqa: E402


def prepare(profile, root: Path) -> None:
    os.environ.pop("AUDITPORTAL_TESTING", None)
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(root / "static"),
        PRIVATE_MEDIA_ROOT=str(root / "private"),
        LOG_LEVEL="WARNING",
    )
    for args in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        [
            "seed_scale",
            f"--audits={profile.audits}",
            f"--agencies={profile.agencies}",
            f"--cases={profile.cases}",
            f"--standards={profile.standards}",
            f"--password={PASSWORD}",
        ],
    ):
        subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--page", action="append", help="only pages whose name contains this")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--cprofile", action="store_true", help="the functions the time is spent in (cProfile)")
    parser.add_argument(
        "--url", action="append", default=[], help="also this page: ROLE:PATH (role qa, auditor or manager)"
    )
    parser.add_argument("--callers", help="with --cprofile: who calls the functions matching this pattern")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest SELECT")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="auditportal-profile-"))
    prepare(QUICK if args.quick else FULL, root)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditportal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # As gunicorn does: the start-up loading and gc.freeze() of auditportal/wsgi.py. Without it, a
    # full garbage collection (70 ms here) lands in some request and skews its profile.
    import auditportal.wsgi  # noqa: F401
    from agencies.models import User
    from benchmarks.targets import targets

    found = targets()
    clients = {}
    for role, username in found["users"].items():
        client = Client(HTTP_HOST="127.0.0.1")
        user = User.objects.get(username=username)
        client.force_login(user)
        session = client.session
        # What the two-factor step leaves in the session.
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
        session.save()
        clients[role] = client
    anonymous = Client(HTTP_HOST="127.0.0.1")
    autosave = found["autosave"][0]
    version = autosave["version"]

    def ask(role, method, path):
        nonlocal version
        client = clients[role] if role else anonymous
        if method == "POST":
            body = {"version": version, "fields": {autosave["field"]: f"Typed at {time.time()}."}}
            response = client.post(
                autosave["path"], json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN="x"
            )
            version = response.json().get("version", version)
        else:
            response = client.get(path)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200, (path, response.status_code)

    extra = [[f"{url} ", *url.split(":", 1)] for url in args.url]
    for name, role, method, path in found["pages"] + [[n, r, "GET", p] for n, r, p in extra]:
        if name == "static file" or (args.page and not any(p.lower() in name.lower() for p in args.page)):
            continue
        for _ in range(3):
            ask(role, method, path)
        times = []
        for _ in range(20):
            started = time.perf_counter()
            ask(role, method, path)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            ask(role, method, path)
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(
            f"{name:<26} median {statistics.median(times):7.1f} ms   {len(queries.captured_queries):3d} queries "
            f"{sql_ms:6.1f} ms in SQL (as measured by the debug cursor)",
            flush=True,
        )
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        for query in slowest:
            print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
        select = next((q["sql"] for q in slowest if q["sql"].lstrip().upper().startswith("SELECT")), None)
        if args.explain and select:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + select)
                print("\n".join("    | " + row[0] for row in cursor.fetchall()))
        if args.cprofile:
            import cProfile
            import io
            import pstats

            profile = cProfile.Profile()
            profile.enable()
            for _ in range(10):
                ask(role, method, path)
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).strip_dirs()
            stats.sort_stats("tottime").print_stats(18)
            stats.sort_stats("cumulative").print_stats(r"template|forms|widgets|crispy|selectors|views", 25)
            if args.callers:
                stats.print_callers(args.callers)
            print(
                "\n".join(line for line in out.getvalue().splitlines() if line.strip())[
                    -9000 if not args.callers else -30000 :
                ]
            )
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(10):
                ask(role, method, path)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)[:12000])


if __name__ == "__main__":
    main()
