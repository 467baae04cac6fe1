"""A reader coming back to a briefing's page sees that their feedback on it was received: when they last
sent some, and who reads it. Only their own, on that briefing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from briefings import services
from briefings.models import Edition, Feedback

from .test_views import done_version

pytestmark = pytest.mark.django_db

SENT = "You sent feedback on this briefing on"


@pytest.fixture
def briefings(findings_audit, qa_manager):
    made = {}
    for edition in (Edition.MANAGERS, Edition.PRACTITIONERS):
        made[edition] = services.briefing_create(audit=findings_audit, edition=edition, user=qa_manager)
        done_version(made[edition], user=qa_manager)
    return made


def test_a_reader_sees_their_feedback_was_received_when_they_come_back(client_for, briefings, cast):
    practitioners = briefings[Edition.PRACTITIONERS]
    page_url = reverse("briefings:briefing_page", args=[practitioners.pk])
    client = client_for("practitioner")
    assert SENT not in client.get(page_url).content.decode()

    client.post(reverse("briefings:feedback_create", args=[practitioners.pk]), {"rating": "4", "comment": ""})
    # Sent on an earlier day too: the latest is the one said.
    Feedback.objects.create(
        briefing=practitioners,
        user=cast["practitioner"],
        rating=2,
        created_at=timezone.make_aware(dt.datetime(2025, 3, 3, 10)),
    )
    today = timezone.localdate()
    html = client.get(page_url).content.decode()
    assert f"{SENT} {today.day} {today:%B %Y}: it is kept for the partnership" in html

    # Nobody else's, and not on another briefing.
    assert SENT not in client_for("auditor").get(page_url).content.decode()
    managers_url = reverse("briefings:briefing_page", args=[briefings[Edition.MANAGERS].pk])
    assert SENT not in client_for("manager").get(managers_url).content.decode()

    # Still said when a second feedback is refused.
    client = client_for("practitioner")
    refused = client.post(reverse("briefings:feedback_create", args=[practitioners.pk]), {"comment": "x"})
    assert refused.status_code == 200 and SENT in refused.content.decode()
