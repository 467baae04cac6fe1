"""Planning's tool pages link to what they list, and an answered version's page says why it is read-only
and how to get a version that can be changed (found by the audit-tool review)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.models import ToolVersion
from audits.services.tools import tool_version_copy

pytestmark = pytest.mark.django_db

READ_ONLY = "is read-only: Part A returns were made with it"


def test_a_versions_page_links_each_stage_to_the_page_of_its_standards(client, qa_manager, audit):
    version = audit.tool_version
    client.force_login(qa_manager)

    html = client.get(reverse("admin:audits_toolversion_change", args=[version.pk])).content.decode()

    for section in version.sections.all():
        assert reverse("admin:audits_section_change", args=[section.pk]) in html


def test_a_tools_page_links_each_version_to_its_own_page(client, qa_manager, audit):
    version = audit.tool_version
    copy = tool_version_copy(version=version, user=qa_manager)
    client.force_login(qa_manager)

    html = client.get(reverse("admin:audits_audittool_change", args=[version.tool_id])).content.decode()

    for v in (version, copy):
        assert reverse("admin:audits_toolversion_change", args=[v.pk]) in html


def test_an_answered_version_says_why_it_is_read_only_and_how_to_adapt_it(client, qa_manager, audit):
    version = audit.tool_version
    assert version.returns.exists()
    client.force_login(qa_manager)

    for url in (
        reverse("admin:audits_toolversion_change", args=[version.pk]),
        reverse("admin:audits_section_change", args=[version.sections.first().pk]),
    ):
        html = client.get(url).content.decode()
        assert READ_ONLY in html and "Copy as a new version, to adapt it" in html, url


def test_a_version_nobody_answered_says_nothing_of_the_kind(client, qa_manager, audit):
    copy = tool_version_copy(version=audit.tool_version, user=qa_manager)
    assert not ToolVersion.objects.get(pk=copy.pk).returns.exists()
    client.force_login(qa_manager)

    html = client.get(reverse("admin:audits_toolversion_change", args=[copy.pk])).content.decode()

    assert READ_ONLY not in html
