"""“Move up” or “Move down” pressed on a composer opened before the sections' order changed (another tab,
or the audit's other composer, moved one meanwhile) no longer swaps the section with whatever is next to
it now, which put it where the person did not choose: nothing is moved and the composer, as it is now,
says so. With or without JavaScript: the move is an ordinary form post."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from briefings import services
from briefings.models import Edition

pytestmark = pytest.mark.django_db


def move_form(page: str, key: str, direction: str) -> dict[str, str]:
    """What a section's Move up / Move down form posts, read from the page as a browser would."""
    forms = re.findall(rf'<form method="post" action="[^"]*/sections/{key}/move/">(.*?)</form>', page, re.S)
    for form in forms:
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
        if fields.get("direction") == direction:
            return {name: unescape(value) for name, value in fields.items() if name != "csrfmiddlewaretoken"}
    raise AssertionError(f"no {direction} form for {key}")


def saved_card(client, briefing, key: str) -> str:
    """The section's card as its save by htmx sends it back (saved as it is)."""
    section = briefing.sections.get(key=key)
    return client.post(
        reverse("briefings:section_update", args=[briefing.audit.slug, briefing.edition, key]),
        {"heading": section.heading, "body": section.body, "based_on": section.updated_at.isoformat()},
        HTTP_HX_REQUEST="true",
    ).content.decode()


def order(briefing) -> list[str]:
    return list(briefing.sections.order_by("order", "pk").values_list("key", flat=True))


@pytest.mark.parametrize("htmx_card", [False, True])
def test_a_move_from_a_page_showing_another_order_moves_nothing(
    client, make_briefing, qa_manager, lead_officer, htmx_card
):
    briefing = make_briefing(Edition.MANAGERS)
    slug = briefing.audit.slug
    keys = order(briefing)
    first, second, third = keys[:3]
    client.force_login(qa_manager)
    if htmx_card:
        page = saved_card(client, briefing, third)
    else:
        page = client.get(reverse("briefings:composer", args=[slug, "managers"])).content.decode()
    posted = move_form(page, third, "up")
    assert posted["swap_with"] == second

    # The lead officer moves the first section down meanwhile: the second is above the third no longer.
    services.briefing_section_move(section=briefing.sections.get(key=first), direction="down", user=lead_officer)
    assert order(briefing)[:3] == [second, first, third]

    response = client.post(reverse("briefings:section_move", args=[slug, "managers", third]), posted, follow=True)
    assert order(briefing)[:3] == [second, first, third]  # not swapped with the one now above it
    assert response.status_code == 200
    assert "The sections had changed since you opened the page: nothing was moved." in unescape(
        response.content.decode()
    )

    # From the page as it is now, the move goes through.
    posted = move_form(response.content.decode(), third, "up")
    client.post(reverse("briefings:section_move", args=[slug, "managers", third]), posted)
    assert order(briefing)[:3] == [second, third, first]


@pytest.mark.parametrize("htmx_card", [False, True])
def test_the_first_and_last_sections_cannot_be_moved_past_the_ends(client, make_briefing, qa_manager, htmx_card):
    """Move up is disabled on the first section and Move down on the last, on the composer and on a card
    sent back by a save (which had both enabled: the first's Move up moved nothing, saying nothing)."""
    briefing = make_briefing(Edition.MANAGERS)
    slug = briefing.audit.slug
    keys = order(briefing)
    client.force_login(qa_manager)

    def buttons(key: str) -> dict[str, bool]:
        if htmx_card:
            page = saved_card(client, briefing, key)
        else:
            page = client.get(reverse("briefings:composer", args=[slug, "managers"])).content.decode()
        card = page.split(f'id="card-{key}"')[1].split("</section>")[0]
        found = re.findall(r'name="direction" value="(up|down)">.*?<button type="submit"([^>]*)>', card, re.S)
        return {direction: "disabled" in attrs for direction, attrs in found}

    assert buttons(keys[0]) == {"up": True, "down": False}
    assert buttons(keys[1]) == {"up": False, "down": False}
    assert buttons(keys[-1]) == {"up": False, "down": True}
