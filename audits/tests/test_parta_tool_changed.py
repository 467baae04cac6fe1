"""The audit's tool is changed (Planning gives the audit another tool version; its returns nobody has started follow
it) while its auditor has a return open: what their page sends answers standards the return no longer has. It is
refused, saying what happened and what to do, and nothing they typed is lost: the autosave says so (409, not the
400 of a malformed save), and Save draft or Submit return shows the form of the current standards with the rest of
what was sent, and the answers to the standards gone, to copy, instead of 'Draft saved' with them dropped."""

import json

import pytest
from django.urls import reverse

from audits.models import Audit, PartAReturn
from audits.selectors.parta import evidence_field, grade_field, return_state, used_tool_layout
from audits.services.tools import tool_version_copy

pytestmark = [pytest.mark.usefixtures("partnership")]

TOOL_CHANGED = "this return's audit tool was changed after you opened this page"


def switch_tool(ret: PartAReturn):
    """What Planning does (audits.admin.AuditAdmin.save_model) when the audit is given another tool version."""
    copy = tool_version_copy(version=ret.tool_version, user=None)
    Audit.objects.filter(pk=ret.audit_id).update(tool_version=copy)
    PartAReturn.objects.filter(audit_id=ret.audit_id, status="not_started").update(tool_version=copy)
    return used_tool_layout(copy)


def autosave(client, ret, fields):
    return client.post(
        reverse("audits:return_autosave", args=[ret.pk]),
        json.dumps({"version": ret.version, "fields": fields}),
        content_type="application/json",
    )


def test_an_autosave_from_a_page_of_the_former_tool_says_what_happened_and_what_to_do(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    switch_tool(ret)
    response = autosave(client, ret, {evidence_field(s1.pk): "Typed before the change.", "strengths": "A strength."})
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "tool_changed" and body["fields"] == [evidence_field(s1.pk)]
    assert TOOL_CHANGED in body["message"] and "reload the page" in body["message"]
    assert "Unknown fields" not in body["message"]
    saved = PartAReturn.objects.get(pk=ret.pk)
    assert saved.version == 0 and saved.strengths == ""

    # Still a malformed save (400): a standard that exists nowhere, or one of the former tool sent with a name no
    # return has.
    for fields in ({"s999999-grade": "1"}, {evidence_field(layout.standards[0].pk): "x", "bogus": "x"}):
        response = autosave(client, ret, fields)
        assert response.status_code == 400 and "Unknown fields" in response.json()["message"]
    assert PartAReturn.objects.get(pk=ret.pk).version == 0


@pytest.mark.parametrize("action", ["return_detail", "return_submit"])
def test_a_form_sent_from_a_page_of_the_former_tool_keeps_what_was_typed(client_for, ret, layout, action):
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    new_layout = switch_tool(ret)
    data = {
        "version": "0",
        grade_field(s1.pk): str(layout.grades[1].pk),
        evidence_field(s1.pk): "Typed before the change.\nSecond line <kept>.",
        grade_field(s2.pk): "",
        evidence_field(s2.pk): "",
        "strengths": "A strength typed meanwhile.",
    }
    response = client.post(reverse(f"audits:{action}", args=[ret.pk]), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was saved: this return&#x27;s audit tool was changed" in html
    assert ("It has not been submitted" in html) == (action == "return_submit")
    assert 'data-testid="gone-answers"' in html
    assert "Typed before the change.\nSecond line &lt;kept&gt;." in html  # as typed, escaped, lines kept
    assert f"{s1.code} — grade" in html and layout.grades[1].label in html
    # The form is of the current standards, with the rest of what was sent on it, unsaved (the page saves it).
    new_s1 = new_layout.standards[0]
    assert f'name="{evidence_field(new_s1.pk)}"' in html and f'name="{evidence_field(s1.pk)}"' not in html
    assert "A strength typed meanwhile." in html and 'data-unsaved="strengths"' in html
    saved = PartAReturn.objects.get(pk=ret.pk)
    assert saved.version == 0 and saved.strengths == "" and saved.status == "not_started"
    assert not any(return_state(saved, new_layout).get(evidence_field(s.pk)) for s in new_layout.standards)


def test_a_form_sent_while_the_audit_is_back_in_planning_shows_all_of_it_to_copy(client_for, ret, layout):
    """Changed in Planning and not open again yet: the read-only page, as for any return locked meanwhile, with the
    answers to the standards gone among what was not saved."""
    s1 = layout.standards[0]
    client = client_for("auditor")
    switch_tool(ret)
    Audit.objects.filter(pk=ret.audit_id).update(status="planning")
    data = {"version": "0", evidence_field(s1.pk): "Typed before the change.", "strengths": "A strength."}
    response = client.post(reverse("audits:return_detail", args=[ret.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Part A is not open for this audit" in html and 'data-testid="unsaved-text"' in html
    assert "Typed before the change." in html and f"{s1.code} — evidence" in html and "A strength." in html
    assert PartAReturn.objects.get(pk=ret.pk).version == 0
