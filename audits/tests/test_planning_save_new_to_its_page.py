"""A new partnership's QA manager making the first tool and audit (the onboarding review): Save on a new audit
tool, tool version or audit comes back to its page, where the next step is (the tool's "Add this tool's first
version", the version's stages without standards and its spreadsheet import, the audit's link to its own page,
where Part A is opened). It went to the list of tools, versions or audits, which says none of it, while the
add pages said "Save the tool, then add its first version here" and "Part A is opened from the audit's own
page, which this page links to once saved"."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditTool, ToolVersion
from audits.tests.admin_support import page_text
from audits.tests.factories import AuditThemeFactory, make_scale, make_tool_version
from audits.tests.test_planning_admin import audit_form

pytestmark = pytest.mark.django_db


def test_a_new_tool_comes_back_to_its_page_to_add_its_first_version(client, qa_manager):
    client.force_login(qa_manager)

    response = client.post(
        reverse("admin:audits_audittool_add"),
        {"name": "Neglect tool", "description": "", "versions-TOTAL_FORMS": 0, "versions-INITIAL_FORMS": 0},
        follow=True,
    )

    tool = AuditTool.objects.get(name="Neglect tool")
    assert response.redirect_chain[-1][0] == reverse("admin:audits_audittool_change", args=[tool.pk])
    assert "Add this tool's first version" in page_text(response)


def test_a_new_version_comes_back_to_its_page_to_add_its_standards(client, qa_manager):
    tool = AuditTool.objects.create(name="Neglect tool")
    client.force_login(qa_manager)
    data = {"tool": tool.pk, "number": 1, "scale": make_scale().pk, "notes": ""}
    data |= {"sections-TOTAL_FORMS": 1, "sections-INITIAL_FORMS": 0, "sections-0-title": "Response"}

    response = client.post(reverse("admin:audits_toolversion_add"), data, follow=True)

    version = ToolVersion.objects.get(tool=tool)
    assert response.redirect_chain[-1][0] == reverse("admin:audits_toolversion_change", args=[version.pk])
    text = page_text(response)
    assert "This stage has no standards yet: Response." in text
    assert reverse("admin:audits_toolversion_import", args=[version.pk]) in response.content.decode()


def test_a_new_audit_comes_back_to_its_plan_which_links_to_its_page(client, qa_manager):
    client.force_login(qa_manager)

    response = client.post(reverse("admin:audits_audit_add"), audit_form("neglect-2027"), follow=True)

    audit = Audit.objects.get(slug="neglect-2027")
    assert response.redirect_chain[-1][0] == reverse("admin:audits_audit_change", args=[audit.pk])
    assert f'href="{reverse("audits:dashboard", args=[audit.slug])}"' in response.content.decode()


def test_save_and_add_another_and_a_pop_up_are_as_before(client, qa_manager):
    client.force_login(qa_manager)
    data = {"name": "Neglect tool", "description": "", "versions-TOTAL_FORMS": 0, "versions-INITIAL_FORMS": 0}

    another = client.post(reverse("admin:audits_audittool_add"), {**data, "_addanother": "1"})
    assert another.status_code == 302 and another.url == reverse("admin:audits_audittool_add")

    theme = AuditThemeFactory()
    version = make_tool_version(standards=1, sections=1)
    pop_up = client.post(
        reverse("admin:audits_audit_add") + "?_popup=1",
        {**audit_form("in-a-pop-up", tool_version=version.pk, theme=theme.pk), "_popup": "1"},
    )
    assert pop_up.status_code == 200 and "popup_response" in pop_up.content.decode()
