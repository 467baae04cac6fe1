"""A named auditor who leaves in the middle of Part A (their account deactivated, moved to another agency):
the QA manager who opens the audit's plan in Planning, where the agencies and their auditors were set, finds
them read-only there now. The plan says which agency's auditor can no longer complete its returns and links
to where another is named (Change auditor, on the audit's page), instead of showing the person as if nothing
had happened with no word of where to change them.

`audit` (conftest.py, "CSE audit") is in Part A: Sussex Police named `auditor`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import User
from audits.models import Audit, AuditStatus
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db


def plan(client, qa_manager, audit):
    client.force_login(qa_manager)
    response = client.get(reverse("admin:audits_audit_change", args=[audit.pk]))
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("status", [AuditStatus.PART_A, AuditStatus.PART_B])
def test_a_deactivated_auditor_is_named_with_a_link_to_change_them(client, qa_manager, audit, auditor, status):
    Audit.objects.filter(pk=audit.pk).update(status=status)
    User.objects.filter(pk=auditor.pk).update(is_active=False)

    response = plan(client, qa_manager, audit)

    text = page_text(response)
    assert f"Sussex Police: {auditor}'s account is not active" in text
    change = reverse("audits:participant_auditor", args=[audit.slug, auditor.agency_id])
    assert f'href="{change}"' in response.content.decode()
    assert "Change the auditor for Sussex Police" in text
    assert "read-only here once Part A is open: another auditor is named" in text


def test_with_every_auditor_able_the_plan_still_says_where_an_auditor_is_changed(client, qa_manager, audit):
    response = plan(client, qa_manager, audit)

    text = page_text(response)
    assert "no longer" not in text
    assert "The audit's stage moves on <a" in text  # test_planning_next_step_links
    assert "an agency's auditor is changed there too (Change auditor)" in text


@pytest.mark.parametrize("status", [AuditStatus.REPORTING, AuditStatus.CLOSED])
def test_after_part_b_nothing_is_said_of_changing_an_auditor(client, qa_manager, audit, auditor, status):
    Audit.objects.filter(pk=audit.pk).update(status=status)
    User.objects.filter(pk=auditor.pk).update(is_active=False)

    text = page_text(plan(client, qa_manager, audit))

    assert "Change auditor" not in text and "account is not active" not in text
