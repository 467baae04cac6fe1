"""Theme trends: the classification rules, the table built from factory data, the theme filter, and the
alert on an audit's findings page when an area for improvement has come back."""

import pytest
from django.urls import reverse

from agencies.tests.factories import AgencyFactory
from audits.models import AuditStatus, FindingKind
from audits.selectors.insights import (
    AREA,
    IMPROVING,
    MIXED,
    RECURRING,
    STRENGTH,
    Signal,
    classify,
    recurring_for_audit,
    theme_trends,
)
from audits.tests.factories import AuditAgencyFactory
from audits.tests.insights_support import audit_in, factor, tag

A, S, B = Signal(area=True), Signal(strength=True), Signal(area=True, strength=True)


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        ({2015: A}, {2015: AREA}),
        ({2015: S}, {2015: STRENGTH}),
        ({2015: B}, {2015: MIXED}),
        ({2015: A, 2016: A}, {2015: AREA, 2016: RECURRING}),
        # A gap year without any mention does not break the chain: nothing was a strength in between.
        ({2015: A, 2017: A}, {2015: AREA, 2017: RECURRING}),
        # A strength in between breaks it: the area for improvement is back, not recurring.
        ({2015: A, 2016: S, 2017: A}, {2015: AREA, 2016: IMPROVING, 2017: AREA}),
        ({2015: A, 2016: S, 2017: S}, {2015: AREA, 2016: IMPROVING, 2017: STRENGTH}),
        ({2015: S, 2016: A}, {2015: STRENGTH, 2016: AREA}),
        # Both in the earlier year: it was still an area for improvement then, and nothing lies between.
        ({2015: B, 2016: A}, {2015: MIXED, 2016: RECURRING}),
        ({2015: A, 2016: B}, {2015: AREA, 2016: RECURRING}),
        ({2015: B, 2016: S}, {2015: MIXED, 2016: IMPROVING}),
        ({2015: A, 2016: A, 2017: A}, {2015: AREA, 2016: RECURRING, 2017: RECURRING}),
        ({2015: Signal(), 2016: A}, {2016: AREA}),
    ],
)
def test_classify(signals, expected):
    assert classify(signals) == expected


@pytest.mark.django_db
def test_theme_trends_from_findings(qa_manager):
    missing, school, drugs = factor("missing-episodes"), factor("school-absence"), factor("drug-misuse")
    police = AgencyFactory(name="Police")
    a2015, a2016, a2017 = audit_in(2015), audit_in(2016), audit_in(2017)
    AuditAgencyFactory(audit=a2016, agency=police)
    # Missing episodes: a theme in 2015 and again (as an agency area for improvement) in 2017.
    tag(a2015, FindingKind.THEME, missing)
    tag(a2017, FindingKind.AGENCY_IMPROVEMENT, missing, agency=police)
    # School absence: a theme in 2015, an overall strength in 2016.
    tag(a2015, FindingKind.THEME, school)
    tag(a2016, FindingKind.STRENGTH, school)
    # Drug misuse: an agency strength in 2016 only. Learning points and key messages are not signals.
    tag(a2016, FindingKind.AGENCY_STRENGTH, drugs, agency=police)
    tag(a2017, FindingKind.LEARNING_POINT, drugs)
    tag(a2017, FindingKind.KEY_MESSAGE, school)

    trends = theme_trends(user=qa_manager)

    assert trends.years == [2015, 2016, 2017]
    table = {row.risk_factor.slug: [c.status for c in row.cells] for row in trends.rows}
    assert table == {
        "drug-misuse": [None, STRENGTH, None],
        "missing-episodes": [AREA, None, RECURRING],
        "school-absence": [AREA, IMPROVING, None],
    }
    assert trends.count(RECURRING) == 1 and trends.count(AREA) == 2
    missing_row = next(r for r in trends.rows if r.risk_factor == missing)
    evidence = missing_row.cells[2].evidence
    assert [(e.audit, e.kind, e.agency) for e in evidence] == [(a2017, FindingKind.AGENCY_IMPROVEMENT, "Police")]


@pytest.mark.django_db
def test_two_audits_in_one_year_count_as_one_year(qa_manager):
    missing = factor("missing-episodes")
    tag(audit_in(2016), FindingKind.THEME, missing)
    tag(audit_in(2016), FindingKind.THEME, missing)
    trends = theme_trends(user=qa_manager)
    assert trends.years == [2016]
    assert [c.status for c in trends.rows[0].cells] == [AREA]
    assert len(trends.rows[0].cells[0].evidence) == 2


@pytest.mark.django_db
def test_filter_by_theme_of_audit(qa_manager):
    missing = factor("missing-episodes")
    cse = audit_in(2015, theme_slug="cse")
    neglect = audit_in(2016, theme_slug="neglect")
    tag(cse, FindingKind.THEME, missing)
    tag(neglect, FindingKind.THEME, missing)

    assert [c.status for c in theme_trends(user=qa_manager).rows[0].cells] == [AREA, RECURRING]
    only_neglect = theme_trends(user=qa_manager, theme=neglect.theme)
    assert only_neglect.years == [2016]
    assert [c.status for c in only_neglect.rows[0].cells] == [AREA]


@pytest.mark.django_db
def test_recurring_alert_names_the_earlier_audits(qa_manager):
    missing, school = factor("missing-episodes"), factor("school-absence")
    first = audit_in(2015, title="CSE audit 2015")
    second = audit_in(2016, title="CSE audit 2016")
    now = audit_in(2017, status=AuditStatus.PART_B)
    tag(first, FindingKind.THEME, missing)
    tag(second, FindingKind.THEME, missing)
    tag(first, FindingKind.THEME, school)
    tag(second, FindingKind.STRENGTH, school)  # school absence improved in between: not recurring
    tag(now, FindingKind.THEME, missing, school)

    alerts = recurring_for_audit(now, qa_manager)

    assert [(a.risk_factor, a.earlier) for a in alerts] == [
        (missing, [(2015, ["CSE audit 2015"]), (2016, ["CSE audit 2016"])])
    ]
    assert recurring_for_audit(first, qa_manager) == []


@pytest.mark.django_db
def test_findings_page_shows_the_alert(client, qa_manager):
    missing = factor("missing-episodes")
    tag(audit_in(2015, title="CSE audit 2015"), FindingKind.THEME, missing)
    now = audit_in(2017, status=AuditStatus.PART_B)
    client.force_login(qa_manager)
    url = reverse("audits:findings", args=[now.slug])

    assert 'data-testid="recurring-alert"' not in client.get(url).content.decode()

    tag(now, FindingKind.AGENCY_IMPROVEMENT, missing, agency=AgencyFactory())
    html = client.get(url).content.decode()
    assert 'data-testid="recurring-alert"' in html
    assert "Missing episodes" in html and "CSE audit 2015" in html


@pytest.mark.django_db
def test_trends_page_table_and_chart(client, qa_manager):
    missing = factor("missing-episodes")
    tag(audit_in(2015), FindingKind.THEME, missing)
    tag(audit_in(2016), FindingKind.THEME, missing)
    client.force_login(qa_manager)

    html = client.get(reverse("audits:insights_trends")).content.decode()

    assert '<svg xmlns="http://www.w3.org/2000/svg" class="trends-svg" role="img"' in html
    assert "<desc" in html and "Recurring: Missing episodes." in html
    assert 'data-year="2016" data-status="recurring"' in html
    assert "Recurring area for improvement" in html


@pytest.mark.django_db
def test_theme_filter_on_the_page(client, qa_manager):
    missing = factor("missing-episodes")
    cse, neglect = audit_in(2015), audit_in(2016, theme_slug="neglect")
    tag(cse, FindingKind.THEME, missing)
    tag(neglect, FindingKind.THEME, missing)
    client.force_login(qa_manager)
    html = client.get(reverse("audits:insights_trends"), {"theme": neglect.theme_id}).content.decode()
    assert 'data-year="2016" data-status="area"' in html
    assert 'data-year="2015"' not in html


@pytest.fixture
def others_audits(other_lead):
    """other_lead runs a 2017 audit in Part B. Two audits run by someone else tag the same theme: one
    reported in 2015 (its findings agreed), one still in Part B in 2016 (not agreed yet)."""
    missing = factor("missing-episodes")
    hidden = AgencyFactory(name="Hidden Agency")
    reported = audit_in(2015, title="Reported audit of another lead", status=AuditStatus.REPORTING)
    tag(reported, FindingKind.AGENCY_IMPROVEMENT, missing, agency=hidden, heading="Return home interviews late")
    unagreed = audit_in(2016, title="Unagreed audit of another lead", status=AuditStatus.PART_B)
    tag(unagreed, FindingKind.STRENGTH, missing, heading="Draft strength")
    own = audit_in(2017, title="My own audit", status=AuditStatus.PART_B, lead_officer=other_lead)
    tag(own, FindingKind.THEME, missing, heading="Missing episodes again")
    return own


@pytest.mark.django_db
def test_a_lead_officer_sees_others_audits_only_once_agreed_and_unnamed(others_audits, other_lead):
    trends = theme_trends(user=other_lead)

    # The 2016 strength is not agreed yet: it does not break the chain, so 2017 recurs after 2015.
    assert trends.years == [2015, 2017]
    cells = trends.rows[0].cells
    assert [c.status for c in cells] == [AREA, RECURRING]
    [theirs] = cells[0].evidence
    assert (theirs.audit, theirs.finding_id, theirs.text, theirs.agency) == (None, 0, "", "")
    assert theirs.kind == FindingKind.AGENCY_IMPROVEMENT
    assert [e.audit for e in cells[1].evidence] == [others_audits]
    assert trends.audits == [others_audits] and trends.others == 1


@pytest.mark.django_db
def test_the_trends_page_names_no_audit_or_agency_a_lead_officer_does_not_run(
    client, others_audits, other_lead, qa_manager
):
    client.force_login(other_lead)
    html = client.get(reverse("audits:insights_trends")).content.decode()

    assert "My own audit" in html and "an audit run by someone else" in html
    for hidden in ("Reported audit of another lead", "Unagreed audit of another lead", "Hidden Agency", "Return home"):
        assert hidden not in html, hidden
    assert 'data-year="2016"' not in html
    assert 'data-testid="trend-others"' in html

    client.force_login(qa_manager)  # runs every audit: everything, named
    html = client.get(reverse("audits:insights_trends")).content.decode()
    for named in ("Reported audit of another lead", "Unagreed audit of another lead", "Hidden Agency"):
        assert named in html, named
    assert 'data-year="2016" data-status="improving"' in html


@pytest.mark.django_db
def test_the_recurring_alert_does_not_name_an_audit_the_lead_officer_does_not_run(
    client, others_audits, other_lead, qa_manager
):
    [alert] = recurring_for_audit(others_audits, other_lead)
    assert alert.earlier == [(2015, ["an audit run by someone else"])]
    # The QA manager runs the 2016 audit too: its strength counts for them and breaks the chain.
    assert recurring_for_audit(others_audits, qa_manager) == []

    client.force_login(other_lead)
    html = client.get(reverse("audits:findings", args=[others_audits.slug])).content.decode()
    assert 'data-testid="recurring-alert"' in html
    assert "an audit run by someone else" in html and "Reported audit of another lead" not in html
