"""Feedback sent from a briefing's page opened before a newer version was published (or before the one
it offered was withdrawn) is kept as feedback on the version the page offered, the one the reader read,
not on the newer one they have not seen: the feedback page lists it under that version's number."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from briefings import services
from briefings.models import Edition, Feedback

from .test_views import done_version

pytestmark = pytest.mark.django_db


def feedback_form(page: str) -> dict[str, str]:
    """What the page's feedback form posts of its own (its hidden fields), as a browser would."""
    form = re.search(r'<form method="post" action="[^"]*/feedback/"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no feedback form"
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1))
        if name != "csrfmiddlewaretoken"
    }


def test_feedback_from_a_page_opened_before_a_new_version_is_about_the_version_read(
    client_for, findings_audit, qa_manager
):
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    first = done_version(briefing, 1, user=qa_manager)
    client = client_for("practitioner")
    url = reverse("briefings:briefing_page", args=[briefing.pk])
    posted = feedback_form(client.get(url).content.decode())

    second = done_version(briefing, 2, user=qa_manager)  # published while the reader reads the first
    feedback = reverse("briefings:feedback_create", args=[briefing.pk])
    client.post(feedback, {**posted, "rating": "4", "comment": "Clear."})
    assert Feedback.objects.get().version == first

    # Withdrawn since the page offered it: still the one the feedback is about.
    Feedback.objects.all().delete()
    services.briefing_version_withdraw(version=first, user=qa_manager, reason="Wrong edition published.")
    client.post(feedback, {**posted, "rating": "2", "comment": ""})
    assert Feedback.objects.get().version == first

    # Sent again with an error from a fresh page: the kept form still names the version it offered.
    Feedback.objects.all().delete()
    posted = feedback_form(client.get(url).content.decode())
    assert posted["version"] == str(second.pk)
    refused = client.post(feedback, {**posted, "comment": "No rating."})
    assert refused.status_code == 200 and feedback_form(refused.content.decode())["version"] == str(second.pk)
    assert not Feedback.objects.exists()
