"""Opening Part A without a due date (the onboarding review: a new partnership's first plan, saved "as far as
you have it") is not refused, but the QA manager is told: the auditors were told no date, no return is ever
overdue and the daily reminders pass the audit by. Giving the date afterwards e-mails it to the auditors."""

import pytest
from django.contrib.messages import constants

from audits.models import AuditStatus
from audits.tests.factories import make_tool_version
from audits.tests.test_part_a_open_checks import open_part_a, planned

pytestmark = pytest.mark.django_db

NONE = "Part A has no due date: the auditors were told none, no return shows as overdue and no reminders are sent."


def test_opening_part_a_without_a_due_date_warns(client, qa_manager, agency_a, auditor):
    audit = planned(make_tool_version(standards=2, sections=1), [(agency_a, auditor)], slug="no-date")
    audit.part_a_due = None
    audit.save()
    client.force_login(qa_manager)

    said = open_part_a(client, audit)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_A
    [warning] = [str(m) for m in said if m.level == constants.WARNING]
    assert warning.startswith(NONE) and "Part A due, on the audit's Planning page" in warning


def test_the_lead_officer_who_opens_it_is_told_to_ask_a_qa_manager(client, lead_officer, agency_a, auditor):
    """The audit's lead officer opens Part A too, but does not open Planning, where the date is given."""
    audit = planned(make_tool_version(standards=2, sections=1), [(agency_a, auditor)], slug="led-no-date")
    audit.part_a_due = None
    audit.lead_officer = lead_officer
    audit.save()
    client.force_login(lead_officer)

    said = open_part_a(client, audit)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_A
    [warning] = [str(m) for m in said if m.level == constants.WARNING]
    assert warning.startswith(NONE)
    assert "Ask a QA manager to give one in Planning (Part A due, on the audit's Planning page)" in warning


def test_with_a_due_date_nothing_is_said(client, qa_manager, agency_a, auditor):
    audit = planned(make_tool_version(standards=2, sections=1), [(agency_a, auditor)], slug="dated")
    client.force_login(qa_manager)
    said = open_part_a(client, audit)
    assert constants.WARNING not in [m.level for m in said]
