"""Readers see a briefing's title and audience as published (what the PDF prints and the e-mail said), not the
draft's: its composers may be retitling the draft for the next version, which nobody but them may read yet.
The library, its search and the briefing's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from briefings import services
from briefings.models import Briefing, BriefingVersion, Edition

from .test_views import done_version

pytestmark = pytest.mark.django_db

PUBLISHED = {"title": "Learning from the CSE audit: practitioners", "audience": "Practitioners in every agency"}
DRAFT_TITLE = "Redrafted after the board: not for circulation"
DRAFT_AUDIENCE = "Board members only, until agreed"


@pytest.fixture
def retitled(findings_audit, qa_manager) -> Briefing:
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    version = done_version(briefing, user=qa_manager)
    BriefingVersion.objects.filter(pk=version.pk).update(content={**version.content, **PUBLISHED})
    Briefing.objects.filter(pk=briefing.pk).update(title=DRAFT_TITLE, audience=DRAFT_AUDIENCE)
    return briefing


def test_the_library_lists_the_published_title_and_searches_it(client_for, retitled):
    client = client_for("practitioner")
    url = reverse("briefings:library")
    html = client.get(url).content.decode()
    assert PUBLISHED["title"] in html and DRAFT_TITLE not in html
    assert [b.pk for b in client.get(url, {"q": "learning from"}).context["page"].object_list] == [retitled.pk]
    assert list(client.get(url, {"q": "redrafted"}).context["page"].object_list) == []


def test_the_briefing_page_shows_the_published_title_and_audience(client_for, retitled):
    response = client_for("practitioner").get(reverse("briefings:briefing_page", args=[retitled.pk]))
    html = response.content.decode()
    assert f'<h1 class="h3">{PUBLISHED["title"]}</h1>' in html
    assert f"<title>{PUBLISHED['title']} · " in html
    assert PUBLISHED["audience"] in html
    assert DRAFT_TITLE not in html and DRAFT_AUDIENCE not in html
