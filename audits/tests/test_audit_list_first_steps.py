"""A new partnership's QA manager opens Audits before there is any audit (the onboarding review): the
empty list says how to plan the first one, in order, and links to each step, instead of only 'There are
no audits for you yet.'."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db


def test_a_qa_manager_with_no_audits_is_told_the_steps_to_the_first(client, qa_manager):
    client.force_login(qa_manager)

    response = client.get(reverse("audits:audit_list"))

    html = response.content.decode()
    assert 'data-testid="first-audit-steps"' in html
    assert f'href="{reverse("admin:audits_audittool_add")}">add an audit tool</a>' in html
    assert f'href="{reverse("admin:audits_audit_add")}">Plan a new audit</a>: its theme' in html
    assert "Open Part A on the audit's page" in page_text(response)


def test_others_with_no_audits_are_not_told_to_plan_one(client, practitioner):
    client.force_login(practitioner)

    response = client.get(reverse("audits:audit_list"))

    assert "There are no audits for you yet." in page_text(response)
    assert "first-audit-steps" not in response.content.decode()


def test_the_steps_are_gone_once_there_is_an_audit(client, qa_manager, audit):
    client.force_login(qa_manager)
    assert "first-audit-steps" not in client.get(reverse("audits:audit_list")).content.decode()
