"""Planning's audit page opened in Part A (most of it read-only), saved after the audit went back to Planning:
refused saying so, by whom and when, what was typed kept, instead of Django's 'This field is required.' on the
tool version it did not show."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus
from audits.services.partb import audit_transition
from audits.tests.admin_support import admin_form_data, opened, page_text

pytestmark = pytest.mark.django_db


def as_a_browser_posts(data: dict) -> dict:
    """The agencies and cases of a page opened in Part A are shown read-only: a browser posts their management
    forms and each row's hidden id and audit, none of their fields."""
    rows = ("participants-", "cases-")
    return {
        key: value
        for key, value in data.items()
        if not key.startswith(rows) or "FORMS" in key or key.endswith(("-id", "-audit"))
    }


@pytest.mark.parametrize("browser", [True, False])
def test_an_audit_page_opened_in_part_a_saved_after_it_went_back_to_planning_says_so(audit, qa_manager, browser):
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    client, mine = opened(qa_manager, url)
    if browser:
        mine = as_a_browser_posts(mine)
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PLANNING)
    response = client.post(url, mine | {"title": "CSE audit 2026"})
    assert response.status_code == 200
    said = page_text(response)
    assert "This field is required." not in said
    assert f"While you had this page open, the audit went back to Planning (by {qa_manager.get_full_name()}" in said
    assert "reload this page to edit the plan" in said
    assert 'value="CSE audit 2026"' in said  # what was typed, kept
    assert 'value="Case 1"' in said and 'value="Case 2"' in said  # the cases as stored, editable now
    assert Audit.objects.get(pk=audit.pk).title == "CSE audit"
    # Saved again from the page as it now is (its plan editable), what was typed is saved.
    again = dict(response.context["adminform"].form.data.items())
    again |= {
        key: value for key, value in admin_form_data(client, url).items() if key.startswith(("participants", "cases"))
    }
    assert client.post(url, again).status_code == 302
    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.title, saved.tool_version_id, saved.cases.count()) == ("CSE audit 2026", audit.tool_version_id, 2)
