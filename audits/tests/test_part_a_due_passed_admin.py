"""Part A's due date changed in Administration, while Part A is open, to a day already gone by (by the
local date): saved, as an audit recorded after the event has past dates, but the person saving is told
so, since every return not yet submitted is overdue at once (a year typed wrong, say)."""

import datetime as dt

import pytest
from django.contrib.messages import constants, get_messages
from django.utils import timezone

from audits.models import Audit, AuditStatus
from audits.tests.test_plan_change_emails import admin_save, at

pytestmark = pytest.mark.django_db

PASSED = "Part A's due date, 30 June 2026, has already passed: every return not yet submitted shows as overdue"


def warnings(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == constants.WARNING]


def test_a_due_date_moved_to_a_day_gone_by_is_saved_and_said(
    client, audit, qa_manager, monkeypatch, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=dt.date(2026, 7, 14), part_b_date=dt.date(2026, 7, 28))
    # 00:30 BST on 1 July 2026 (23:30 UTC on 30 June): in London, 30 June has gone by.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))

    response = admin_save(
        client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=dt.date(2026, 6, 30)
    )

    assert Audit.objects.get(pk=audit.pk).part_a_due == dt.date(2026, 6, 30)
    [warning] = warnings(response)
    assert warning.startswith(PASSED) and warning.endswith("If that is not meant, change it again.")

    # Saved again for something else, with that date left as it is: said once, not at every save.
    response = admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, title="CSE audit 2")
    assert warnings(response) == []
    # Moved to today, 1 July (the local date): still to come until midnight, nothing to say.
    response = admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=dt.date(2026, 7, 1))
    assert Audit.objects.get(pk=audit.pk).part_a_due == dt.date(2026, 7, 1)
    assert warnings(response) == []
