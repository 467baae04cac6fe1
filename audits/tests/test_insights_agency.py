"""Agency profiles: returns on time / late / missing, grades by journey stage over time, strengths and
areas for improvement over time, each from factory data with known answers; and who sees what."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import AuditStatus, FindingKind, PartAReturn, ReturnStatus
from audits.selectors.insights import agency_profile, profile_agencies
from audits.tests.factories import AuditAgencyFactory, CaseFactory, FindingFactory, make_returns
from audits.tests.insights_support import audit_in
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _audit(year: int, agency, *, cases: int, status=AuditStatus.CLOSED, lead=None, standards: int = 4):
    from audits.tests.factories import make_tool_version

    audit = audit_in(
        year, status=status, lead_officer=lead, tool_version=make_tool_version(standards=standards, sections=2)
    )
    AuditAgencyFactory(audit=audit, agency=agency)
    for i in range(cases):
        CaseFactory(audit=audit, reference=f"Case {i + 1}", order=i)
    make_returns(audit)
    return audit


def _returns(audit, agency):
    return list(PartAReturn.objects.filter(audit=audit, agency=agency).order_by("case__order"))


def test_returns_on_time_late_missing_and_awaited():
    police = AgencyFactory(name="Police")
    closed = _audit(2015, police, cases=4)  # due 1 Feb 2015
    r1, r2, r3, r4 = _returns(closed, police)
    complete_return(r1)
    PartAReturn.objects.filter(pk=r1.pk).update(submitted_at=_at(dt.date(2015, 1, 30)))  # on time
    complete_return(r2)
    PartAReturn.objects.filter(pk=r2.pk).update(submitted_at=_at(dt.date(2015, 2, 1), 23))  # the due day: on time
    complete_return(r3)
    PartAReturn.objects.filter(pk=r3.pk).update(submitted_at=_at(dt.date(2015, 2, 9)))  # late
    # r4 never submitted, and the audit has left Part A: missing.
    open_audit = _audit(2016, police, cases=2, status=AuditStatus.PART_A)  # due 1 Feb 2016
    o1, _o2 = _returns(open_audit, police)
    complete_return(o1)
    PartAReturn.objects.filter(pk=o1.pk).update(submitted_at=_at(dt.date(2016, 2, 3)))  # late
    # _o2 not submitted yet, Part A still open: awaited, not missing.

    profile = agency_profile(UserFactory(role="qa_manager", agency=None), police)

    rows = [(t.audit, t.on_time, t.late, t.missing, t.awaited) for t in profile.timings]
    assert rows == [(closed, 2, 1, 1, 0), (open_audit, 0, 1, 0, 1)]
    totals = profile.totals
    assert (totals.on_time, totals.late, totals.missing, totals.awaited) == (2, 2, 1, 1)


def test_no_due_date_means_submitted_returns_are_on_time():
    police = AgencyFactory(name="Police")
    audit = _audit(2015, police, cases=1)
    audit.part_a_due = None
    audit.save()
    complete_return(_returns(audit, police)[0])
    profile = agency_profile(UserFactory(role="qa_manager", agency=None), police)
    assert (profile.timings[0].on_time, profile.timings[0].late) == (1, 0)


def test_grade_distribution_by_stage_and_year():
    police, other = AgencyFactory(name="Police"), AgencyFactory(name="Health")
    # Tools of 4 standards over 2 stages: Response holds standards 1 and 3, Assessment 2 and 4.
    a2015 = _audit(2015, police, cases=2)
    AuditAgencyFactory(audit=a2015, agency=other)
    make_returns(a2015)
    first, second = _returns(a2015, police)
    # Answers go in the tool's order (Response R1, R3, then Assessment A2, A4), ranks cycling.
    complete_return(first, ranks=[1, 2, 3, 4])  # Response: 1, 2; Assessment: 3, 4
    complete_return(second, ranks=2)  # all Good
    for ret in _returns(a2015, other):
        complete_return(ret, ranks=4)  # another agency's grades are not this agency's
    a2017 = _audit(2017, police, cases=2)
    done, no_involvement = _returns(a2017, police)
    complete_return(done, ranks=[4, 3])  # Response: 4, 3; Assessment: 4, 3
    complete_return(no_involvement, ranks=1)
    PartAReturn.objects.filter(pk=no_involvement.pk).update(no_involvement=True)  # not counted
    draft = _returns(_audit(2016, police, cases=1), police)[0]
    complete_return(draft, ranks=1, status=ReturnStatus.DRAFT)  # not received: not counted

    profile = agency_profile(UserFactory(role="qa_manager", agency=None), police)

    assert profile.grade_labels == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert profile.years == [2015, 2016, 2017]
    stages = {s.stage: s.rows for s in profile.stages}
    assert list(stages) == ["Response", "Assessment"]
    assert stages["Response"] == [(2015, [1, 3, 0, 0], 4), (2017, [0, 0, 1, 1], 2)]
    assert stages["Assessment"] == [(2015, [0, 2, 1, 1], 4), (2017, [0, 0, 1, 1], 2)]
    assert profile.graded == 12


def test_findings_over_time_and_what_agency_staff_see():
    police = AgencyFactory(name="Police")
    closed = _audit(2015, police, cases=1)
    in_part_b = _audit(2017, police, cases=1, status=AuditStatus.PART_B)
    FindingFactory(audit=closed, kind=FindingKind.AGENCY_STRENGTH, agency=police, heading="Prompt referrals")
    FindingFactory(audit=closed, kind=FindingKind.AGENCY_IMPROVEMENT, agency=police, heading="Record the voice")
    FindingFactory(audit=closed, kind=FindingKind.STRENGTH, heading="Not an agency finding")
    FindingFactory(audit=in_part_b, kind=FindingKind.AGENCY_IMPROVEMENT, agency=police, heading="Draft in Part B")

    qa = agency_profile(UserFactory(role="qa_manager", agency=None), police)
    staff = agency_profile(UserFactory(agency=police), police)

    assert [(y, sorted(f.heading for f in items)) for y, items in qa.findings] == [
        (2015, ["Prompt referrals", "Record the voice"]),
        (2017, ["Draft in Part B"]),
    ]
    # Agency staff see the findings the Part B group has agreed (Reporting or Closed) only.
    assert [(y, len(items)) for y, items in staff.findings] == [(2015, 2)]
    assert staff.findings_hidden == 1


def test_lead_officers_see_the_agencies_of_their_audits_built_from_their_audits_only():
    police = AgencyFactory(name="Police")
    lead = UserFactory(agency=AgencyFactory(name="Lead's agency"), role="manager")
    mine = _audit(2015, police, cases=1, lead=lead)
    _audit(2016, police, cases=2)
    # Their own agency's profile too (agency staff see their own), even with no audit behind it.
    assert set(profile_agencies(lead)) == {police, lead.agency}
    profile = agency_profile(lead, police)
    assert [t.audit for t in profile.timings] == [mine]


def test_profile_page(client, qa_manager):
    police = AgencyFactory(name="Police")
    audit = _audit(2015, police, cases=2)
    for ret in _returns(audit, police):
        complete_return(ret, ranks=[1, 2])
    client.force_login(qa_manager)

    response = client.get(reverse("audits:insights_agency", args=[police.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="stages-svg" role="img"' in html and "<desc" in html
    assert 'data-testid="stage-table"' in html and 'data-testid="timing-table"' in html
    assert AccessRecord.objects.filter(
        action=AccessAction.VIEW, object_type="agencies.agency", object_id=str(police.pk)
    ).exists()


def test_agencies_only_in_cancelled_audits_are_not_listed(client, qa_manager):
    # As the profile itself (and trends, the tracker): a cancelled audit did not go ahead, so an agency
    # that only took part in cancelled audits has nothing to show and is not offered.
    police = AgencyFactory(name="Police")
    health = AgencyFactory(name="Health")
    lead = UserFactory(agency=AgencyFactory(name="Lead's agency"), role="manager")
    _audit(2015, police, cases=1, lead=lead)
    cancelled = _audit(2016, health, cases=1, status=AuditStatus.CANCELLED, lead=lead)
    AuditAgencyFactory(audit=cancelled, agency=police)

    assert set(profile_agencies(qa_manager)) == {police}
    assert set(profile_agencies(lead)) == {police, lead.agency}
    client.force_login(qa_manager)
    page = client.get(reverse("audits:insights_agencies")).content.decode()
    assert "Police" in page
    assert "Health" not in page
    assert client.get(reverse("audits:insights_agency", args=[health.pk])).status_code == 404
