"""The production stack of README.md's "Running in production", started and used as people would.

gunicorn (2 sync workers) with production settings (DEBUG off, two-factor sign-in, the manifest
static files storage, HTTPS behind a TLS proxy: `BEHIND_TLS_PROXY`, so requests say
`X-Forwarded-Proto: https` as the proxy would), on the test PostgreSQL database, Redis as the
Celery broker and as the shared cache that holds the sessions, and the real Celery worker that
renders the PDF. Run through scripts/test_services.py (make test).
"""

from __future__ import annotations

import http.client
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.html import escape
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, PartAReturn
from briefings import services
from briefings.models import BriefingVersion, Edition, RenderStatus
from briefings.tests.support import add_findings, checked_fields, configure_partnership
from tests.fixtures_services import CeleryWorker, database_url, wait_for, without_test_settings

pytestmark = pytest.mark.worker

REPO = Path(django_settings.BASE_DIR)
PASSWORD = "a long production password"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_ADDRESS = "203.0.113.7"  # the browser's address, as the proxy appends it to X-Forwarded-For
# README's gunicorn access log: the client's address, the path without its query string (a search can
# hold a case's details), the status, the size and the time taken.
ACCESS_LOG_FORMAT = '%(t)s %({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %({content-length}o)s %(M)sms'


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path


@dataclass
class Visitor:
    """A browser behind the TLS proxy: it keeps cookies (Secure ones too: the proxy speaks HTTPS to
    it) and sends what the proxy adds (X-Forwarded-Proto, X-Forwarded-For). A new connection per
    request, so both workers serve it."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookie_headers: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, data: dict | None = None, *, proxied: bool = True) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if proxied:
            headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_ADDRESS}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict[str, str], *, form_on: str | None = None) -> Response:
        """GET the page with the form (`path` itself unless `form_on`) for its CSRF token, then POST
        it, as a browser would."""
        page = self.get(form_on or path)
        assert page.status == 200, (path, page.status, page.text[:500])
        token = CSRF_INPUT.search(page.text)
        assert token, f"no CSRF token on {path}"
        return self.request("POST", path, {"csrfmiddlewaretoken": token.group(1), **data})

    def sign_in(self, username: str, device: TOTPDevice) -> None:
        login = reverse("login")
        response = self.post_form(login, {"username": username, "password": PASSWORD})
        assert response.status == 302 and response.location == "/", response.text[:500]
        # Signed in with the password only: every page asks for the second factor first.
        response = self.get("/")
        assert response.status == 302 and response.location == reverse("mfa_verify"), response.text[:500]
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"
        response = self.post_form(response.headers["Location"], {"code": code})
        assert response.status == 302 and response.location == "/", response.text[:800]
        home = self.get("/")  # the person's start page, or a redirect to it: not back to sign-in
        assert home.status == 200 or not home.location.startswith("/accounts/"), home.location


@dataclass
class Stack:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def visitor(self) -> Visitor:
        return Visitor(self.port)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def production_env(port: int, root: Path) -> dict[str, str]:
    env = without_test_settings()
    assert env.get("CACHE_URL") and env.get("CELERY_BROKER_URL"), "run through scripts/test_services.py (make test)"
    return env | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "BEHIND_TLS_PROXY": "1",
        "DATABASE_URL": database_url(django_settings.DATABASES["default"]),
        # No connection kept between requests: the test database is flushed after the test.
        "DATABASE_CONN_MAX_AGE": "0",
        "STATIC_ROOT": str(root / "static"),
        "PRIVATE_MEDIA_ROOT": str(root / "private"),
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """collectstatic, once a run: the manifest storage's hashed files, as in production."""
    root = tmp_path_factory.mktemp("production-static")
    env = production_env(free_port(), root) | {"STATIC_ROOT": str(root)}
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    return root


@pytest.fixture
def stack(
    transactional_db, settings, tmp_path, collected_static: Path, celery_worker_process: CeleryWorker
) -> Iterator[Stack]:
    port = free_port()
    env = production_env(port, tmp_path) | {"STATIC_ROOT": str(collected_static)}
    # The worker writes the PDFs where the web processes read them.
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    celery_worker_process.restart({"PRIVATE_MEDIA_ROOT": env["PRIVATE_MEDIA_ROOT"]})
    log = tmp_path / "gunicorn.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "auditportal.wsgi:application",
                "--workers=2", f"--bind=127.0.0.1:{port}", "--timeout=60", "--log-level=warning",
                "--access-logfile=-", f"--access-logformat={ACCESS_LOG_FORMAT}",
            ],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = Stack(port, proc, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"gunicorn exited:\n{running.tail()}"
            try:
                if running.visitor().get("/healthz").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{running.tail()}"
            time.sleep(0.2)
        yield running
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        celery_worker_process.restart()


@pytest.fixture
def people(settings, qa_manager, auditor, manager, audit) -> dict:
    """The cast with production password hashes and confirmed authenticator apps."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    devices = {}
    for user in (qa_manager, auditor, manager):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        devices[user.username] = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return devices


def test_static_files_health_and_security_headers(stack, people):
    visitor = stack.visitor()
    assert visitor.get("/healthz").status == 200
    assert visitor.get("/healthz?q=Case+3").status == 200

    # Without the proxy's HTTPS: sent to HTTPS; but /healthz answers a load balancer probing gunicorn.
    plain = visitor.get(reverse("login"), proxied=False)
    assert plain.status == 301 and plain.headers["Location"].startswith("https://")
    assert visitor.get("/healthz", proxied=False).status == 200

    login = visitor.get(reverse("login"))
    assert login.status == 200
    csp = login.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp and "script-src" in csp
    assert login.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert login.headers["X-Frame-Options"] == "DENY"
    assert login.headers["X-Content-Type-Options"] == "nosniff"

    # Static files by their hashed names, from the app itself, cached for ever.
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet, login.text[:1000]
    css = visitor.get(stylesheet.group(1))
    assert css.status == 200 and b"{" in css.body
    assert "immutable" in css.headers["Cache-Control"]
    # Its size in the access log (gunicorn's own count, %(b)s, is 0 for a file it sends with sendfile).
    path = re.escape(stylesheet.group(1))
    logged = re.compile(rf'"GET {path}" 200 {len(css.body)} \d+ms\n')
    assert wait_for(lambda: logged.search(stack.tail()), timeout=10), stack.tail()  # written after the response

    # The access log, as README's command writes it: who, what path (not its query), status, time.
    assert re.search(rf'\] {re.escape(CLIENT_ADDRESS)} "GET /healthz" 200 \d+ \d+ms\n', stack.tail()), stack.tail()
    assert "Case+3" not in stack.tail()

    # A proxy that passes its upstream's Host on (nginx without `proxy_set_header Host $host;`): 400, and the
    # application's log says why, in one line.
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
    try:
        conn.request("GET", "/healthz", headers={"Host": "upstream.invalid"})
        assert conn.getresponse().status == 400
    finally:
        conn.close()
    warned = re.compile(
        r" WARNING \[\d+\] django\.security\.DisallowedHost: Invalid HTTP_HOST header: 'upstream\.invalid'"
    )
    assert wait_for(lambda: warned.search(stack.tail()), timeout=10), stack.tail()
    assert "Traceback" not in stack.tail()


def test_the_readme_runs_gunicorn_with_this_access_log():
    readme = (REPO / "README.md").read_text()
    assert f"--access-logfile - --access-logformat '{ACCESS_LOG_FORMAT}'" in readme


def test_sign_in_pages_and_isolation_through_gunicorn(stack, people, audit, auditor, other_auditor):
    visitor = stack.visitor()
    visitor.sign_in("auditor.a", people["auditor.a"])
    session = next(h for h in visitor.set_cookie_headers if h.startswith("sessionid="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session

    # Several requests, on new connections: both workers read the one session (Redis).
    for _ in range(6):
        page = visitor.get(reverse("audits:my_returns"))
        assert page.status == 200 and "Case 1" in page.text
        assert page.headers["Cache-Control"] == "no-store, private"
    mine = PartAReturn.objects.filter(audit=audit, agency=auditor.agency).first()
    theirs = PartAReturn.objects.filter(audit=audit, agency=other_auditor.agency).first()
    assert visitor.get(reverse("audits:return_detail", args=[mine.pk])).status == 200
    assert visitor.get(reverse("audits:return_detail", args=[theirs.pk])).status == 404
    viewed = AccessRecord.objects.get(user=auditor, action=AccessAction.VIEW, object_id=str(mine.pk))
    assert viewed.ip_address == CLIENT_ADDRESS  # not the proxy's: BEHIND_TLS_PROXY trusts one proxy

    # Signed out on one worker: the old cookie is refused by every worker from then on.
    cookie = visitor.cookies["sessionid"]
    assert visitor.post_form(reverse("logout"), {}, form_on=reverse("audits:my_returns")).status == 302
    replay = Visitor(stack.port, cookies={"sessionid": cookie})
    for _ in range(6):
        response = replay.get(reverse("audits:my_returns"))
        assert response.status == 302 and response.location == reverse("login")


def test_publish_renders_on_the_worker_and_a_manager_downloads_the_pdf(
    stack, people, audit, agency_a, agency_b, qa_manager, manager
):
    configure_partnership()
    add_findings(audit, agency_a, agency_b)
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    briefing = services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa_manager)

    qa = stack.visitor()
    qa.sign_in("qa", people["qa"])
    publish = reverse("briefings:publish", args=[audit.slug, Edition.MANAGERS])
    # The publish form carries what its page says was checked (the draft's fingerprint), as a browser posts it.
    checked = checked_fields(qa.get(publish).text)
    assert set(checked) == {"draft", "draft_at"}
    response = qa.post_form(publish, {"confirm": "yes", "confirm_issues": "yes", **checked})
    assert response.status == 302, response.text[:800]
    version = BriefingVersion.objects.get(briefing=briefing)

    deadline = time.monotonic() + 120
    while BriefingVersion.objects.values_list("status", flat=True).get(pk=version.pk) != RenderStatus.DONE:
        assert time.monotonic() < deadline, f"not rendered:\n{stack.tail()}"
        time.sleep(0.2)

    reader = stack.visitor()
    reader.sign_in("manager.c", people["manager.c"])
    library = reader.get(reverse("briefings:library"))
    assert library.status == 200 and escape(briefing.title) in library.text
    pdf = reader.get(reverse("briefings:download", args=[version.pk]))
    assert pdf.status == 200, pdf.text[:500]
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.body.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert AccessRecord.objects.filter(user=manager, action=AccessAction.DOWNLOAD).count() == 1
    # Someone signed out gets the sign-in page, not the file.
    stranger = stack.visitor()
    assert stranger.get(reverse("briefings:download", args=[version.pk])).status == 302
