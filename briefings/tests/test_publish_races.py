"""Publish pressed twice (a double click, two tabs, or the QA manager and the lead officer at the same
moment) publishes the draft they checked once: the second waits for the first, under the briefing's
lock, and is told the draft was published as that version, instead of publishing the same text again
under the next number."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audits.tests.concurrency_support import at_once
from briefings import services
from briefings.content import build_content, content_fingerprint
from briefings.models import Briefing, BriefingVersion, Edition

from .support import checked_fields


def fingerprint(briefing: Briefing) -> str:
    return content_fingerprint(build_content(Briefing.objects.get(pk=briefing.pk)))


@pytest.mark.django_db
def test_publish_clicked_twice_publishes_one_version(
    client, make_briefing, qa_manager, django_capture_on_commit_callbacks
):
    briefing = make_briefing(Edition.MANAGERS)
    client.force_login(qa_manager)
    url = reverse("briefings:publish", args=[briefing.audit.slug, "managers"])
    form = {**checked_fields(client.get(url).content.decode()), "confirm": "yes", "confirm_issues": "yes"}
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(url, form)
        second = client.post(url, form, follow=True)
    assert first.status_code == 302
    assert list(BriefingVersion.objects.values_list("number", flat=True)) == [1]
    page = second.content.decode()
    assert second.status_code == 200 and "#versions" in second.redirect_chain[-1][0]
    assert "was published as version 1 by" in page and "Nothing more was published" in page


@pytest.mark.django_db
def test_the_same_draft_published_again_from_a_preview_checked_since_goes_through(
    make_briefing, qa_manager, django_capture_on_commit_callbacks
):
    """A second publication of an unchanged draft, checked after the first was published, is deliberate."""
    briefing = make_briefing(Edition.MANAGERS)
    checked = fingerprint(briefing)
    with django_capture_on_commit_callbacks(execute=False):
        services.briefing_publish(briefing=briefing, user=qa_manager, checked=checked, checked_at=timezone.now())
        again = services.briefing_publish(
            briefing=briefing, user=qa_manager, checked=fingerprint(briefing), checked_at=timezone.now()
        )
    assert again.number == 2


@pytest.mark.django_db(transaction=True)
def test_two_composers_publishing_the_same_draft_at_once_publish_one_version(make_briefing, qa_manager, lead_officer):
    assert connection.vendor == "postgresql"  # about its row locks
    briefing = make_briefing(Edition.MANAGERS)
    checked, at = fingerprint(briefing), timezone.now()

    def publish(user):
        return lambda: services.briefing_publish(briefing=briefing, user=user, checked=checked, checked_at=at)

    outcomes = at_once({"qa": publish(qa_manager), "lead": publish(lead_officer)})
    published = [o for o in outcomes.values() if isinstance(o, BriefingVersion)]
    refused = [o for o in outcomes.values() if isinstance(o, services.AlreadyPublished)]
    assert len(published) == 1 and len(refused) == 1, outcomes
    assert refused[0].version.pk == published[0].pk
    assert list(BriefingVersion.objects.values_list("number", flat=True)) == [1]
