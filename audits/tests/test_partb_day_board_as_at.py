"""The Part B session day: the evidence board is not refreshed by itself. The auditors following the
session on their own laptops (and the lead officer beside the projector) see it as it was when they opened
it, so it says when that was, in local time, and that a consensus recorded since shows on reloading."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2026, 6, 18, 9, 42, tzinfo=datetime.UTC)  # 10:42 in London (summer time)


class FixedNow(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return OPENED.astimezone(tz) if tz else OPENED.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)


@pytest.mark.parametrize("who", ["auditor", "qa_manager"])
def test_the_board_says_when_it_was_shown_and_to_reload_for_later_judgements(client, request, part_b, who):
    case = part_b.cases.get(reference="Case 1")
    client.force_login(request.getfixturevalue(who))
    with mock.patch("django.template.defaulttags.datetime", FixedNow):
        response = client.get(reverse("audits:evidence_board", args=[part_b.slug, case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<p class="small text-body-secondary" data-testid="board-as-at">As at 10:42. Consensus judgements recorded '
        "since then on another screen show when you reload the page.</p>"
    ) in html
