"""An audit's lead officer who leaves (their account deactivated) or is made an administrator mid-audit: the
QA managers, who still run the audit, are shown it on the audit's page and in the list of audits, with the
way to name another lead officer in the plan; once another is named, it is no longer said."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Role
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import Audit, AuditStatus
from audits.tests.admin_support import admin_form_data
from audits.tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize("left", ["deactivated", "administrator"])
def test_the_qa_manager_is_shown_the_lead_officer_left_and_names_another(client, audit, qa_manager, lead_officer, left):
    if left == "deactivated":
        lead_officer.is_active = False
        reason = escape(f"{lead_officer}'s account is not active")
    else:
        lead_officer.role, lead_officer.agency = Role.ADMINISTRATOR, None
        reason = escape(f"{lead_officer} is now an administrator, with no access to case content")
    lead_officer.save()
    plan = reverse("admin:audits_audit_change", args=[audit.pk])
    closed = AuditFactory(status=AuditStatus.CLOSED, lead_officer=lead_officer)  # led to its end: nothing to say

    dashboard = page(client, qa_manager, reverse("audits:dashboard", args=[audit.slug]))
    assert f"{reason}, so cannot lead this audit any more: its work is kept, and the QA managers run it." in dashboard
    assert f'<a href="{plan}">Name another lead officer in the plan</a>' in dashboard
    listed = page(client, qa_manager, reverse("audits:audit_list"))
    assert f"{reason}: name another lead officer" in listed
    assert "cannot lead" not in page(client, qa_manager, reverse("audits:dashboard", args=[closed.slug]))

    # The link's page names another (past Planning the lead officer stays editable there).
    successor = UserFactory(agency=audit.participants.first().agency)
    data = admin_form_data(client, plan)
    data["lead_officer"] = successor.pk
    assert client.post(plan, data).status_code == 302
    assert Audit.objects.get(pk=audit.pk).lead_officer == successor
    assert "cannot lead this audit" not in page(client, qa_manager, reverse("audits:dashboard", args=[audit.slug]))
    assert "name another lead officer" not in page(client, qa_manager, reverse("audits:audit_list"))


def test_the_plan_says_the_lead_officer_left(client, audit, qa_manager, lead_officer):
    lead_officer.is_active = False
    lead_officer.save()
    plan = page(client, qa_manager, reverse("admin:audits_audit_change", args=[audit.pk]))
    assert escape(f"The lead officer named: {lead_officer}'s account is not active, so they cannot lead") in plan
    assert "saved as it is, the plan keeps them named, and the audit has nobody able to lead it." in plan


@pytest.mark.parametrize("status", [AuditStatus.CLOSED, AuditStatus.CANCELLED])
def test_a_closed_or_cancelled_audits_plan_does_not_ask_for_another_lead_officer(
    client, audit, qa_manager, lead_officer, status
):
    """Its plan is read-only (no Save button): nothing to choose, and nobody to lead it any more."""
    Audit.objects.filter(pk=audit.pk).update(status=status)
    lead_officer.is_active = False
    lead_officer.save()
    plan = page(client, qa_manager, reverse("admin:audits_audit_change", args=[audit.pk]))
    assert 'data-testid="lead-unable"' not in plan
    assert "Choose another lead officer" not in plan


def test_the_plan_in_planning_names_the_agencies_whose_auditor_left(client, qa_manager, audit, auditor, other_auditor):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLANNING)
    auditor.is_active = False
    auditor.save()
    other_auditor.agency = AgencyFactory(name="Moved to")
    other_auditor.save()
    plan = page(client, qa_manager, reverse("admin:audits_audit_change", args=[audit.pk]))
    police, social_care = auditor.agency.name, audit.participants.get(auditor=other_auditor).agency.name
    assert (
        escape(
            f"{social_care}: {other_auditor} no longer works for {social_care}; {police}: {auditor}'s account is not active."
        )
        in plan
    )  # by agency name
    assert "choose another auditor for each before Part A is opened" in plan
