"""Feedback on a version withdrawn since still counts in the briefing's number of responses and average
rating (it is feedback on the briefing), and the composer and the feedback page say how many of the
responses are about a withdrawn version, the list marking each; read in the same one query, whatever the
number of responses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from briefings import services
from briefings.models import Edition, Feedback

from .test_views import done_version
from .test_withdrawal import withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def practitioners(findings_audit, qa_manager):
    return services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)


def _pages(client, briefing):
    args = [briefing.audit.slug, Edition.PRACTITIONERS]
    with CaptureQueriesContext(connection) as queries:
        listed = client.get(reverse("briefings:feedback_list", args=args)).content.decode()
    composer = client.get(reverse("briefings:composer", args=args)).content.decode()
    return listed, composer, len(queries)


def test_feedback_on_a_withdrawn_version_is_counted_and_said(client, practitioners, qa_manager, lead_officer):
    first = done_version(practitioners, 1, user=qa_manager)
    second = done_version(practitioners, 2, user=qa_manager)
    Feedback.objects.create(briefing=practitioners, version=second, user=qa_manager, rating=5)
    client.force_login(qa_manager)
    listed, composer, before = _pages(client, practitioners)
    # None about a withdrawn version: nothing said.
    assert "1 response, average rating 5.0 out of 5." in listed
    assert "withdrawn since" not in listed and "withdrawn since" not in composer

    Feedback.objects.create(briefing=practitioners, version=first, user=qa_manager, rating=2)
    Feedback.objects.create(briefing=practitioners, version=first, user=lead_officer, rating=2)
    withdraw(first, lead_officer)
    listed, composer, after = _pages(client, practitioners)

    assert "3 responses, average rating 3.0 out of 5." in listed
    assert "2 of them are about a version withdrawn since (marked “withdrawn” below): they are counted in the" in listed
    assert listed.count('badge text-bg-dark">withdrawn<') == 2
    assert "3 responses, average rating 3.0 out of 5. 2 of them are about a version withdrawn since, counted too." in (
        composer
    )
    assert after == before
