"""The figures the insights pages and their PDFs show, each checked against a small world worked out
on paper: returns on time / late / missing, the tracker's totals, anonymised counts of other people's
audits, the grades chart's colours, and the agency PDF against its page."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from agencies.tests.factories import AgencyFactory, UserFactory
from audits.charts import PALETTE, stage_distribution_svg
from audits.models import (
    AuditStatus,
    FindingKind,
    InsightReport,
    InsightReportKind,
    InsightReportStatus,
    PartAReturn,
    RecommendationStatus,
    ReturnStatus,
)
from audits.selectors.insights import agency_profile, recommendation_tracker, recurring_for_audit, theme_trends
from audits.services.insights import insight_report_render
from audits.tests.factories import AuditAgencyFactory, CaseFactory, FindingFactory, RecommendationFactory, make_returns
from audits.tests.insights_support import audit_in, factor, tag
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _audit_with_returns(year: int, agency, *, cases: int, status=AuditStatus.CLOSED, lead=None):
    audit = audit_in(year, status=status, lead_officer=lead)  # Part A due 1 February of `year`
    AuditAgencyFactory(audit=audit, agency=agency)
    for i in range(cases):
        CaseFactory(audit=audit, reference=f"Case {i + 1}", order=i)
    make_returns(audit)
    return list(PartAReturn.objects.filter(audit=audit, agency=agency).order_by("case__order"))


def _submit(ret, day: dt.date, *, status=ReturnStatus.SUBMITTED):
    complete_return(ret)
    PartAReturn.objects.filter(pk=ret.pk).update(status=status, submitted_at=_at(day))


# --- Part A returns: on time / late / missing / awaited ------------------------------------------


def test_a_return_sent_back_for_amendment_is_not_received_until_it_comes_back():
    """Due 1 Feb. Closed audit: one on time; one on time then returned for amendment and never sent
    again (not received: missing, as the progress dashboard says); one returned and sent again on
    5 Feb (late, by its latest submission). Open audit: one returned, not sent again yet (awaited)."""
    police = AgencyFactory(name="Police")
    on_time, returned, resent = _audit_with_returns(2015, police, cases=3)
    _submit(on_time, dt.date(2015, 1, 30))
    _submit(returned, dt.date(2015, 1, 30), status=ReturnStatus.RETURNED)
    _submit(resent, dt.date(2015, 2, 5))
    [still_returned] = _audit_with_returns(2016, police, cases=1, status=AuditStatus.PART_A)
    _submit(still_returned, dt.date(2016, 1, 20), status=ReturnStatus.RETURNED)

    profile = agency_profile(UserFactory(role="qa_manager", agency=None), police)

    rows = [(t.audit.year, t.on_time, t.late, t.missing, t.awaited) for t in profile.timings]
    assert rows == [(2015, 1, 1, 1, 0), (2016, 0, 0, 0, 1)]
    totals = profile.totals
    assert (totals.on_time, totals.late, totals.missing, totals.awaited, totals.total) == (1, 1, 1, 1, 4)


def test_a_no_involvement_return_is_a_return_and_counts_by_its_date():
    police = AgencyFactory(name="Police")
    [ret] = _audit_with_returns(2015, police, cases=1)
    _submit(ret, dt.date(2015, 2, 1))  # the due day itself: on time
    PartAReturn.objects.filter(pk=ret.pk).update(no_involvement=True)
    [timing] = agency_profile(UserFactory(role="qa_manager", agency=None), police).timings
    assert (timing.on_time, timing.late, timing.missing) == (1, 0, 0)


# --- Recommendation tracker: what "n of N shown" and the counts beside it say -----------------------


@pytest.fixture
def six_recommendations():
    """A CSE audit with four recommendations (red, amber, green in progress, complete) and a neglect
    audit with two (closed, red): six in all, three open or in progress, two of them overdue."""
    today = timezone.localdate()
    cse = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit")
    neglect = audit_in(2026, theme_slug="neglect", status=AuditStatus.REPORTING, title="Neglect audit")

    def rec(audit, text, days, status=RecommendationStatus.OPEN, **kwargs):
        due = today + dt.timedelta(days=days) if days is not None else None
        return RecommendationFactory(audit=audit, text=text, due_date=due, status=status, **kwargs)

    rec(cse, "red one", -5)
    rec(cse, "amber one", 10)
    rec(cse, "green one", 90, RecommendationStatus.IN_PROGRESS)
    rec(cse, "complete one", -20, RecommendationStatus.COMPLETE)
    rec(neglect, "closed one", -40, RecommendationStatus.CLOSED, impact_evidence="Re-audit showed it")
    rec(neglect, "red two", -1)
    return cse, neglect


def test_the_tracker_total_is_every_recommendation_whatever_the_filters(qa_manager, six_recommendations):
    cse, neglect = six_recommendations

    def shown(**filters):
        tracker = recommendation_tracker(qa_manager, **filters)
        return sorted(i.rec.text for i in tracker.items), tracker.total, tracker.overdue, tracker.open

    assert shown() == (
        ["amber one", "closed one", "complete one", "green one", "red one", "red two"],
        6,
        2,
        4,
    )
    # Each filter, and all three at once, narrows what is shown, never the total it is shown out of.
    assert shown(status=RecommendationStatus.COMPLETE) == (["complete one"], 6, 0, 0)
    assert shown(rag="red") == (["red one", "red two"], 6, 2, 2)
    assert shown(theme=neglect.theme) == (["closed one", "red two"], 6, 1, 1)
    assert shown(theme=cse.theme, status=RecommendationStatus.OPEN, rag="red") == (["red one"], 6, 1, 1)
    assert shown(theme=cse.theme, status=RecommendationStatus.OPEN, rag="green") == ([], 6, 0, 0)


def test_the_tracker_page_says_what_its_counts_are_of(client, qa_manager, six_recommendations):
    client.force_login(qa_manager)
    url = reverse("audits:insights_tracker")

    def totals(**params):
        html = client.get(url, params).content.decode()
        block = re.search(r'data-testid="tracker-totals">(.*?)</p>', html, re.S).group(1)
        return " ".join(re.sub(r"<[^>]+>", " ", block).split())

    # By default those still to act on (open or in progress); "all" for every status.
    assert totals() == "4 of 6 recommendations match the filters: 2 overdue, 4 open or in progress."
    assert totals(status="all") == "6 of 6 recommendations match the filters: 2 overdue, 4 open or in progress."
    assert totals(status="complete") == "1 of 6 recommendations match the filters: 0 overdue, 0 open or in progress."
    assert totals(rag="amber") == "1 of 6 recommendations match the filters: 0 overdue, 1 open or in progress."
    assert totals(rag="green", status="all") == (
        "3 of 6 recommendations match the filters: 0 overdue, 1 open or in progress."
    )


# --- Other people's audits: counted, never named, and counted right ------------------------------


@pytest.fixture
def two_reported_audits_of_others(other_lead):
    """Two reported 2015 audits run by someone else both found missing episodes an area for
    improvement, the first three times over (an emerging theme and two agencies' areas); other_lead's
    own 2017 audit finds it again."""
    missing = factor("missing-episodes")
    first = audit_in(2015, title="First audit of another lead", status=AuditStatus.REPORTING)
    second = audit_in(2015, title="Second audit of another lead", status=AuditStatus.CLOSED)
    tag(first, FindingKind.THEME, missing)
    tag(first, FindingKind.AGENCY_IMPROVEMENT, missing, agency=AgencyFactory(name="Hidden Police"))
    tag(first, FindingKind.AGENCY_IMPROVEMENT, missing, agency=AgencyFactory(name="Hidden Health"))
    tag(second, FindingKind.AGENCY_IMPROVEMENT, missing, agency=AgencyFactory(name="Hidden School"))
    own = audit_in(2017, title="My own audit", status=AuditStatus.PART_B, lead_officer=other_lead)
    tag(own, FindingKind.THEME, missing)
    return own


def test_the_recurring_alert_counts_the_unnamed_audits(two_reported_audits_of_others, other_lead, client):
    [alert] = recurring_for_audit(two_reported_audits_of_others, other_lead)
    assert alert.earlier == [(2015, ["2 audits run by others"])]

    client.force_login(other_lead)
    html = client.get(reverse("audits:findings", args=[two_reported_audits_of_others.slug])).content.decode()
    assert "an area for improvement in 2015 (2 audits run by others)" in html
    assert "another lead" not in html and "Hidden" not in html


def test_a_trend_cell_lists_each_unnamed_audit_once(two_reported_audits_of_others, other_lead, client):
    trends = theme_trends(user=other_lead)

    [row] = trends.rows
    assert [c.status for c in row.cells] == ["area", "recurring"]
    # Four findings of two audits: two lines, one per audit, as the page's "2 reported audits" says.
    assert [(e.audit, e.is_area, e.text) for e in row.cells[0].evidence] == [(None, True, ""), (None, True, "")]
    assert trends.others == 2

    client.force_login(other_lead)
    html = client.get(reverse("audits:insights_trends")).content.decode()
    cell = re.search(r'data-year="2015" data-status="area">(.*?)</td>', html, re.S).group(1)
    assert cell.count("an audit run by someone else") == 2
    assert "another lead" not in html and "Hidden" not in html


# --- The agency profile's PDF says what its page says ---------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


def _words(text: str) -> str:
    return " ".join(text.split())


def _board_report_words(user) -> str:
    """The words of a board report rendered for `user` (the real render, read back with pypdf)."""
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=user)
    insight_report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE, report.error
    with report.file.open("rb") as handle:
        return _words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages))


def test_the_agency_pdf_says_what_the_page_says_of_findings_not_agreed_yet(client, media):
    """Police took part in two audits: a closed one (its findings agreed, none about Police) and one
    in Part B, whose draft area for improvement Police staff may not read yet. The page says one
    audit's findings are held back; the PDF said only "None recorded yet."."""
    police = AgencyFactory(name="Sussex Police")
    manager = UserFactory(agency=police, role="manager")
    _audit_with_returns(2015, police, cases=1)
    [draft] = _audit_with_returns(2017, police, cases=1, status=AuditStatus.PART_B)
    FindingFactory(audit=draft.audit, kind=FindingKind.AGENCY_IMPROVEMENT, agency=police, heading="Draft finding")
    held_back = "The findings of 1 audit still in progress are shown once the Part B group has agreed them."
    built_from = "Built from 2 audits this agency took part in."

    client.force_login(manager)
    page = _words(
        re.sub(r"<[^>]+>", " ", client.get(reverse("audits:insights_agency", args=[police.pk])).content.decode())
    )
    assert held_back in page and built_from in page and "Draft finding" not in page

    report = InsightReport.objects.create(kind=InsightReportKind.AGENCY, agency=police, requested_by=manager)
    insight_report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE, report.error
    with report.file.open("rb") as handle:
        pdf = _words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages))
    assert held_back in pdf and built_from in pdf and "Draft finding" not in pdf


def test_the_board_report_says_which_audits_its_trends_count(two_reported_audits_of_others, other_lead, client, media):
    """The trends page lists the audits behind the grid (the reader's, named; others', counted); the
    board report's grid is built from the same audits and said nothing of them."""
    client.force_login(other_lead)
    page = _words(re.sub(r"<[^>]+>", " ", client.get(reverse("audits:insights_trends")).content.decode()))
    others = "2 reported audits run by others: their agreed findings count, without their names"
    assert others in page and "2017 · My own audit" in page

    pdf = _board_report_words(other_lead)
    assert others in pdf and "2017 · My own audit" in pdf
    assert "another lead" not in pdf and "Hidden" not in pdf


# --- Grades by journey stage: a grade's colour is its place on the scale ---------------------------


def _fills(svg: str) -> dict[str, str]:
    """Each legend entry's label → its swatch colour."""
    return {
        label: fill
        for fill, label in re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*/><text [^>]*>([^<]+)</text>', svg)
    }


def test_a_good_grade_is_never_drawn_in_the_colour_of_inadequate():
    """Police graded everything Outstanding or Good (of a four-step scale): Good is the scale's second
    step, drawn light green as on the Part B heatmap, not red because it is the worst grade given."""
    police = AgencyFactory(name="Police")
    first, second = _audit_with_returns(2015, police, cases=2)
    complete_return(first, ranks=1)
    complete_return(second, ranks=2)
    only_poor = AgencyFactory(name="Health")
    [poor] = _audit_with_returns(2016, only_poor, cases=1)
    complete_return(poor, ranks=[3, 4])
    qa = UserFactory(role="qa_manager", agency=None)

    good = agency_profile(qa, police)
    assert good.grade_labels == ["Outstanding", "Good"]
    assert _fills(stage_distribution_svg(good)) == {"Outstanding": PALETTE[0], "Good": PALETTE[2]}
    poor_profile = agency_profile(qa, only_poor)
    assert poor_profile.grade_labels == ["Requires improvement", "Inadequate"]
    assert _fills(stage_distribution_svg(poor_profile)) == {
        "Requires improvement": PALETTE[4],
        "Inadequate": PALETTE[6],
    }


# --- Theme trends: what the page says its years and counts are --------------------------------------


def test_the_trends_page_says_how_years_and_its_counts_are_made(client, qa_manager):
    """An audit in Part B with no session date yet counts in the year it was created (2024), which
    the rules shown on the page must say; the totals count theme × year cells, not findings: three
    findings of one theme in two years make one 'Area for improvement' and one 'Recurring'."""
    missing = factor("missing-episodes")
    undated = audit_in(2025, status=AuditStatus.PART_B, created_at=_at(dt.date(2024, 10, 1)))
    undated.part_b_date = None
    undated.save()
    tag(undated, FindingKind.THEME, missing)
    tag(undated, FindingKind.AGENCY_IMPROVEMENT, missing, agency=AgencyFactory())
    tag(audit_in(2025), FindingKind.THEME, missing)
    tag(audit_in(2025), FindingKind.KEY_MESSAGE, factor("school-absence"))  # a mention, not a signal

    client.force_login(qa_manager)
    html = client.get(reverse("audits:insights_trends")).content.decode()
    text = _words(re.sub(r"<[^>]+>", " ", html))

    assert 'data-year="2024" data-status="area"' in html and 'data-year="2025" data-status="recurring"' in html
    assert "the year of its Part B session, or the year it was created while it has no session date" in text
    assert "Theme × year cells in each status: Strength : 0 Improving : 0" in text
    assert "Area for improvement : 1 Recurring area for improvement : 1" in text
    assert "no strength or area for improvement of that year's audits is tagged with the theme" in text
    assert "blank when no strength or area for improvement was tagged with it." in text  # the chart's text
    # Improving looks back past years whose only mention is a key message or learning point.
    assert "the latest earlier year with a strength or area for improvement of the theme had an area" in text


def test_the_board_report_counts_as_the_tracker_does(qa_manager, six_recommendations, media):
    """The six recommendations plus one due today and one with no due date: the tracker says 2 of 8
    overdue and 6 open or in progress; the board report 2 overdue, 4 open and not overdue (due today
    and undated among them: not 'not yet due'), 1 complete awaiting closure."""
    cse, _neglect = six_recommendations
    RecommendationFactory(audit=cse, text="due today", due_date=timezone.localdate())
    RecommendationFactory(audit=cse, text="undated", due_date=None)
    tracker = recommendation_tracker(qa_manager)
    assert (len(tracker.items), tracker.total, tracker.overdue, tracker.open) == (8, 8, 2, 6)

    pdf = _board_report_words(qa_manager)
    assert "2 overdue 4 open, not overdue (due today or later, or with no due date) 1 complete, awaiting closure" in pdf
    assert "not yet due" not in pdf


def test_red_amber_green_is_what_the_tracker_and_board_report_say_it_is(client, qa_manager, media):
    """Due yesterday: red (and overdue); today, in 30 days, undated: amber; in 31 days: green; complete
    and closed: green whatever the date. The tracker and the board report now say so."""
    today = timezone.localdate()
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    cases = {
        "yesterday": (-1, RecommendationStatus.OPEN, "red"),
        "today": (0, RecommendationStatus.IN_PROGRESS, "amber"),
        "in 30 days": (30, RecommendationStatus.OPEN, "amber"),
        "undated": (None, RecommendationStatus.OPEN, "amber"),
        "in 31 days": (31, RecommendationStatus.OPEN, "green"),
        "complete late": (-10, RecommendationStatus.COMPLETE, "green"),
    }
    for text, (days, status, _rag) in cases.items():
        due = today + dt.timedelta(days=days) if days is not None else None
        RecommendationFactory(audit=audit, text=text, due_date=due, status=status)
    tracker = recommendation_tracker(qa_manager)
    assert {i.rec.text: (i.rec.rag, i.overdue) for i in tracker.items} == {
        text: (rag, text == "yesterday") for text, (_d, _s, rag) in cases.items()
    }

    rule = "Amber: open or in progress, due today or within 30 days, or with no due date."
    client.force_login(qa_manager)
    page = _words(re.sub(r"<[^>]+>", " ", client.get(reverse("audits:insights_tracker")).content.decode()))
    assert rule in page
    pdf = _board_report_words(qa_manager)
    assert rule in pdf
