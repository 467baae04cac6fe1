"""The e-mail that an audit was cancelled goes to its named auditors who can still act for their agency: not
to one who has since moved to another agency, been deactivated (left) or been given a role that cannot
audit. The reason given is free text, which may say something of the cases."""

from __future__ import annotations

import pytest
from django.core import mail

from agencies.models import Role
from agencies.tests.factories import AgencyFactory
from audits.services.partb import audit_cancel

pytestmark = pytest.mark.django_db

REASON = "Overtaken by the rapid review of Case 1's family"


def cancel(audit, user, capture) -> None:
    with capture(execute=True):
        audit_cancel(user=user, audit=audit, reason=REASON)


@pytest.mark.parametrize("left", ["moved", "deactivated", "qa_manager"])
def test_a_named_auditor_who_can_no_longer_act_is_not_told_the_reason(
    audit, qa_manager, auditor, other_auditor, lead_officer, django_capture_on_commit_callbacks, left
):
    if left == "moved":
        auditor.agency = AgencyFactory(name="Moved to")
    elif left == "deactivated":
        auditor.is_active = False
    else:
        auditor.role, auditor.agency = Role.QA_MANAGER, None
    auditor.save()
    cancel(audit, qa_manager, django_capture_on_commit_callbacks)
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted([other_auditor.email, lead_officer.email])  # the others still told, with the reason
    assert all(REASON in m.body for m in mail.outbox)


def test_a_moved_auditor_still_named_for_the_agency_they_now_work_for_is_told(
    audit, qa_manager, auditor, agency_b, django_capture_on_commit_callbacks
):
    # Moved to agency B, and named B's auditor too: still told, once, as B's.
    audit.participants.filter(agency=agency_b).update(auditor=auditor)
    auditor.agency = agency_b
    auditor.save()
    cancel(audit, qa_manager, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox].count([auditor.email]) == 1


def test_the_qa_managers_are_told_when_the_lead_officer_cancels_it(
    audit, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    cancel(audit, lead_officer, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox].count([qa_manager.email]) == 1
