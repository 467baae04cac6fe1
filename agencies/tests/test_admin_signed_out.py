"""The admin for somebody not signed in (a lapsed session, a bookmark, the README's "add people in the
admin"): the portal's sign-in page, then back to the admin page asked for; never a server error."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/agencies/user/", "/admin/audits/audit/add/", "/admin/login/?next=/admin/agencies/agency/"],
)
def test_signed_out_the_admin_sends_to_the_portals_sign_in_and_back(client, url):
    first = client.get(url)
    assert first.status_code == 302
    admin_login = client.get(first["Location"]) if first["Location"].startswith("/admin/login/") else first
    assert admin_login.status_code == 302
    location = urlsplit(admin_login["Location"])
    assert location.path == reverse("login")
    asked = urlsplit(url)
    expected = parse_qs(asked.query)["next"][0] if asked.path == "/admin/login/" else asked.path
    assert parse_qs(location.query)["next"] == [expected]
    assert client.get(admin_login["Location"]).status_code == 200


def test_a_signed_in_person_without_the_admin_is_told_so_on_its_sign_in_page(client, auditor):
    client.force_login(auditor)
    page = client.get(reverse("admin:login"))
    assert page.status_code == 200
    assert "not authorized to access this page" in page.content.decode()
