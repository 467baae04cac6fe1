"""Administration: the partnership's settings page (or an agency's) opened before somebody else saved it
(another administrator, the same one's other tab) does not undo their change when saved for something else."""

from html import unescape

import pytest
from django.urls import reverse

from agencies.models import Agency, Partnership, SupportContact
from audits.tests.admin_support import opened, row_of

pytestmark = pytest.mark.django_db


def test_a_settings_page_opened_before_another_saved_keeps_their_settings(it_admin):
    settings = Partnership.load()
    contact = SupportContact.objects.create(partnership=settings, name="MASH", phone="01234 567890")
    url = reverse("admin:agencies_partnership_change", args=[settings.pk])
    _, mine = opened(it_admin, url)
    client, theirs = opened(it_admin, url)
    theirs["retention_months"] = 120
    theirs[f"{row_of(theirs, contact.pk, 'support_contacts')}-phone"] = "01234 000000"
    assert client.post(url, theirs).status_code == 302
    assert client.post(url, mine | {"training": "Safeguarding level 3, each year."}).status_code == 302
    settings = Partnership.load()
    contact.refresh_from_db()
    assert (settings.retention_months, settings.training) == (120, "Safeguarding level 3, each year.")
    assert contact.phone == "01234 000000"


def test_a_setting_changed_on_both_pages_is_refused_with_theirs(it_admin):
    settings = Partnership.load()
    url = reverse("admin:agencies_partnership_change", args=[settings.pk])
    client, mine = opened(it_admin, url)
    _, theirs = opened(it_admin, url)
    assert client.post(url, theirs | {"short_name": "WSCP"}).status_code == 302
    response = client.post(url, mine | {"short_name": "SSCP"})
    assert response.status_code == 200
    said = unescape(" ".join(response.content.decode().split()))
    assert "Changed by somebody else since you opened this page: it is now WSCP" in said
    assert Partnership.load().short_name == "WSCP"


def test_an_agency_page_opened_before_another_renamed_it_keeps_their_name(it_admin, agency_a):
    url = reverse("admin:agencies_agency_change", args=[agency_a.pk])
    _, mine = opened(it_admin, url)
    client, theirs = opened(it_admin, url)
    assert client.post(url, theirs | {"name": "Sussex Police Service"}).status_code == 302
    assert client.post(url, mine | {"short_name": "SPS"}).status_code == 302
    agency_a.refresh_from_db()
    assert (agency_a.name, agency_a.short_name) == ("Sussex Police Service", "SPS")
    assert Agency.objects.count() >= 1
