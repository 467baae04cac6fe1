"""A new partnership's QA manager setting up the first audit (the onboarding review): an audit's plan in
Planning links to the audit's own page, where Part A is opened."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.models import AuditStatus
from audits.tests.admin_support import page_text
from audits.tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


def test_an_audit_in_planning_links_to_its_page_to_open_part_a(client, qa_manager):
    audit = AuditFactory(title="Neglect audit", slug="neglect-2026", status=AuditStatus.PLANNING)
    client.force_login(qa_manager)

    response = client.get(reverse("admin:audits_audit_change", args=[audit.pk]))

    dashboard = reverse("audits:dashboard", args=[audit.slug])
    assert f'href="{dashboard}"' in response.content.decode()
    assert "save it and open Part A on <a" in page_text(response)


def test_an_audit_past_planning_says_its_stage_moves_on_its_page(client, qa_manager, audit):
    client.force_login(qa_manager)

    response = client.get(reverse("admin:audits_audit_change", args=[audit.pk]))

    assert f'href="{reverse("audits:dashboard", args=[audit.slug])}"' in response.content.decode()
    assert "The audit's stage moves on <a" in page_text(response)


def test_a_new_audit_says_where_part_a_is_opened(client, qa_manager):
    client.force_login(qa_manager)
    assert "Part A is opened from the audit's own page" in page_text(client.get(reverse("admin:audits_audit_add")))
