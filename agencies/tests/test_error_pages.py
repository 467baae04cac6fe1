"""The portal's own error pages (DEBUG off, as in production): styled like every page, nothing inline
that the Content-Security-Policy would refuse, and 500.html standing alone, with no query."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import include, path, reverse

from audits.models import PartAReturn


def _permission_denied(request):
    raise PermissionDenied


def _fault(request):
    raise RuntimeError("a fault in a view")


urlpatterns = [
    path("test-403/", _permission_denied),
    path("test-500/", _fault),
    path("", include("auditportal.urls")),
]

INLINE_STYLE = re.compile(r"<style|\sstyle=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)", re.IGNORECASE)


def assert_portal_page(response, template: str, status: int, heading: str) -> str:
    assert response.status_code == status
    assert template in [t.name for t in response.templates]
    html = response.content.decode()
    assert not INLINE_STYLE.search(html) and not INLINE_SCRIPT.search(html)
    assert re.search(r'<link rel="stylesheet" href="/static/css/app\.css"', html)
    assert f">{heading}</h1>" in html
    # A wrong Host is refused before the CSP middleware: a page for whoever probes with it.
    if template != "400.html":
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    return html


@pytest.fixture(autouse=True)
def _production_debug(settings):
    settings.DEBUG = False


def test_404_for_an_address_that_does_not_exist(client, db):
    html = assert_portal_page(client.get("/no-such-page/"), "404.html", 404, "Page not found")
    assert 'href="/"' in html


def test_404_for_a_refusal_is_the_same_page_with_the_navigation(client, audit, auditor, other_auditor):
    """docs/permissions.md: what a person may not see is answered as if it did not exist."""
    theirs = PartAReturn.objects.filter(audit=audit, agency=other_auditor.agency).first()
    client.force_login(auditor)
    html = assert_portal_page(
        client.get(reverse("audits:return_detail", args=[theirs.pk])), "404.html", 404, "Page not found"
    )
    assert "Sign out" in html and theirs.case.reference not in html


@pytest.mark.urls(__name__)
def test_403(client, auditor):
    client.force_login(auditor)
    assert_portal_page(client.get("/test-403/"), "403.html", 403, "Not allowed")


def test_400_for_a_host_not_allowed(client, db):
    assert_portal_page(client.get("/", HTTP_HOST="elsewhere.example"), "400.html", 400, "Request not understood")


@pytest.mark.urls(__name__)
def test_500_is_the_portal_page(db):
    client = Client(raise_request_exception=False)
    assert_portal_page(client.get("/test-500/"), "500.html", 500, "Something went wrong")


def test_500_is_rendered_without_context_and_without_the_database():
    """As Django renders it: no request, no context processors. No `db` fixture: a query would fail."""
    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html and not INLINE_STYLE.search(html)


def test_csrf_failure_says_the_form_was_out_of_date(db):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))  # the CSRF cookie, but no token in the form
    response = client.post(reverse("login"), {"username": "someone", "password": "x"})
    html = assert_portal_page(response, "403_csrf.html", 403, "This form was out of date")
    assert "signed in again in another window" in html and "Part A return is not lost" in html
    assert "may be refusing this site" not in html


def test_csrf_failure_without_the_cookie_mentions_cookies(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "someone", "password": "x"})
    html = assert_portal_page(response, "403_csrf.html", 403, "This form was out of date")
    assert "may be refusing this site" in html
