"""Opening Part A tells each agency's named auditor, by e-mail through the outbox: what to do, how many
returns wait for them, by when, and the link to their returns. Nobody who cannot complete them is told.
The audit's lead officer is told too, unless they opened it themselves."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits.models import AuditStatus, PartAReturn
from audits.services.partb import audit_transition
from audits.services.participants import email_lead_part_a_open, email_part_a_open
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(lead_officer, agency_a, agency_b, auditor, other_auditor):
    audit = AuditFactory(
        title="Neglect audit",
        slug="neglect",
        lead_officer=lead_officer,
        status=AuditStatus.PLANNING,
        part_a_due="2027-03-01",
    )
    AuditAgencyFactory(audit=audit, agency=agency_a, auditor=auditor)
    AuditAgencyFactory(audit=audit, agency=agency_b, auditor=other_auditor)
    for n in (1, 2, 3):
        CaseFactory(audit=audit, reference=f"Case {n}", order=n)
    return audit


def test_opening_part_a_emails_each_named_auditor_once_it_is_committed(
    planned, qa_manager, auditor, other_auditor, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=qa_manager, audit=planned, to_status=AuditStatus.PART_A)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [auditor.email, other_auditor.email, planned.lead_officer.email]
    )
    message = next(m for m in mail.outbox if m.to == [auditor.email])
    assert message.subject.endswith("Part A is open: Neglect audit")
    assert "3 returns are waiting for you, due Monday 1 March 2027." in message.body
    assert f"{settings.SITE_URL}{reverse('audits:my_returns')}" in message.body


def test_nothing_is_sent_when_the_move_is_refused(planned, qa_manager, django_capture_on_commit_callbacks):
    planned.cases.all().delete()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        audit_transition(user=qa_manager, audit=planned, to_status=AuditStatus.PART_A)
    assert mail.outbox == []


def test_nobody_is_told_who_cannot_complete_the_returns_or_has_none_left(planned, qa_manager, auditor, other_auditor):
    audit_transition(user=qa_manager, audit=planned, to_status=AuditStatus.PART_A)
    first, second = planned.participants.order_by("pk")
    other_auditor.is_active = False
    other_auditor.save()
    assert email_part_a_open(participant_id=second.pk, auditor_id=other_auditor.pk) is False
    # Replaced before the e-mail went: the one named then is not told.
    assert email_part_a_open(participant_id=first.pk, auditor_id=other_auditor.pk) is False
    # Every return already sent (an audit taken back to Planning and opened again): nothing to ask for.
    PartAReturn.objects.filter(audit=planned, agency=first.agency).update(status="submitted")
    assert email_part_a_open(participant_id=first.pk, auditor_id=auditor.pk) is False
    assert mail.outbox == []


def test_the_lead_officer_is_told_what_opened_and_which_agency_has_no_auditor_able(
    planned, qa_manager, lead_officer, auditor, settings, django_capture_on_commit_callbacks
):
    auditor.is_active = False  # Sussex Police's auditor has left
    auditor.save()
    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=qa_manager, audit=planned, to_status=AuditStatus.PART_A)

    [message] = [m for m in mail.outbox if m.to == [lead_officer.email]]
    assert message.subject.endswith("Part A is open: Neglect audit")
    body = " ".join(message.body.split())
    assert f"Dear {lead_officer.get_full_name()}," in body
    assert "Part A of the audit “Neglect audit”, which you lead, is open." in body
    assert "2 agencies review their records of 3 cases, by Monday 1 March 2027." in body
    assert f"No auditor is able to complete the returns of: {auditor.agency.name}." in body
    assert f"{settings.SITE_URL}{reverse('audits:dashboard', args=[planned.slug])}" in body
    assert "Case 1" not in body  # no case content


def test_the_lead_officer_who_opened_it_or_cannot_read_it_is_not_told(
    planned, lead_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=lead_officer, audit=planned, to_status=AuditStatus.PART_A)
    assert lead_officer.email not in [m.to[0] for m in mail.outbox]

    lead_officer.role = "administrator"  # given the administrator's role since: no case content
    lead_officer.save()
    assert email_lead_part_a_open(audit_id=planned.pk, lead_officer_id=lead_officer.pk) is False
    lead_officer.role = "manager"
    lead_officer.save()
    assert email_lead_part_a_open(audit_id=planned.pk, lead_officer_id=lead_officer.pk + 1000) is False  # replaced
    assert email_lead_part_a_open(audit_id=planned.pk, lead_officer_id=lead_officer.pk) is True
