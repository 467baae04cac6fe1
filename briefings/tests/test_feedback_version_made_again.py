"""Feedback written on a full report's page while the retention purge takes its PDF away to be made again
(the consensus reasons it printed removed) is kept with the version the page offered, as it is when the
version was withdrawn meanwhile, instead of being dropped without a word while the reader is told the
briefing is being made."""

from __future__ import annotations

import pytest
from django.urls import reverse

from briefings.models import Edition, Feedback

from .test_download_gone import purged

pytestmark = pytest.mark.django_db


def test_feedback_sent_while_the_version_is_made_again_is_kept_with_it(
    client_for, findings_audit, make_briefing, publish_rendered, django_capture_on_commit_callbacks, cast
):
    full = publish_rendered(make_briefing(Edition.FULL_REPORT))
    client = client_for("lead_officer")  # reads the full report of the audit they lead
    assert client.get(reverse("briefings:briefing_page", args=[full.briefing_id])).status_code == 200
    purged(findings_audit, full, django_capture_on_commit_callbacks)  # while the reader writes

    comment = "The case table showed clearly where the agencies agreed."
    response = client.post(
        reverse("briefings:feedback_create", args=[full.briefing_id]),
        {"rating": "5", "comment": comment, "version": str(full.pk)},
        follow=True,
    )

    feedback = Feedback.objects.get()
    assert (feedback.briefing_id, feedback.version, feedback.user) == (full.briefing_id, full, cast["lead_officer"])
    assert (feedback.rating, feedback.comment) == (5, comment)
    html = response.content.decode()
    assert "Thank you: your feedback is kept with this briefing" in html
    assert "The briefing you opened is being made just now: try again in a few minutes." in html


def test_feedback_naming_a_version_being_made_again_is_kept_with_it_while_another_stands(
    client_for, findings_audit, make_briefing, publish_rendered, django_capture_on_commit_callbacks, cast
):
    """A second full report printing no reasons is not made again, so the briefing still has a version to
    read: the feedback is kept with the version the reader's page offered, not with the one standing."""
    briefing = make_briefing(Edition.FULL_REPORT)
    first = publish_rendered(briefing)
    client = client_for("lead_officer")
    assert client.get(reverse("briefings:briefing_page", args=[briefing.pk])).status_code == 200
    second = publish_rendered(briefing)
    second.content["case_judgements"]["rows"] = []  # prints no consensus reasons: the purge leaves it be
    second.save(update_fields=["content"])
    purged(findings_audit, first, django_capture_on_commit_callbacks)

    response = client.post(
        reverse("briefings:feedback_create", args=[briefing.pk]),
        {"rating": "4", "comment": "", "version": str(first.pk)},
    )

    assert response.status_code == 302
    assert Feedback.objects.get().version == first
