import pytest
from django.urls import reverse

EXPECTED_HOME = {
    "qa_manager": "/audits/",
    "lead_officer": "/audits/",
    "auditor": "/audits/my-returns/",
    "other_auditor": "/audits/my-returns/",
    "colleague": "/briefings/",
    "manager": "/briefings/",
    "practitioner": "/briefings/",
}


@pytest.mark.parametrize("who,target", EXPECTED_HOME.items())
def test_home_sends_each_role_to_its_start_page(client_for, audit, who, target):
    response = client_for(who).get(reverse("home"))
    assert response.status_code == 302
    assert response.url == target
    assert client_for(who).get(target).status_code == 200


def test_administrator_home_offers_users_not_case_content(client_for, audit):
    response = client_for("administrator").get(reverse("home"))
    assert response.status_code == 200
    assert b"Users" in response.content
    assert b"CSE audit" not in response.content


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_signed_in_pages_are_not_stored(client_for, audit):
    response = client_for("auditor").get(reverse("audits:my_returns"))
    assert response["Cache-Control"] == "no-store, private"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_partnership_settings_are_cached_and_a_change_shows_on_the_next_page(client_for, audit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.models import Partnership

    client = client_for("auditor")
    url = reverse("audits:my_returns")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert not [q for q in queries.captured_queries if "agencies_partnership" in q["sql"]]
    assert Partnership.load().name in page

    partnership = Partnership.load()
    partnership.name = "Brighton and Hove Safeguarding Children Partnership"
    partnership.save()
    assert "Brighton and Hove Safeguarding Children Partnership" in client.get(url).content.decode()
