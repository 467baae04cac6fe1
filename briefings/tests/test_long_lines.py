"""A briefing's title, audience and section headings: no maxlength in the page (a long paste would be
cut off without a word) but a counter (app.js), and a limit the server keeps, with the message next
to the field and the whole text kept in it."""

from html import escape

import pytest
from django.urls import reverse

from audits.tests.long_text_support import line_counted_not_cut as counted_not_cut
from audits.tests.long_text_support import line_message, text_input
from briefings.models import Briefing, BriefingSection, Edition

pytestmark = pytest.mark.django_db

LONG_LINE = ("A title pasted from the report, longer than it should be. " * 6).strip()


def message(limit: int) -> str:
    return line_message(limit, LONG_LINE)


@pytest.fixture
def briefing(make_briefing) -> Briefing:
    return make_briefing(Edition.MANAGERS)


def composer(client, briefing: Briefing) -> str:
    return client.get(reverse("briefings:composer", args=[briefing.audit.slug, briefing.edition])).content.decode()


def test_a_long_title_or_audience_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, briefing):
    client.force_login(qa_manager)
    page = composer(client, briefing)
    assert counted_not_cut(page, "title", 250) and counted_not_cut(page, "audience", 300)
    before = (briefing.title, briefing.audience)

    url = reverse("briefings:details_update", args=[briefing.audit.slug, briefing.edition])
    shown = {"title_shown": briefing.title, "audience_shown": briefing.audience}
    response = client.post(url, {"title": LONG_LINE, "audience": LONG_LINE, **shown})
    page = response.content.decode()
    assert response.status_code == 400
    assert message(250) in page.split('id="id_title-error"')[1].split("</div>")[0]
    assert message(300) in page.split('id="id_audience-error"')[1].split("</div>")[0]
    assert f'value="{escape(LONG_LINE)}"' in text_input(page, "title")
    assert f'value="{escape(LONG_LINE)}"' in text_input(page, "audience")
    briefing.refresh_from_db()
    assert (briefing.title, briefing.audience) == before


@pytest.mark.parametrize("htmx", [False, True])
def test_a_long_section_heading_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, briefing, htmx):
    section = BriefingSection.objects.filter(briefing=briefing).order_by("order").first()
    before = (section.heading, section.body)
    client.force_login(qa_manager)
    assert counted_not_cut(composer(client, briefing), "heading", 200)

    url = reverse("briefings:section_update", args=[briefing.audit.slug, briefing.edition, section.key])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url, {"heading": LONG_LINE, "body": "Typed text, kept too."}, **headers)
    page = response.content.decode()
    assert response.status_code == (200 if htmx else 400)  # htmx: the card, with its errors
    field = f"section-{section.key}-heading"
    assert message(200) in page.split(f'id="{field}-error"')[1].split("</div>")[0]
    tag = page.split(f'id="{field}"')[0].rsplit("<input", 1)[1] + page.split(f'id="{field}"')[1].split(">")[0]
    assert f'value="{escape(LONG_LINE)}"' in tag and " maxlength=" not in tag and 'data-maxlength="200"' in tag
    assert "Typed text, kept too.</textarea>" in page
    section.refresh_from_db()
    assert (section.heading, section.body) == before
