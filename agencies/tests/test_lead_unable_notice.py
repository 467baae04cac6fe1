"""An administrator who deactivates an audit's lead officer (they left), or makes them an administrator, while
the audit is under way (Part A to Reporting): the QA managers, who still run it, are e-mailed once an audit
with the link to its plan to name another lead officer. Through the real outbox and run_once code, with
Django's test mail outbox. `audit` (conftest.py, "CSE audit") is in Part A, led by `lead_officer`."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import OutboxMessage, Role
from agencies.tests.factories import QAManagerFactory
from agencies.tests.test_admin import user_form
from audits.models import Audit, AuditStatus
from audits.services.participants import email_lead_unable
from audits.tests.factories import AuditFactory

pytestmark = pytest.mark.django_db
TASK = "agencies.tasks.notify_lead_unable"


def notices() -> list:
    return [m for m in mail.outbox if "needs a new lead officer" in m.subject]


def test_deactivating_a_lead_officer_tells_the_qa_managers(
    signed_in, qa_manager, lead_officer, audit, settings, django_capture_on_commit_callbacks
):
    lead_officer.first_name, lead_officer.last_name = "Leah", "Brooks"
    lead_officer.save()
    left = QAManagerFactory(email="left@example.org", is_active=False)  # not told: no longer a QA manager
    reporting = AuditFactory(title="Neglect audit", status=AuditStatus.REPORTING, lead_officer=lead_officer)
    AuditFactory(title="Closed audit", status=AuditStatus.CLOSED, lead_officer=lead_officer)  # over: not told
    form = user_form(lead_officer)
    form.pop("is_active")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[lead_officer.pk]), form, follow=True)

    told = notices()
    assert [m.subject.split(": ", 1)[1] for m in told] == [
        "The audit needs a new lead officer: CSE audit",
        "The audit needs a new lead officer: Neglect audit",
    ]
    assert all(m.to == [qa_manager.email] for m in told) and left.email not in str([m.to for m in told])
    body = " ".join(told[0].body.split())
    assert (
        "The audit “CSE audit” needs a new lead officer: Leah Brooks, who leads it, can no longer do so (their "
        "account was deactivated). It is at the Part A open stage. Its work is kept, and the QA managers run it "
        "meanwhile." in body
    )
    assert f"{settings.SITE_URL}{reverse('admin:audits_audit_change', args=[audit.pk])}" in told[0].body
    assert "Case 1" not in told[0].body  # no case content
    assert f"{settings.SITE_URL}{reverse('admin:audits_audit_change', args=[reporting.pk])}" in told[1].body
    assert OutboxMessage.objects.filter(task=TASK, done_at__isnull=False).count() == 2


def test_made_an_administrator_and_not_sent_once_another_is_named(
    signed_in, qa_manager, lead_officer, other_lead, audit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet sent
        signed_in.post(
            reverse("admin:agencies_user_change", args=[lead_officer.pk]),
            user_form(lead_officer, role=Role.ADMINISTRATOR, agency=""),
            follow=True,
        )
    assert OutboxMessage.objects.filter(task=TASK).count() == 1
    assert email_lead_unable(audit_id=audit.pk, lead_id=lead_officer.pk)
    assert "(their role changed to Administrator)" in " ".join(notices()[0].body.split())

    Audit.objects.filter(pk=audit.pk).update(lead_officer=other_lead)  # named meanwhile: nothing more to say
    assert not email_lead_unable(audit_id=audit.pk, lead_id=lead_officer.pk)
    assert len(notices()) == 1
