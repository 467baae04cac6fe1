"""The migration that adds Attendance.attendee fills it for the attendance already recorded, with the
name of the participant's auditor then (the best the database knows): their full name, or their username
when the account has no name; blank for an agency with no auditor named. Run with the models as the
migrations see them (their historical state)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import PartBSession
from audits.tests.factories import AuditAgencyFactory, AuditFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("audits", "0018_insight_report_findings_audit_ids")
AFTER = ("audits", "0019_attendance_records_who_attended")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection).loader.project_state(target).apps if target else None


def test_existing_attendance_is_filled_with_the_auditors_name():
    apps = migrate(BEFORE)
    try:
        # The other tables are as they are now: the people, agencies and audit made with the factories.
        Attendance = apps.get_model("audits", "Attendance")
        audit = AuditFactory(status="closed")
        session = PartBSession.objects.create(audit=audit)
        named = UserFactory(username="ann.lee", first_name="Ann", last_name="O'Lee")
        unnamed = UserFactory(username="bo.li", first_name="", last_name="")
        rows = {}
        for n, auditor in enumerate((named, unnamed, None)):
            participant = AuditAgencyFactory(audit=audit, agency=AgencyFactory(), auditor=auditor)
            rows[n] = Attendance.objects.create(
                session_id=session.pk, participant_id=participant.pk, status="present"
            ).pk

        apps = migrate(AFTER)

        Attendance = apps.get_model("audits", "Attendance")
        assert dict(Attendance.objects.values_list("pk", "attendee")) == {
            rows[0]: "Ann O'Lee",
            rows[1]: "bo.li",
            rows[2]: "",
        }
    finally:
        migrate(None)
