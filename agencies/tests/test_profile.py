"""Everybody's own profile page: their account as the portal knows it, and their choice "E-mail me when a
new learning briefing is published" (on unless they turn it off), recorded like an administrator's change
to an account: in the admin's history of it and in the access log."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LABEL = "E-mail me when a new learning briefing is published"


def test_new_people_get_the_emails(agency_a):
    assert UserFactory(agency=agency_a).new_briefing_emails is True


@pytest.mark.parametrize("who", ["qa_manager", "lead_officer", "auditor", "manager", "practitioner", "administrator"])
def test_the_page_shows_the_choice_ticked_with_its_explanation(client_for, cast, who):
    html = client_for(who).get(reverse("profile")).content.decode()
    assert LABEL in html
    assert 'name="new_briefing_emails"' in html and "checked" in html
    assert 'aria-describedby="id_new_briefing_emails_helptext"' in html  # the explanation is read with it
    assert cast[who].get_username() in html


def test_turning_it_off_and_on_is_saved_and_recorded(client_for, practitioner):
    client = client_for("practitioner")
    response = client.post(reverse("profile"), {})  # the box unticked: a browser sends nothing for it
    assert response.status_code == 302 and response.url == reverse("profile")
    practitioner.refresh_from_db()
    assert practitioner.new_briefing_emails is False
    page = client.get(reverse("profile")).content.decode()
    assert "Your choices are saved." in page
    assert "checked" not in page

    record = AccessRecord.objects.get(action=AccessAction.CHANGE, object_type="agencies.user")
    assert record.user == practitioner and record.object_id == str(practitioner.pk)
    assert record.summary == f"Profile of {practitioner.username} changed by themselves: {LABEL}: no"
    entry = LogEntry.objects.get(object_id=str(practitioner.pk))
    assert entry.action_flag == CHANGE and entry.user_id == practitioner.pk
    assert LABEL in entry.get_change_message()

    client.post(reverse("profile"), {"new_briefing_emails": "on"})
    practitioner.refresh_from_db()
    assert practitioner.new_briefing_emails is True
    assert AccessRecord.objects.filter(summary__endswith=f"{LABEL}: yes").count() == 1


def test_saving_without_a_change_records_nothing(client_for, practitioner):
    response = client_for("practitioner").post(reverse("profile"), {"new_briefing_emails": "on"}, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert not AccessRecord.objects.filter(action=AccessAction.CHANGE).exists()
    assert not LogEntry.objects.exists()


def test_one_changes_only_ones_own_choice(client_for, practitioner, manager):
    client_for("manager").post(reverse("profile"), {"user": practitioner.pk, "id": practitioner.pk})
    practitioner.refresh_from_db()
    manager.refresh_from_db()
    assert practitioner.new_briefing_emails is True and manager.new_briefing_emails is False


def test_signed_out_it_asks_to_sign_in(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and reverse("login") in response.url
