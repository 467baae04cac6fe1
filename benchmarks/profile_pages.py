#!/usr/bin/env python3
"""Where a page's time goes: each benchmark page in-process, production settings, seed_scale's data.

    python scripts/test_services.py -- python benchmarks/profile_pages.py [--quick] [--page NAME] [--pyinstrument] [--explain] [--cprofile] [--layers]

For each page: the median time of 20 requests through Django's whole middleware stack (test
client, no HTTP server), the number of queries and the time spent in them, the median CPU time
(steadier than the wall clock on a busy machine), with --layers each middleware's own share, the
view's, the template's and the session, user and two-factor device loads (`--url auditor:/nowhere/`,
a 404, is the base template alone: what every signed-in page costs), and with
--pyinstrument (`.venv/bin/pip install pyinstrument==5.1.3`) the call tree of 10 more requests,
with --explain PostgreSQL's EXPLAIN ANALYZE of the page's slowest SELECT, with --cprofile the
functions the time goes to.
Seeds the same data as benchmarks/run.py (full size unless --quick).
"""

from __future__ import annotations

import argparse
import json
import logging
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


class Layers:
    """--layers: where a request's time goes, wall clock and CPU, the medians of 40 requests: each
    middleware's own time (its time less that of the layers inside it), the URL resolution and view
    less its template rendering, the rendering less the context processors, and what is outside the
    middleware (the test client, the request's signals). Then, wherever they happen (mostly in the
    first middleware to look at request.user), the session's load, the user's and the two-factor
    device's. A 404's page is rendered as Django handles the exception, outside the view: its
    rendering is then counted in the layer around the view's (and the view's own time is negative)."""

    VIEW = "URL resolution, view (less rendering)"
    PARTS = ("session load (cache)", "user load (auth.get_user)", "two-factor device (django-otp)")

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}
        self.depth: dict[str, int] = {}
        self.order: list[str] = []

    def timed(self, name: str, function):
        def wrapper(*args, **kwargs):
            # Counted once when nested (a form's templates rendered inside the page's).
            self.depth[name] = self.depth.get(name, 0) + 1
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth[name] -= 1
                if not self.depth[name]:
                    spent = self.spent.setdefault(name, [0.0, 0.0])
                    spent[0] += time.perf_counter() - started
                    spent[1] += time.process_time() - cpu

        return wrapper

    def install(self) -> None:
        from django.contrib import auth
        from django.core.handlers import base
        from django.template import engines
        from django.template.backends import django as django_backend
        from django_otp.middleware import OTPMiddleware

        from auditportal.sessions import SessionStore

        convert = base.convert_exception_to_response

        def converting(get_response):
            # load_middleware wraps the view (a bound _get_response) first, then each middleware outwards.
            if getattr(get_response, "__name__", None) == "_get_response":
                name = self.VIEW
            elif isinstance(get_response, type(converting)):  # a function middleware's closure
                name = get_response.__qualname__.split(".")[0]
            else:
                name = type(get_response).__name__
            if name not in self.order:
                self.order.insert(0, name)
            return convert(self.timed(name, get_response))

        base.convert_exception_to_response = converting
        template = django_backend.Template
        template.render = self.timed("template rendering", template.render)
        # The context processors run when a template is bound to its context; their lazy values resolve later.
        engine = engines["django"].engine
        engine.template_context_processors = tuple(
            self.timed("context processors", processor) for processor in engine.template_context_processors
        )
        session, user, device = self.PARTS
        SessionStore.load = self.timed(session, SessionStore.load)
        auth.get_user = self.timed(user, auth.get_user)
        OTPMiddleware._verify_user_sync = self.timed(device, OTPMiddleware._verify_user_sync)

    def report(self, ask, *request) -> None:
        rows: dict[str, list[tuple[float, float]]] = {}
        for _ in range(40):
            self.spent.clear()
            started, cpu = time.perf_counter(), time.process_time()
            ask(*request)
            total = (time.perf_counter() - started, time.process_time() - cpu)
            own = {}
            for i, name in enumerate(self.order):
                inner = self.spent.get(self.order[i + 1], (0.0, 0.0)) if i + 1 < len(self.order) else (0.0, 0.0)
                mine = self.spent.get(name, (0.0, 0.0))
                own[name] = (mine[0] - inner[0], mine[1] - inner[1])
            rendering = self.spent.get("template rendering", (0.0, 0.0))
            processors = self.spent.get("context processors", (0.0, 0.0))
            if self.VIEW in own:
                own[self.VIEW] = tuple(a - b for a, b in zip(own[self.VIEW], rendering, strict=True))
            own["template rendering (less the processors)"] = tuple(
                a - b for a, b in zip(rendering, processors, strict=True)
            )
            own["context processors (not their lazy values)"] = processors
            outer = self.spent.get(self.order[0], (0.0, 0.0)) if self.order else (0.0, 0.0)
            own["outside the middleware (test client, signals)"] = tuple(
                a - b for a, b in zip(total, outer, strict=True)
            )
            own["total"] = total
            # Nested: django-otp's device check reads the user, whose load reads the session.
            inner = (0.0, 0.0)
            for part in self.PARTS:
                mine = self.spent.get(part, (0.0, 0.0))
                own[f"  of which, wherever it happens: {part}"] = (mine[0] - inner[0], mine[1] - inner[1])
                inner = mine
            for name, (wall, used) in own.items():
                rows.setdefault(name, []).append((wall * 1000, used * 1000))
        print("    wall ms   CPU ms")
        for name, values in rows.items():
            wall = statistics.median(v[0] for v in values)
            used = statistics.median(v[1] for v in values)
            print(f"    {wall:7.2f}  {used:7.2f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--page", action="append", help="only pages whose name contains this")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--cprofile", action="store_true", help="the functions the time is spent in (cProfile)")
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        help="also this page: ROLE:PATH (role qa, auditor or manager); a 404 is accepted, as the bare base page",
    )
    parser.add_argument("--callers", help="with --cprofile: who calls the functions matching this pattern")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest SELECT")
    parser.add_argument(
        "--layers",
        action="store_true",
        help="the median time each middleware takes of its own, and the view's, the template's and the rest",
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="auditportal-profile-"))
    layers = Layers() if args.layers else None
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

    if layers:
        layers.install()
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
        # An address that is not a page (404) shows what every signed-in page costs: the base template alone.
        assert response.status_code == 200 or (path in missing and response.status_code == 404), (
            path,
            response.status_code,
        )

    extra = [[f"{url} ", *url.split(":", 1)] for url in args.url]
    missing = {path for _name, _role, path in extra}
    if missing:  # not a warning per request for a 404 asked for
        logging.getLogger("django.request").setLevel(logging.ERROR)
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
        # Read now: connection.queries keeps the last 9,000, and the requests below would shift them.
        captured = list(queries.captured_queries)
        sql_ms = sum(float(q["time"]) for q in captured) * 1000
        cpu = []
        for _ in range(20):
            started = time.process_time()
            ask(role, method, path)
            cpu.append((time.process_time() - started) * 1000)
        print(
            f"{name:<26} median {statistics.median(times):7.1f} ms   {len(captured):3d} queries "
            f"{sql_ms:6.1f} ms in SQL (as measured by the debug cursor), CPU median {statistics.median(cpu):5.1f} ms",
            flush=True,
        )
        if layers:
            layers.report(ask, role, method, path)
        slowest = sorted(captured, key=lambda q: -float(q["time"]))[:3]
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
