"""Opening Part A with its due date already gone by is not refused (an audit recorded after the event
has past dates), but the QA manager is told so, by the local date: the auditors were just e-mailed that
their returns are due on a day gone by, and every return shows as overdue at once."""

import datetime as dt

import pytest
from django.contrib.messages import constants
from django.utils import timezone

from audits.models import AuditStatus
from audits.tests.factories import make_tool_version
from audits.tests.test_part_a_open_checks import open_part_a, planned

pytestmark = pytest.mark.django_db

PASSED = "Part A's due date, 30 June 2026, has already passed"


def test_opening_part_a_after_its_local_due_date_warns(client, qa_manager, agency_a, auditor, monkeypatch):
    version = make_tool_version(standards=2, sections=1)
    on_the_day, day_after = (
        planned(version, [(agency_a, auditor)], slug=slug) for slug in ("on-the-day", "the-day-after")
    )
    for audit in (on_the_day, day_after):
        audit.part_a_due = dt.date(2026, 6, 30)
        audit.save()
    client.force_login(qa_manager)

    # 23:30 BST on 30 June 2026: the due day itself, nothing to say.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC))
    said = open_part_a(client, on_the_day)
    on_the_day.refresh_from_db()
    assert on_the_day.status == AuditStatus.PART_A
    assert constants.WARNING not in [m.level for m in said]

    # 00:30 BST on 1 July 2026 (23:30 UTC on 30 June): in London, 30 June has gone by.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))
    said = open_part_a(client, day_after)
    day_after.refresh_from_db()
    assert day_after.status == AuditStatus.PART_A
    [warning] = [str(m) for m in said if m.level == constants.WARNING]
    assert warning.startswith(PASSED + ": the auditors were told their returns are due then")
    # Named as the QA manager's menu names it: Planning, not "Administration", which is the administrator's.
    assert "change Part A's due date in Planning (Part A due, on the audit's Planning page)" in warning
    assert "Administration" not in warning


def test_the_lead_officer_who_opens_it_is_told_to_ask_a_qa_manager(client, lead_officer, agency_a, auditor):
    """The audit's lead officer opens Part A too, but does not open Planning: they are told who changes it."""
    audit = planned(make_tool_version(standards=2, sections=1), [(agency_a, auditor)], slug="led")
    audit.part_a_due = timezone.localdate() - dt.timedelta(days=1)
    audit.lead_officer = lead_officer
    audit.save()
    client.force_login(lead_officer)

    said = open_part_a(client, audit)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_A
    [warning] = [str(m) for m in said if m.level == constants.WARNING]
    assert "has already passed" in warning
    assert "ask a QA manager to change Part A's due date in Planning" in warning
    assert "Administration" not in warning
