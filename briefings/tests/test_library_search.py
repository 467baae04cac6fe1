"""The library's search, as a reader coming back to find last year's CSE briefing types it: each word looked
for in the briefing's and the audit's titles, the theme's name and its short name (CSE), and a year in the
audit's year; every word must be found, not the words as one phrase."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audits.models import AuditStatus
from audits.tests.factories import AuditFactory, AuditThemeFactory
from briefings import services
from briefings.models import BriefingVersion, Edition

from .test_views import done_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(qa_manager):
    cse = AuditThemeFactory(name="Child sexual exploitation", slug="cse")
    neglect = AuditThemeFactory(name="Neglect", slug="neglect")
    audits = [
        AuditFactory(
            title="Child Sexual Exploitation multi-agency case file audit",
            slug="cse-2017",
            theme=cse,
            status=AuditStatus.REPORTING,
            part_b_date=dt.date(2017, 3, 1),
        ),
        AuditFactory(
            title="Multi-agency audit of neglect",
            slug="neglect-2019",
            theme=neglect,
            status=AuditStatus.REPORTING,
            part_b_date=dt.date(2019, 5, 1),
        ),
    ]
    for audit in audits:
        for edition in (Edition.MANAGERS, Edition.PRACTITIONERS):
            briefing = services.briefing_create(audit=audit, edition=edition, user=qa_manager)
            version = done_version(briefing)
            # The title printed, as a publication freezes it (briefings.content.build_content).
            BriefingVersion.objects.filter(pk=version.pk).update(content={"title": briefing.title})


def found(client, q: str) -> list[tuple[str, str]]:
    page = client.get(reverse("briefings:library"), {"q": q}).context["page"]
    return sorted((b.audit.slug, b.edition) for b in page.object_list)


def test_a_practitioner_finds_last_years_cse_briefing(client_for, library):
    client = client_for("practitioner")
    cse = [("cse-2017", Edition.PRACTITIONERS)]
    # The theme's short name, though no title says "CSE".
    assert found(client, "CSE") == cse
    assert found(client, "cse") == cse
    # Words, not a phrase: each found somewhere (the theme, a title, the audit's year).
    assert found(client, "CSE 2017") == cse
    assert found(client, "exploitation practitioners") == cse
    assert found(client, "  sexual   exploitation ") == cse
    assert found(client, "2019") == [("neglect-2019", Edition.PRACTITIONERS)]
    assert found(client, "neglect") == [("neglect-2019", Edition.PRACTITIONERS)]
    # Every word must be found.
    assert found(client, "CSE 2019") == []
    assert found(client, "CSE neglect") == []
    # A short name is matched whole, not as part of a word.
    assert found(client, "cs") == []


def test_the_search_never_finds_an_edition_the_reader_may_not_read(client_for, library):
    assert found(client_for("practitioner"), "managers") == []
    assert found(client_for("manager"), "CSE managers") == [("cse-2017", Edition.MANAGERS)]


def test_the_search_field_says_what_it_searches(client_for, library):
    html = client_for("practitioner").get(reverse("briefings:library")).content.decode()
    assert ">Search titles and themes</label>" in html


def test_a_long_pasted_title_or_a_year_no_longer_offered_still_narrows_the_list(client_for, library):
    """A search longer than the field's old 200 characters (a long title pasted from the e-mail that announced
    it) or a year or theme the filters no longer offer (a bookmarked link) used to make the whole form invalid,
    and the library listed every briefing as though they all matched: what is valid is still applied."""
    client = client_for("practitioner")
    cse = [("cse-2017", Edition.PRACTITIONERS)]
    pasted = "Child sexual exploitation " + "learning briefing for practitioners " * 6
    assert len(pasted) > 200
    assert found(client, pasted) == cse
    page = client.get(reverse("briefings:library"), {"q": "neglect", "year": "2016"}).context["page"]
    assert [(b.audit.slug, b.edition) for b in page.object_list] == [("neglect-2019", Edition.PRACTITIONERS)]
    page = client.get(reverse("briefings:library"), {"q": "neglect", "theme": "gone"}).context["page"]
    assert [(b.audit.slug, b.edition) for b in page.object_list] == [("neglect-2019", Edition.PRACTITIONERS)]
