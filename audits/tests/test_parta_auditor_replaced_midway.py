"""The QA manager names another auditor for an agency while its former auditor has a return open and is
typing: their next save is refused (recorded as refused), and says why, and what they typed is not lost:
the read-only page shows it to copy, as for a return locked meanwhile (test_parta_locked_save)."""

import json

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditAgency, PartAReturn
from audits.selectors.parta import evidence_field, grade_field, return_state

pytestmark = [pytest.mark.usefixtures("partnership")]

NOT_THE_AUDITOR = "you are not the named auditor for this return any more"


def replace_the_auditor(audit, auditor, colleague) -> None:
    AuditAgency.objects.filter(audit=audit, agency=auditor.agency).update(auditor=colleague)


@pytest.mark.parametrize("action", ["return_detail", "return_submit"])
def test_a_form_sent_after_the_auditor_was_replaced_shows_what_was_typed(
    client_for, audit, auditor, colleague, ret, layout, action
):
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    assert client.get(reverse("audits:return_detail", args=[ret.pk])).status_code == 200  # the form
    replace_the_auditor(audit, auditor, colleague)
    data = {
        "version": "0",
        grade_field(s1.pk): str(layout.grades[1].pk),
        evidence_field(s1.pk): "Typed before I knew.\nSecond line <kept>.",
        grade_field(s2.pk): "",
        "strengths": "A strength typed by the former auditor.",
    }
    response = client.post(reverse(f"audits:{action}", args=[ret.pk]), data)

    assert response.status_code == 403
    html = response.content.decode()
    assert NOT_THE_AUDITOR in html  # why, in the page's message
    assert 'data-testid="unsaved-text"' in html and "not the return&#x27;s named auditor any more" in html
    assert "Typed before I knew.\nSecond line &lt;kept&gt;." in html  # as typed, escaped, lines kept
    assert "A strength typed by the former auditor." in html
    assert f"{s1.code} — grade" in html and layout.grades[1].label in html
    # Nothing saved, and the refusal recorded.
    saved = PartAReturn.objects.get(pk=ret.pk)
    assert saved.version == 0 and saved.strengths == ""
    assert return_state(saved, layout)[evidence_field(s1.pk)] == ""
    assert AccessRecord.objects.filter(
        action=AccessAction.REFUSED, object_id=str(ret.pk), user=auditor, summary__contains="not the named auditor"
    ).exists()


def test_an_autosave_after_the_auditor_was_replaced_says_why(client_for, audit, auditor, colleague, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    replace_the_auditor(audit, auditor, colleague)
    response = client.post(
        reverse("audits:return_autosave", args=[ret.pk]),
        json.dumps({"version": 0, "fields": {evidence_field(s1.pk): "Typed before I knew."}}),
        content_type="application/json",
    )
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "forbidden" and NOT_THE_AUDITOR in body["message"]
    assert PartAReturn.objects.get(pk=ret.pk).version == 0


def test_a_return_locked_meanwhile_still_says_so(client_for, audit, ret, layout):
    """The panel's words for a locked return are unchanged."""
    client = client_for("auditor")
    PartAReturn.objects.filter(pk=ret.pk).update(status="submitted")
    data = {"version": "0", evidence_field(layout.standards[0].pk): "Typed in a stale tab."}
    html = client.post(reverse("audits:return_detail", args=[ret.pk]), data).content.decode()
    assert "because the return can no longer be changed" in html and "Typed in a stale tab." in html
