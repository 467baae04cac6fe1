"""What else the retention purge removes (on PostgreSQL, as in production): the Part B session's notes,
which are about the cases discussed."""

import pytest
from django.core.management import call_command
from django.db import connection

from agencies.models import AccessRecord, Partnership
from audits.models import PartBSession
from audits.services.retention import audit_purge_case_detail
from audits.tests.test_retention import closed_audit  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def retention(db):
    assert connection.vendor == "postgresql"
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})


def test_the_purge_clears_the_session_notes_and_counts_them(closed_audit):  # noqa: F811
    PartBSession.objects.create(
        audit=closed_audit, venue="Room 4", chair="Dr Shah", notes="Case 2: mother's new partner not checked."
    )
    result = audit_purge_case_detail(audit=closed_audit)
    session = PartBSession.objects.get(audit=closed_audit)
    assert (session.notes, session.venue, session.chair) == ("", "Room 4", "Dr Shah")
    assert result.session_notes == 1
    record = AccessRecord.objects.get(action="purge", object_id=str(closed_audit.pk))
    assert "the Part B session's notes" in record.summary


def test_the_command_says_how_many_session_notes_it_cleared(closed_audit, capsys):  # noqa: F811
    PartBSession.objects.create(audit=closed_audit, notes="Case 1 discussed at length.")
    call_command("purge_expired")
    assert "1 Part B session notes" in capsys.readouterr().out
