"""The retention purge run twice (beat fires twice around a restart; the command run by hand while
beat's run is under way): both listed the same expired audit; the second finds it purged once it
has its lock, and does nothing — no second access record claiming it removed the same texts."""

import pytest
from django.db import connection

from agencies.models import AccessRecord, Partnership
from audits.services.retention import audit_purge_case_detail, audits_expired
from audits.tests.test_retention import closed_audit  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_a_second_run_leaves_an_audit_purged_meanwhile_alone(closed_audit):  # noqa: F811
    assert connection.vendor == "postgresql"
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    first_run, second_run = audits_expired(), audits_expired()
    assert [a.pk for a in first_run] == [a.pk for a in second_run] == [closed_audit.pk]

    done = audit_purge_case_detail(audit=first_run[0])
    assert done.returns == 4
    closed_audit.refresh_from_db()
    purged_at = closed_audit.purged_at

    again = audit_purge_case_detail(audit=second_run[0])  # its copy still says "not purged"
    assert (again.returns, again.answers, again.judgements, again.briefing_versions) == (0, 0, 0, 0)
    closed_audit.refresh_from_db()
    assert closed_audit.purged_at == purged_at
    assert AccessRecord.objects.filter(action="purge", object_id=str(closed_audit.pk)).count() == 1
