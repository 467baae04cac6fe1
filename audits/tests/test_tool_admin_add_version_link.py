"""A new partnership's QA manager making the first audit tool (the onboarding review): the tool's page
links to adding its first (or next) version, which an audit is planned with, instead of listing none
and offering no way to add one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.models import AuditTool
from audits.tests.factories import make_tool_version

pytestmark = pytest.mark.django_db


def test_a_tool_without_versions_links_to_adding_its_first_version(client, qa_manager):
    tool = AuditTool.objects.create(name="Neglect tool")
    client.force_login(qa_manager)

    html = client.get(reverse("admin:audits_audittool_change", args=[tool.pk])).content.decode()

    add = reverse("admin:audits_toolversion_add")
    assert f'href="{add}?tool={tool.pk}&amp;number=1"' in html
    assert "Add this tool&#x27;s first version" in html or "Add this tool's first version" in html
    # The link opens the version's page with the tool and its number filled in.
    form = client.get(f"{add}?tool={tool.pk}&number=1").context["adminform"].form
    assert (form["tool"].value(), str(form["number"].value())) == (str(tool.pk), "1")


def test_a_tool_with_versions_links_to_adding_the_next_one(client, qa_manager):
    version = make_tool_version(standards=1, sections=1)
    client.force_login(qa_manager)

    html = client.get(reverse("admin:audits_audittool_change", args=[version.tool_id])).content.decode()

    assert f"?tool={version.tool_id}&amp;number={version.number + 1}" in html
    assert "Add a new version of this tool" in html
