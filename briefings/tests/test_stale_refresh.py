"""“Refresh from findings” pressed on a composer opened before the audit's other composer (or another
tab) saved that section no longer replaces their text, which the person never saw: nothing is written
again, and the composer, as it is now, names who saved it and when."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from briefings import services
from briefings.models import BriefingSection, Edition

pytestmark = pytest.mark.django_db


def refresh_form(page: str, key: str) -> dict[str, str]:
    """What the section's “Refresh from findings” form posts, read from the composer as a browser would."""
    form = re.search(rf'<form method="post" action="[^"]*/sections/{key}/refresh/"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no refresh form for {key}"
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1))
        if name != "csrfmiddlewaretoken"
    }


def test_a_refresh_from_a_page_opened_before_another_save_replaces_nothing(
    client, make_briefing, qa_manager, lead_officer
):
    briefing = make_briefing(Edition.MANAGERS)
    slug = briefing.audit.slug
    client.force_login(qa_manager)
    composer = client.get(reverse("briefings:composer", args=[slug, "managers"])).content.decode()
    posted = refresh_form(composer, "why")
    assert posted.get("section_version")

    # The lead officer rewrites the section while the QA manager's page still shows it as it was.
    section = briefing.sections.get(key="why")
    services.briefing_section_update(
        section=section, heading=section.heading, body="The lead's own words.", hidden=False, user=lead_officer
    )
    url = reverse("briefings:section_refresh", args=[slug, "managers", "why"])
    response = client.post(url, posted, follow=True)
    assert BriefingSection.objects.get(pk=section.pk).body == "The lead's own words."
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{lead_officer.get_full_name()} saved" in unescape(page)
    assert "Nothing was written again from the findings" in page
    assert "The lead&#x27;s own words." in page  # their text, on the page now

    # Refreshed again from the page that now shows their text: a deliberate replacement.
    posted = refresh_form(page, "why")
    client.post(url, posted)
    assert BriefingSection.objects.get(pk=section.pk).body != "The lead's own words."
