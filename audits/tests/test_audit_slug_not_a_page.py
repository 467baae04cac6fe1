"""An audit's web address is /audits/<slug>/: one that is another page's there ("recommendations", the list of
every recommendation; "my-returns", an auditor's returns) opened that page instead of the audit's, whose page
(where Part A is opened) could then never be reached. Planning refuses it, the rest of what was typed kept."""

import pytest
from django.urls import resolve, reverse

from audits.models import Audit
from audits.tests.admin_support import page_text
from audits.tests.factories import AuditThemeFactory, make_tool_version
from audits.tests.test_planning_case_references_alike import new_audit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["recommendations", "my-returns", "insights", "returns"])
def test_a_web_address_that_is_another_page_is_refused(client, qa_manager, lead_officer, slug):
    client.force_login(qa_manager)
    data = {
        **new_audit(AuditThemeFactory(), make_tool_version(standards=2, sections=1), lead_officer, []),
        "slug": slug,
    }

    response = client.post(reverse("admin:audits_audit_add"), data)

    assert response.status_code == 200
    assert f"“{slug}” is the web address of another page of the portal" in page_text(response)
    assert not Audit.objects.exists()
    assert 'value="Neglect audit 2026"' in response.content.decode()


def test_every_other_web_address_opens_the_audits_page(client, qa_manager, lead_officer):
    client.force_login(qa_manager)
    data = {
        **new_audit(AuditThemeFactory(), make_tool_version(standards=2, sections=1), lead_officer, []),
        "slug": "recommendations-audit",
    }
    assert client.post(reverse("admin:audits_audit_add"), data).status_code == 302
    audit = Audit.objects.get()
    match = resolve(reverse("audits:dashboard", args=[audit.slug]))
    assert match.url_name == "dashboard" and match.kwargs == {"slug": "recommendations-audit"}


@pytest.mark.parametrize("slug", ["recommendations", "my-returns"])
def test_the_refused_addresses_are_those_another_page_takes(slug):
    """Why they are refused: the address the audit would have is another page's."""
    assert resolve(f"/audits/{slug}/").url_name != "dashboard"
