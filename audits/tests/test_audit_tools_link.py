"""The Audits page's "Audit tools" opens the list of audit tools, where a first tool is added (it opened the
list of tool versions, which said only "0 tool versions"); a tool's page links to the list of its versions,
where one is copied to adapt it."""

import pytest
from django.urls import reverse

from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db


def test_audit_tools_on_the_audits_page_opens_the_audit_tools(client, qa_manager, version):
    client.force_login(qa_manager)
    page = client.get(reverse("audits:audit_list")).content.decode()
    assert f'<a href="{reverse("admin:audits_audittool_changelist")}">Audit tools</a>' in page
    tools = page_text(client.get(reverse("admin:audits_audittool_changelist")))
    assert version.tool.name in tools and "Add audit tool" in tools


def test_a_tools_page_links_to_its_versions_to_copy_one(client, qa_manager, version):
    client.force_login(qa_manager)
    page = client.get(reverse("admin:audits_audittool_change", args=[version.tool.pk])).content.decode()
    versions = f"{reverse('admin:audits_toolversion_changelist')}?tool__id__exact={version.tool.pk}"
    assert f'href="{versions}"' in page
    listed = client.get(versions)
    assert listed.status_code == 200 and list(listed.context["cl"].result_list) == [version]
