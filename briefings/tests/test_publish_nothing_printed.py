"""A draft whose shown sections are all empty, or hold only invisible characters (a pasted zero-width
space, a byte-order mark), prints nothing but its cover page: publishing it is refused, on the publish
page and by the service, by the rule the page's "It will hold these sections" follows (content.is_printed)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from briefings import services
from briefings.content import build_content, document_context, printed_sections
from briefings.models import BriefingSection, BriefingVersion, Edition
from briefings.prefill import DATA_SECTIONS

from .support import publish_post

pytestmark = pytest.mark.django_db

INVISIBLE = "\u200b\r\n\ufeff \u2060\n\n\u00ad"
COVER_ONLY = "so the PDF would be a cover page only"


def empty_every_shown_section(briefing) -> None:
    """As an editor leaves it: the text of every shown section cleared (one left with what a paste from
    Word or Outlook leaves behind), and the annex's chart hidden."""
    shown = BriefingSection.objects.filter(briefing=briefing, hidden=False)
    assert shown.exclude(key__in=DATA_SECTIONS).count() >= 2
    shown.filter(key__in=DATA_SECTIONS).update(hidden=True)
    shown.update(body="")
    first = shown.order_by("order").first()
    BriefingSection.objects.filter(pk=first.pk).update(body=INVISIBLE)


@pytest.mark.parametrize("edition", Edition.values)
def test_a_draft_that_would_print_a_cover_page_only_is_not_published(make_briefing, qa_manager, edition):
    briefing = make_briefing(edition)
    empty_every_shown_section(briefing)
    sections = list(briefing.sections.all())
    assert any(not s.hidden for s in sections)
    # What the PDF would print of it: nothing (the rule the page and the service follow agrees).
    assert document_context(build_content(briefing))["sections"] == []
    assert printed_sections(sections, edition, briefing.audit) == []

    with pytest.raises(services.BriefingError, match=COVER_ONLY):
        services.briefing_publish(briefing=briefing, user=qa_manager)
    assert not BriefingVersion.objects.exists()

    # One shown section with text is enough.
    section = briefing.sections.filter(hidden=False).order_by("order").last()
    BriefingSection.objects.filter(pk=section.pk).update(body="What we found.")
    version = services.briefing_publish(briefing=briefing, user=qa_manager)
    assert [s["heading"] for s in document_context(version.content)["sections"]] == [section.heading]


def test_a_draft_with_no_section_shown_is_refused_too(make_briefing, qa_manager):
    briefing = make_briefing()
    briefing.sections.update(hidden=True)
    with pytest.raises(services.BriefingError, match="No section is shown"):
        services.briefing_publish(briefing=briefing, user=qa_manager)


def test_the_publish_page_says_why_and_offers_no_publish_button(make_briefing, client_for):
    briefing = make_briefing(Edition.MANAGERS)
    empty_every_shown_section(briefing)
    url = reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])
    client = client_for("qa_manager")

    page = client.get(url).content.decode()
    listed = page.split("It will hold these sections")[1].split("</ol>")[0]
    assert "None: the PDF would be a cover page only." in listed
    assert COVER_ONLY in page and "Every section shown is empty" in page
    assert 'name="confirm"' not in page

    # A post all the same (the draft emptied in another tab after the page was opened): refused, and said.
    response = publish_post(client, url, {"confirm": "yes", "confirm_issues": "yes"}, follow=True)
    assert response.status_code == 200 and COVER_ONLY in response.content.decode()
    assert not BriefingVersion.objects.exists()
