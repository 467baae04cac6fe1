"""The audits list: current audits (Planning to Reporting) apart from closed ones, the closed ones
paged, all of them filtered by title, stage, theme and year, at a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditStatus
from audits.tests.factories import AuditFactory, AuditThemeFactory
from audits.views.common import CLOSED_AUDITS_PER_PAGE

pytestmark = pytest.mark.django_db

URL = reverse("audits:audit_list")


def _closed(n: int, lead, tool_version, **kwargs) -> list:
    """n closed audits, the first closed most recently."""
    now = timezone.now()
    return [
        AuditFactory(
            title=f"Closed audit {i:02d}",
            lead_officer=lead,
            tool_version=tool_version,
            status=AuditStatus.CLOSED,
            closed_at=now - dt.timedelta(days=i),
            **kwargs,
        )
        for i in range(1, n + 1)
    ]


def _section(html: str, name: str) -> str:
    return html.split(f'data-testid="{name}"')[1].split("</section>")[0]


def test_current_audits_come_first_and_closed_ones_are_paged(client, lead_officer, audit):
    closed = _closed(CLOSED_AUDITS_PER_PAGE + 1, lead_officer, audit.tool_version)
    reporting = AuditFactory(
        title="Reporting audit", lead_officer=lead_officer, tool_version=audit.tool_version, status="reporting"
    )
    client.force_login(lead_officer)

    html = client.get(URL).content.decode()

    current = _section(html, "current-audits")
    assert "CSE audit" in current and "Reporting audit" in current and "Closed audit" not in current
    past = _section(html, "closed-audits")
    assert past.count('data-testid="audit-row-') == CLOSED_AUDITS_PER_PAGE
    assert "Closed audit 01" in past and closed[-1].title not in past and "CSE audit" not in past
    assert f"1–{CLOSED_AUDITS_PER_PAGE} of {CLOSED_AUDITS_PER_PAGE + 1}" in past
    assert 'href="?page=2#closed-heading"' in past

    second = _section(client.get(URL, {"page": 2}).content.decode(), "closed-audits")
    assert second.count('data-testid="audit-row-') == 1 and closed[-1].title in second
    # The current audits are on every page: paging is of the closed ones only.
    assert reporting.title in _section(client.get(URL, {"page": 2}).content.decode(), "current-audits")


def test_filters_apply_to_both_lists_and_are_kept_across_pages(client, lead_officer, audit):
    neglect = AuditThemeFactory(slug="neglect", name="Neglect")
    _closed(CLOSED_AUDITS_PER_PAGE + 2, lead_officer, audit.tool_version, theme=neglect)
    _closed(3, lead_officer, audit.tool_version)  # the CSE theme, like `audit`
    client.force_login(lead_officer)

    html = client.get(URL, {"theme": "neglect"}).content.decode()

    assert "CSE audit" not in _section(html, "current-audits")
    assert "No current audit matches these filters." in html
    past = _section(html, "closed-audits")
    assert f"1–{CLOSED_AUDITS_PER_PAGE} of {CLOSED_AUDITS_PER_PAGE + 2}" in past
    assert 'href="?theme=neglect&amp;page=2#closed-heading"' in past
    assert '<option value="neglect" selected>Neglect</option>' in html

    by_title = client.get(URL, {"q": "cse"}).content.decode()
    assert "CSE audit" in _section(by_title, "current-audits")
    assert "No closed audit matches these filters." in by_title

    by_stage = client.get(URL, {"stage": "closed", "theme": "cse"}).content.decode()
    assert "CSE audit" not in by_stage and _section(by_stage, "closed-audits").count('data-testid="audit-row-') == 3

    this_year = timezone.localdate().year
    audit.part_b_date = dt.date(this_year - 3, 5, 1)
    audit.save()
    by_year = client.get(URL, {"year": this_year - 3}).content.decode()
    assert "CSE audit" in by_year and "Closed audit 0" not in by_year
    assert f'<option value="{this_year - 3}" selected>' in by_year


def test_a_filter_that_is_not_offered_shows_everything(client, qa_manager, audit):
    client.force_login(qa_manager)
    html = client.get(URL, {"year": "1800", "page": "x"}).content.decode()
    assert "CSE audit" in _section(html, "current-audits")
    assert 'aria-describedby="id_year-errors"' in html and "1800 is not one of the available choices" in html


@pytest.mark.parametrize("bad", [{"year": "1800"}, {"theme": "deleted-theme"}, {"stage": "bogus"}])
def test_a_refused_filter_drops_only_itself(client, lead_officer, audit, bad):
    """A link shared by someone with other audits, or a bookmark of a theme since deleted: the title search
    and the other filters still apply."""
    _closed(3, lead_officer, audit.tool_version)
    client.force_login(lead_officer)
    html = client.get(URL, {"q": "cse", **bad}).content.decode()
    assert "CSE audit" in _section(html, "current-audits")
    assert "No closed audit matches these filters." in html
    name = next(iter(bad))
    assert f'id="id_{name}-errors"' in html


def test_a_lead_officer_sees_only_the_audits_they_lead(client, lead_officer, audit, other_audit):
    client.force_login(lead_officer)
    html = client.get(URL).content.decode()
    assert "CSE audit" in html and other_audit.title not in html
    # The other lead officer's audit gives its theme or year to nobody else's filter.
    assert other_audit.slug not in html


def test_the_list_costs_the_same_queries_for_1_audit_and_many(client, qa_manager, audit, django_assert_num_queries):
    # The user (with their agency); the themes and years for the filter; the current audits (with
    # theme and lead officer); the closed audits' count and their page (with theme and lead officer).
    client.force_login(qa_manager)
    client.get(URL)  # the session's first request reads the navigation's assignments once
    _closed(1, audit.lead_officer, audit.tool_version)
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200
    _closed(30, audit.lead_officer, audit.tool_version, theme=AuditThemeFactory(slug="neglect", name="Neglect"))
    for _n in range(5):
        AuditFactory(lead_officer=audit.lead_officer, tool_version=audit.tool_version, status="planning")
    with django_assert_num_queries(5):
        assert client.get(URL, {"theme": "neglect", "page": 2}).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200


def test_a_title_search_over_the_limit_is_refused_next_to_its_field(client, qa_manager, audit):
    client.force_login(qa_manager)
    html = client.get(URL, {"q": "x" * 201}).content.decode()
    assert 'aria-describedby="id_q-errors"' in html and 'id="id_q-errors"' in html
    assert "at most 200 characters" in html
