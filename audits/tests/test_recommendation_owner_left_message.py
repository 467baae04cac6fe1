"""The refusal of a leaver's address as a recommendation's owner e-mail says to leave it blank for the owner
agency's lead to be reminded only when that is so: the recommendation is owned by an agency with a lead's
address. Owned by a group, or by an agency without one, blank reminds nobody, and the page does not say it would."""

import datetime as dt

import pytest
from django.urls import reverse

from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import AuditStatus
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db

LEFT = "is the address of an account that was deactivated (somebody who left): reminders are not sent to it."
BLANK = "or leave it blank for the owner agency&#x27;s lead to be reminded."


@pytest.fixture
def leaver():
    return UserFactory(email="jo.leaver@example.org", is_active=False)


def refusal(client, url, posted) -> str:
    response = client.post(url, posted)
    assert response.status_code == 400
    page = " ".join(response.content.decode().split())
    assert LEFT in page
    return page


def test_a_new_recommendation(client, qa_manager, leaver):
    audit = audit_in(2026, status=AuditStatus.PART_B)
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[audit.slug])
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    posted = {"text": "Do better", "owner_email": leaver.email, "due_date": due}

    assert BLANK not in refusal(client, url, {**posted, "owner": "CSE group"})
    no_lead = AgencyFactory(name="Health", lead_email="")
    assert BLANK not in refusal(client, url, {**posted, "owner_agency": no_lead.pk})
    police = AgencyFactory(name="Sussex Police", lead_email="lead@police.example.org")
    assert BLANK in refusal(client, url, {**posted, "owner_agency": police.pk})


def test_the_owner_email_once_the_audit_is_closed(client, qa_manager, leaver):
    audit = audit_in(2026, status=AuditStatus.CLOSED)
    client.force_login(qa_manager)
    grouped = RecommendationFactory(audit=audit, owner="CSE group", owner_email="group@example.org")
    police = AgencyFactory(name="Sussex Police", lead_email="lead@police.example.org")
    owned = RecommendationFactory(audit=audit, owner="", owner_agency=police, owner_email="group@example.org")

    edit = "audits:recommendation_edit"
    assert BLANK not in refusal(client, reverse(edit, args=[audit.slug, grouped.pk]), {"owner_email": leaver.email})
    assert BLANK in refusal(client, reverse(edit, args=[audit.slug, owned.pk]), {"owner_email": leaver.email})
