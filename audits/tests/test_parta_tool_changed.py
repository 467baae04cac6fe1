"""The audit's tool is changed (Planning gives the audit another tool version; its returns nobody has started follow
it) while its auditor has a return open: what their page sends answers standards the return no longer has. It is
refused, saying what happened and what to do, and nothing they typed is lost: the autosave says so (409, not the
400 of a malformed save), and Save draft or Submit return shows the form of the current standards with the rest of
what was sent, and the answers to the standards gone, to copy, instead of 'Draft saved' with them dropped. The same
when the former tool version has been deleted since (an unused version can be deleted in the admin): the page says
which version it was opened with, and its answers are listed by their place on it, their standards being gone."""

import json

import pytest
from django.urls import reverse

from audits.models import Audit, PartAReturn, ToolVersion
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


def switch_tool_and_delete_the_former(ret: PartAReturn):
    """switch_tool, then the former version, used by nothing any more, deleted (as the admin may)."""
    former = ret.tool_version_id
    new_layout = switch_tool(ret)
    ToolVersion.objects.filter(pk=former).delete()
    assert not ToolVersion.objects.filter(pk=former).exists()
    return new_layout


def autosave(client, ret, fields, **extra):
    return client.post(
        reverse("audits:return_autosave", args=[ret.pk]),
        json.dumps({"version": ret.version, "fields": fields, **extra}),
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

    # Still a malformed save (400): a standard that exists nowhere from a page that does not say it was opened
    # with another tool version (it says none, or the return's own), or one of the former tool sent with a name no
    # return has.
    current = PartAReturn.objects.get(pk=ret.pk).tool_version_id
    for fields, extra in (
        ({"s999999-grade": "1"}, {}),
        ({"s999999-grade": "1"}, {"tool_version": current}),
        ({evidence_field(layout.standards[0].pk): "x", "bogus": "x"}, {"tool_version": ret.tool_version_id}),
    ):
        response = autosave(client, ret, fields, **extra)
        assert response.status_code == 400 and "Unknown fields" in response.json()["message"]
    for extra in ({"tool_version": "1"}, {"tool_version": True}):
        response = autosave(client, ret, {"strengths": "x"}, **extra)
        assert response.status_code == 400 and "“tool_version” must be" in response.json()["message"]
    assert PartAReturn.objects.get(pk=ret.pk).version == 0


def test_an_autosave_from_a_page_of_a_tool_version_deleted_since_says_what_happened(client_for, ret, layout):
    """The former version deleted since the page was opened: its standards can no longer be found, but the page
    says which version it was opened with: the same 409 and explanation, not the 400 'Unknown fields'."""
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    page_opened_with = {"tool_version": ret.tool_version_id}
    switch_tool_and_delete_the_former(ret)
    fields = {evidence_field(s1.pk): "Typed before the change.", grade_field(s2.pk): "", "strengths": "A strength."}
    response = autosave(client, ret, fields, **page_opened_with)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "tool_changed" and body["fields"] == sorted([evidence_field(s1.pk), grade_field(s2.pk)])
    assert TOOL_CHANGED in body["message"] and "Unknown fields" not in body["message"]
    # Sent with a name no tool has, it is still malformed.
    response = autosave(client, ret, {**fields, "bogus": "x"}, **page_opened_with)
    assert response.status_code == 400 and "Unknown fields" in response.json()["message"]
    saved = PartAReturn.objects.get(pk=ret.pk)
    assert saved.version == 0 and saved.strengths == ""


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


def test_the_form_says_which_tool_version_it_shows(client_for, ret):
    html = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    assert f'<input type="hidden" name="tool_version" value="{ret.tool_version_id}" autocomplete="off">' in html


@pytest.mark.parametrize("action", ["return_detail", "return_submit"])
def test_a_form_sent_from_a_page_of_a_tool_version_deleted_since_keeps_what_was_typed(client_for, ret, layout, action):
    """Its standards gone with it, the answers to them are listed by their place on the page sent (the only thing
    known of them), with what was typed, instead of the 400 'Unknown fields'."""
    s1, s2, s3 = layout.standards[:3]
    client = client_for("auditor")
    new_layout = switch_tool_and_delete_the_former(ret)
    data = {
        "version": "0",
        "tool_version": str(ret.tool_version_id),
        grade_field(s1.pk): str(layout.grades[1].pk),
        evidence_field(s1.pk): "Typed before the change.\nSecond line <kept>.",
        grade_field(s2.pk): "",
        evidence_field(s2.pk): "",
        grade_field(s3.pk): "",
        evidence_field(s3.pk): "Third standard's evidence.",
        "strengths": "A strength typed meanwhile.",
    }
    response = client.post(reverse(f"audits:{action}", args=[ret.pk]), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was saved: this return&#x27;s audit tool was changed" in html
    assert ("It has not been submitted" in html) == (action == "return_submit")
    assert 'data-testid="gone-answers"' in html and "Unknown fields" not in html
    assert "Standard 1 on the page you sent — grade" in html and layout.grades[1].label in html
    assert "Standard 1 on the page you sent — evidence" in html
    assert "Typed before the change.\nSecond line &lt;kept&gt;." in html
    assert "Standard 3 on the page you sent — evidence" in html and "Third standard&#x27;s evidence." in html
    assert "Standard 2 on the page you sent" not in html  # nothing typed there: nothing to copy
    assert "its wording cannot be shown" in html
    new_s1 = new_layout.standards[0]
    assert f'name="{evidence_field(new_s1.pk)}"' in html and f'name="{evidence_field(s1.pk)}"' not in html
    assert "A strength typed meanwhile." in html and 'data-unsaved="strengths"' in html
    saved = PartAReturn.objects.get(pk=ret.pk)
    assert saved.version == 0 and saved.strengths == "" and saved.status == "not_started"


def test_a_form_sent_while_the_audit_is_back_in_planning_after_the_former_version_was_deleted(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    opened_with = str(ret.tool_version_id)
    switch_tool_and_delete_the_former(ret)
    Audit.objects.filter(pk=ret.audit_id).update(status="planning")
    data = {"version": "0", "tool_version": opened_with, evidence_field(s1.pk): "Typed before.", "strengths": "A."}
    response = client.post(reverse("audits:return_detail", args=[ret.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Part A is not open for this audit" in html and 'data-testid="unsaved-text"' in html
    assert "Standard 1 on the page you sent — evidence" in html and "Typed before." in html
