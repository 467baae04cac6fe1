"""Planning's audit page opened in Part A, refused because the audit went back to Planning meanwhile, then
saved again from there: what somebody else changed since the page was opened, or since it was shown again,
is checked as on any other save. A field left as shown keeps their value; a field typed on this page that
they changed too is refused with the value stored now."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus
from audits.services.partb import audit_transition
from audits.tests.admin_support import admin_form_data, opened, page_text
from audits.tests.factories import make_tool_version

pytestmark = pytest.mark.django_db


def url_of(audit) -> str:
    return reverse("admin:audits_audit_change", args=[audit.pk])


def refused_back_in_planning(client, audit, mine: dict, typed: dict):
    """The page opened in Part A, saved with `typed` after the audit went back to Planning: refused."""
    response = client.post(url_of(audit), mine | typed)
    assert response.status_code == 200
    assert "While you had this page open, the audit went back to Planning" in page_text(response)
    return response


def saved_again(client, audit, refused) -> dict:
    """What the refused page posts when saved again: what was typed and its markers as it now shows them, and
    its agencies and cases, shown as stored (editable now)."""
    again = dict(refused.context["adminform"].form.data.items())
    rows = admin_form_data(client, url_of(audit))
    return again | {key: value for key, value in rows.items() if key.startswith(("participants", "cases"))}


def theirs(qa_manager, audit, changes: dict) -> None:
    """Somebody else (another QA manager, the same one's other tab) saves `changes` from a page opened now."""
    client, data = opened(qa_manager, url_of(audit))
    assert client.post(url_of(audit), data | changes).status_code == 302


@pytest.fixture
def opened_in_part_a(audit, qa_manager):
    client, mine = opened(qa_manager, url_of(audit))
    return client, mine


def test_a_title_changed_by_somebody_else_after_the_refusal_refuses_the_title_typed(
    audit, qa_manager, opened_in_part_a
):
    client, mine = opened_in_part_a
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PLANNING)
    refused = refused_back_in_planning(client, audit, mine, {"title": "CSE audit 2026"})
    theirs(qa_manager, audit, {"title": "CSE and exploitation audit"})
    response = client.post(url_of(audit), saved_again(client, audit, refused))
    assert response.status_code == 200
    said = page_text(response)
    assert "Changed by somebody else since you opened this page: it is now CSE and exploitation audit" in said
    assert 'value="CSE audit 2026"' in said  # what was typed, kept
    assert Audit.objects.get(pk=audit.pk).title == "CSE and exploitation audit"


def test_texts_and_tool_version_changed_by_somebody_else_are_kept_when_saved_again(audit, qa_manager, opened_in_part_a):
    client, mine = opened_in_part_a
    # While the page is open in Part A: somebody rewords the scope question, then the audit goes back.
    Audit.objects.filter(pk=audit.pk).update(scope_question="Were the children heard?")
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PLANNING)
    refused = refused_back_in_planning(client, audit, mine, {"title": "CSE audit 2026"})
    # After the refusal, somebody else rewords the methodology and chooses another tool version.
    other = make_tool_version(standards=2, sections=1)
    theirs(qa_manager, audit, {"methodology": "Multi-agency case file review.", "tool_version": other.pk})
    assert client.post(url_of(audit), saved_again(client, audit, refused)).status_code == 302
    saved = Audit.objects.get(pk=audit.pk)
    assert saved.title == "CSE audit 2026"  # what this page typed
    assert saved.scope_question == "Were the children heard?"  # theirs, before the refusal
    assert (saved.methodology, saved.tool_version_id) == ("Multi-agency case file review.", other.pk)  # theirs, after


def test_a_field_left_as_shown_on_a_page_refused_for_another_keeps_theirs_when_saved_again(audit, qa_manager):
    """Not only after going back to Planning: a page refused because a field typed on it was changed by
    somebody else too still shows the rest as it was opened; saved again, what they changed there stays."""
    client, mine = opened(qa_manager, url_of(audit))
    theirs(qa_manager, audit, {"title": "CSE and exploitation audit", "methodology": "Case file review."})
    refused = client.post(url_of(audit), mine | {"methodology": "Multi-agency case file review."})
    assert refused.status_code == 200
    assert "Changed by somebody else since you opened this page: it is now Case file review." in page_text(refused)
    assert client.post(url_of(audit), saved_again(client, audit, refused)).status_code == 302
    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.title, saved.methodology) == ("CSE and exploitation audit", "Multi-agency case file review.")
