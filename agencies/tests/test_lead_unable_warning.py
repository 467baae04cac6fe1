"""The administrator who deactivates an audit's lead officer (they left), or makes them an administrator, is
told on the page which audits under way (Part A to Reporting) are left without a lead officer who can act on
them, and that the QA managers are being e-mailed to name another: one e-mail an audit, as before.
`audit` (conftest.py, "CSE audit") is in Part A, led by `lead_officer`."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import OutboxMessage, Role
from agencies.tests.test_admin import user_form
from audits.models import AuditStatus
from audits.tests.factories import AuditFactory

pytestmark = pytest.mark.django_db
TASK = "agencies.tasks.notify_lead_unable"


def save(client, person, capture, *, active=True, **fields) -> str:
    form = user_form(person, **fields)
    if not active:
        form.pop("is_active")  # Active unticked
    with capture(execute=True):
        response = client.post(reverse("admin:agencies_user_change", args=[person.pk]), form, follow=True)
    return " ".join(response.content.decode().split())


def test_deactivating_a_lead_officer_names_the_audits_left_without_one(
    signed_in, qa_manager, lead_officer, audit, django_capture_on_commit_callbacks
):
    lead_officer.first_name, lead_officer.last_name = "Leah", "Brooks"
    lead_officer.save()
    AuditFactory(title="Neglect audit", slug="neglect-audit", status=AuditStatus.REPORTING, lead_officer=lead_officer)
    AuditFactory(title="Closed audit", slug="closed-audit", status=AuditStatus.CLOSED, lead_officer=lead_officer)

    html = save(signed_in, lead_officer, django_capture_on_commit_callbacks, active=False)

    assert (
        "Leah Brooks led 2 audits under way and can no longer lead them: “CSE audit”, “Neglect audit”. They now "
        "have no lead officer who can act on them: the QA managers are being e-mailed, one e-mail an audit, to "
        "name another lead officer for each." in html
    )
    assert "Closed audit" not in html
    # The e-mail once an audit, as before the warning.
    assert OutboxMessage.objects.filter(task=TASK).count() == 2
    assert len([m for m in mail.outbox if "needs a new lead officer" in m.subject]) == 2


def test_made_an_administrator_one_audit_and_a_change_that_leaves_them_able_says_nothing(
    signed_in, qa_manager, lead_officer, audit, django_capture_on_commit_callbacks
):
    html = save(signed_in, lead_officer, django_capture_on_commit_callbacks, job_title="Team manager")
    assert "can no longer lead" not in html

    html = save(signed_in, lead_officer, django_capture_on_commit_callbacks, role=Role.ADMINISTRATOR, agency="")
    assert (
        f"{lead_officer} led 1 audit under way and can no longer lead it: “CSE audit”. It now has no lead officer "
        "who can act on it: the QA managers are being e-mailed to name another lead officer."
        in html.replace("&#x27;", "'")
    )
    assert OutboxMessage.objects.filter(task=TASK).count() == 1
