"""An htmx request from someone signed out gets 401, never the redirect to the sign-in page: htmx
would follow the redirect and swap the sign-in page into the page, over what the person typed."""

import time

from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse

from agencies.middleware import AUTH_AT

PASSWORD = "correct horse battery staple"
HTMX = {"HTTP_HX_REQUEST": "true"}


def sign_in(client, username: str) -> None:
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302


def assert_signed_out_401(response) -> None:
    assert response.status_code == 401
    assert "Location" not in response
    assert response["HX-Reswap"] == "none"


def test_htmx_request_signed_out_is_401_and_a_page_request_still_goes_to_the_sign_in_page(client, db):
    url = reverse("audits:my_returns")
    assert_signed_out_401(client.get(url, **HTMX))
    assert_signed_out_401(client.post(url, {"x": "1"}, **HTMX))
    page = client.get(url)
    assert page.status_code == 302 and page.url.startswith(reverse("login"))
    # Only the header's "true" marks an htmx request (as django-htmx reads it).
    assert client.get(url, HTTP_HX_REQUEST="false").status_code == 302


def test_htmx_request_after_the_session_was_deleted_is_401(client, auditor, audit):
    sign_in(client, "auditor.a")
    url = reverse("audits:my_returns")
    assert client.get(url, **HTMX).status_code == 200
    Session.objects.all().delete()
    client.cookies.pop("sessionid")
    assert_signed_out_401(client.get(url, **HTMX))


def test_htmx_request_past_the_12_hour_limit_is_401_and_ends_the_session(client, auditor, audit, settings):
    sign_in(client, "auditor.a")
    session = client.session
    session[AUTH_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    url = reverse("audits:my_returns")
    assert_signed_out_401(client.get(url, **HTMX))
    page = client.get(url)
    assert page.status_code == 302 and page.url.startswith(reverse("login"))


def test_json_request_past_the_12_hour_limit_is_still_401_json(client, auditor, audit, settings):
    sign_in(client, "auditor.a")
    session = client.session
    session[AUTH_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("audits:my_returns"), HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json() == {"error": "Your session has ended. Please sign in again."}


@override_settings(MFA_REQUIRED=True)
def test_htmx_request_without_second_factor_is_401(client, auditor, audit):
    sign_in(client, "auditor.a")
    assert_signed_out_401(client.get(reverse("audits:my_returns"), **HTMX))
