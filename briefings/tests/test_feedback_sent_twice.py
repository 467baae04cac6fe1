"""Send feedback pressed twice (a double click, or the form sent again from the browser's history) keeps the
reader's feedback once: the second, the same rating and comment on the same version by the same reader within
a few minutes, is not counted again in the briefing's number of responses and average rating. Different
feedback, or the same sent again later, is kept ("You may send more")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from audits.tests.concurrency_support import at_once
from briefings import services
from briefings.models import Edition, Feedback

from .test_views import done_version


@pytest.fixture
def published(findings_audit, qa_manager):
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)
    return briefing, done_version(briefing, user=qa_manager)


@pytest.mark.django_db
def test_send_feedback_clicked_twice_keeps_it_once(client, manager, published):
    briefing, version = published
    client.force_login(manager)
    url = reverse("briefings:feedback_create", args=[briefing.pk])
    form = {"rating": "4", "comment": "Useful for our team meeting.", "version": str(version.pk)}

    first = client.post(url, form)
    second = client.post(url, form, follow=True)

    assert first.status_code == 302 and second.status_code == 200
    assert list(Feedback.objects.values_list("rating", "comment")) == [(4, "Useful for our team meeting.")]
    assert "Thank you: your feedback is kept" in second.content.decode()


@pytest.mark.django_db
def test_different_feedback_or_the_same_sent_later_is_kept(manager, published):
    briefing, version = published

    def send(rating: int, comment: str) -> Feedback:
        return services.feedback_add(briefing=briefing, version=version, user=manager, rating=rating, comment=comment)

    first = send(4, "Useful.")
    send(3, "Useful.")
    send(4, "Useful, and shared with the team.")
    assert Feedback.objects.count() == 3
    Feedback.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(hours=1))
    send(4, "Useful.")
    assert Feedback.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_keep_it_once(manager, published):
    assert connection.vendor == "postgresql"  # about its locks
    briefing, version = published

    def send():
        return services.feedback_add(briefing=briefing, version=version, user=manager, rating=5, comment="Clear.")

    outcomes = at_once({"first": send, "second": send})
    assert all(isinstance(outcome, Feedback) for outcome in outcomes.values()), outcomes
    assert Feedback.objects.count() == 1
