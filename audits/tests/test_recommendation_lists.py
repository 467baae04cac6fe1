"""The two lists of recommendations across audits (/audits/recommendations/ and the recommendation
tracker): a page at a time with their filters kept, still-to-act-on by default; and the tracker's prompt
for a reminder address only where reminders go."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditStatus, RecommendationStatus
from audits.selectors.insights import RECOMMENDATIONS_PER_PAGE, recommendation_tracker, recommendation_tracker_page
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db

LISTS = ["audits:recommendations_all", "audits:insights_tracker"]


def _rows(html: str) -> list[int]:
    """The recommendations listed, by id (each row links to it on its audit's page)."""
    return [int(pk) for pk in re.findall(r'href="[^"]*#rec-(\d+)"', html)]


def _selected_status(html: str) -> str:
    select = re.search(r'<select name="status".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


@pytest.fixture
def thirty_open_five_done(qa_manager):
    """30 open or in progress (due over the next 30 days), 3 closed and 2 complete: 35 in all."""
    today = timezone.localdate()
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    still = [
        RecommendationFactory(
            audit=audit,
            text=f"Still {n}",
            due_date=today + dt.timedelta(days=n),
            status=RecommendationStatus.IN_PROGRESS if n % 2 else RecommendationStatus.OPEN,
        )
        for n in range(30)
    ]
    done = [
        RecommendationFactory(
            audit=audit, text=f"Closed {n}", status=RecommendationStatus.CLOSED, impact_evidence="Seen"
        )
        for n in range(3)
    ] + [
        RecommendationFactory(audit=audit, text=f"Complete {n}", status=RecommendationStatus.COMPLETE) for n in range(2)
    ]
    return still, done


@pytest.mark.parametrize("name", LISTS)
def test_a_page_at_a_time_still_to_act_on_by_default_filters_kept(client, qa_manager, thirty_open_five_done, name):
    still, done = thirty_open_five_done
    client.force_login(qa_manager)
    url = reverse(name)

    first = client.get(url).content.decode()
    assert _selected_status(first) == ""  # "Still to act on (open or in progress)", the default
    assert '<option value="">Still to act on (open or in progress)</option>' in first.replace(" selected", "")
    assert '<option value="all">All statuses</option>' in first
    assert _rows(first) == [r.pk for r in still[:RECOMMENDATIONS_PER_PAGE]]
    assert "Page 1 of 2" in first and 'aria-current="page"' in first
    assert 'href="?page=2"' in first and "Previous" not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert _rows(second) == [r.pk for r in still[RECOMMENDATIONS_PER_PAGE:]]
    assert "Page 2 of 2" in second and 'href="?page=1"' in second

    # Every status: 35, the closed and complete ones (no due date: last) on page 2; the filter is kept.
    every = client.get(url, {"status": "all"}).content.decode()
    assert _selected_status(every) == "all"
    assert 'href="?status=all&amp;page=2"' in every
    rest = client.get(url, {"status": "all", "page": 2}).content.decode()
    assert set(_rows(rest)) == {r.pk for r in still[RECOMMENDATIONS_PER_PAGE:] + done}
    assert 'href="?status=all&amp;page=1"' in rest

    # One status: one page, no page links.
    closed = client.get(url, {"status": "closed"}).content.decode()
    assert set(_rows(closed)) == {r.pk for r in done[:3]} and "Page 1 of" not in closed
    # A page past the end is the last; nonsense is the first.
    assert _rows(client.get(url, {"page": 9}).content.decode()) == _rows(second)
    assert _rows(client.get(url, {"page": "x"}).content.decode()) == _rows(first)


def test_the_tracker_figures_count_every_page(client, qa_manager, thirty_open_five_done):
    client.force_login(qa_manager)
    html = client.get(reverse("audits:insights_tracker"), {"page": 2}).content.decode()
    block = re.search(r'data-testid="tracker-totals">(.*?)</p>', html, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", block).split()) == (
        "30 of 35 recommendations match the filters: 0 overdue, 30 open or in progress."
    )
    html = client.get(reverse("audits:recommendations_all"), {"status": "all", "page": 2}).content.decode()
    assert "35 recommendations match." in html


FILTERS = [
    {},
    {"statuses": (RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS)},
    {"statuses": (RecommendationStatus.COMPLETE,)},
    {"rag": "red"},
    {"rag": "amber"},
    {"rag": "green"},
    {"rag": "green", "statuses": (RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS)},
    {"rag": "amber", "theme": "neglect"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_the_pages_hold_what_the_whole_tracker_holds_in_its_order(qa_manager, filters):
    """Read a page at a time from the database (the rating as a filter there), the tracker lists what
    the rule of Recommendation.rag and the statuses give, in the same order, with the same figures:
    every status with a due date yesterday, today, in 30 and 31 days, and none."""
    today = timezone.localdate()
    cse = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit")
    neglect = audit_in(2026, theme_slug="neglect", status=AuditStatus.REPORTING, title="Neglect audit")
    for audit in (cse, neglect):
        for status in RecommendationStatus.values:
            for days in (-1, 0, 30, 31, None):
                due = today + dt.timedelta(days=days) if days is not None else None
                RecommendationFactory(
                    audit=audit, status=status, due_date=due, text=f"{status} {days}", impact_evidence="Seen"
                )
    theme = neglect.theme if filters.get("theme") else None
    statuses = filters.get("statuses")
    rag = filters.get("rag", "")

    whole = recommendation_tracker(qa_manager, rag=rag, theme=theme)
    expected = [i for i in whole.items if statuses is None or i.rec.status in statuses]
    pages, n = [], 1
    while True:
        part = recommendation_tracker_page(qa_manager, statuses=statuses, rag=rag, theme=theme, page=n, per_page=7)
        pages += part.items
        if not part.page.has_next():
            break
        n += 1
    assert [i.rec.pk for i in pages] == [i.rec.pk for i in expected]
    assert all(i.rec.rag == rag for i in pages) if rag else True
    assert (part.total, part.matching) == (40, len(expected))
    assert part.overdue == sum(1 for i in expected if i.overdue)
    assert part.open == sum(1 for i in expected if i.reminded)


def test_the_reminder_address_prompt_only_where_reminders_go(client, qa_manager):
    """Open and in-progress recommendations are reminded: without an address, the tracker asks for one.
    Complete and closed ones are not: no prompt."""
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    recs = {
        status: RecommendationFactory(
            audit=audit, status=status, owner_email="", owner_agency=None, impact_evidence="Seen"
        )
        for status in RecommendationStatus.values
    }
    client.force_login(qa_manager)
    html = client.get(reverse("audits:insights_tracker"), {"status": "all"}).content.decode()
    prompted = {
        status
        for status, rec in recs.items()
        if "No e-mail for reminders: add one" in re.search(rf'<tr[^>]*data-rec="{rec.pk}".*?</tr>', html, re.S).group(0)
    }
    assert prompted == {RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS}


@pytest.mark.parametrize("theme", ["999999", "abc"])
def test_a_bad_theme_in_the_tracker_link_drops_only_itself(client, qa_manager, thirty_open_five_done, theme):
    """A bookmarked theme since deleted: the red/amber/green and status filters still apply, and the theme
    is refused next to its field, rather than the whole list shown under filters that look applied."""
    client.force_login(qa_manager)
    url = reverse("audits:insights_tracker")
    good = client.get(url, {"rag": "green", "status": "all"}).content.decode()
    bad = client.get(url, {"rag": "green", "status": "all", "theme": theme}).content.decode()
    totals = re.compile(r'data-testid="tracker-totals">(.*?)</p>', re.S)
    assert totals.search(bad).group(1) == totals.search(good).group(1)
    assert "30 of 35" not in totals.search(bad).group(1) and "35 of 35" not in totals.search(bad).group(1)
    assert "Select a valid choice" in bad and 'aria-describedby="id_theme-errors"' in bad
