"""The figures the insights pages and their PDFs show, each checked against a small world worked out
on paper: returns on time / late / missing, the tracker's totals, anonymised counts of other people's
audits, the grades chart's colours, and the agency PDF against its page."""

import datetime as dt

import pytest
from django.utils import timezone

from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import (
    AuditStatus,
    PartAReturn,
    ReturnStatus,
)
from audits.selectors.insights import agency_profile
from audits.tests.factories import AuditAgencyFactory, CaseFactory, make_returns
from audits.tests.insights_support import audit_in
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
