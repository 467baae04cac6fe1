"""A Part B page left open while the audit moves on (closed, or back to Part A): what is saved from it
is refused with the reason, and what was typed comes back in its fields, not dropped with a page that
no longer shows the form (nor reported saved when it was not)."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, AuditStatus, CaseJudgement, Finding, FindingKind, PartBSession, Recommendation, Section
from audits.services.partb import finding_add, recommendation_add
from audits.tests.partb_pages import board_form, page_form, signed_in

pytestmark = pytest.mark.django_db

TYPED = "Typed in the session <and> not to be lost."


def move_on(audit, status=AuditStatus.CLOSED) -> None:
    """Somebody else moves the audit on while the page is open."""
    Audit.objects.filter(pk=audit.pk).update(status=status)


def kept(page: str, text: str = TYPED) -> bool:
    return html_lib.escape(text) in page


@pytest.mark.parametrize("status", [AuditStatus.CLOSED, AuditStatus.PART_A])
def test_a_finding_added_after_the_audit_moved_on_is_refused_and_kept(part_b, qa_manager, status):
    qa = signed_in(qa_manager)
    kind = FindingKind.KEY_MESSAGE
    page = qa.get(reverse("audits:findings", args=[part_b.slug]) + f"?add={kind}").content.decode()
    form = page_form(page, f"{kind}-body")
    move_on(part_b, status)
    response = qa.post(reverse("audits:finding_add", args=[part_b.slug, kind]), {**form, f"{kind}-body": TYPED})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Findings cannot be changed while the audit is" in page
    assert page_form(page, f"{kind}-body")[f"{kind}-body"] == TYPED
    assert not Finding.objects.filter(audit=part_b).exists()


def test_a_finding_edited_after_the_audit_closed_is_refused_and_kept(part_b, qa_manager):
    finding = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.STRENGTH, body="As agreed.")
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    qa = signed_in(qa_manager)
    form = page_form(qa.get(url).content.decode(), "body")
    move_on(part_b)
    response = qa.post(url, {**form, "body": TYPED})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Findings cannot be changed while the audit is closed." in page
    assert page_form(page, "body")["body"] == TYPED
    finding.refresh_from_db()
    assert finding.body == "As agreed."


def test_a_recommendation_added_after_the_audit_closed_is_refused_and_kept(part_b, qa_manager):
    url = reverse("audits:recommendations", args=[part_b.slug])
    qa = signed_in(qa_manager)
    form = page_form(qa.get(url).content.decode(), "text")
    due = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    move_on(part_b)
    response = qa.post(url, {**form, "text": TYPED, "owner": "CSE group", "due_date": due})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Recommendations cannot be changed while the audit is closed." in page
    again = page_form(page, "text")
    assert (again["text"], again["owner"], again["due_date"]) == (TYPED, "CSE group", due)
    assert not Recommendation.objects.filter(audit=part_b).exists()


@pytest.mark.parametrize("rec_status", ["open", "closed"])
def test_a_recommendation_edited_after_the_audit_closed_is_refused_and_kept_not_reported_saved(
    part_b, qa_manager, rec_status
):
    due = timezone.localdate() + datetime.timedelta(days=90)
    rec = recommendation_add(user=qa_manager, audit=part_b, text="Review plans.", owner="CSE group", due_date=due)
    url = reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk])
    qa = signed_in(qa_manager)
    form = page_form(qa.get(url).content.decode(), "text")
    move_on(part_b)
    if rec_status == "closed":
        Recommendation.objects.filter(pk=rec.pk).update(status="closed", impact_evidence="Re-audited.")
    response = qa.post(url, {**form, "text": TYPED})
    page = response.content.decode()
    # Not "Recommendation saved." with the text dropped: refused, saying why, with the text typed kept.
    assert response.status_code == 409
    assert "Recommendation saved." not in page
    assert "What you typed is kept here: copy what you need." in page
    if rec_status == "closed":
        assert "Not saved: this recommendation was closed while you were editing it" in page
    else:
        assert "Not saved: the audit moved to the Closed stage while you were editing this recommendation." in page
    assert page_form(page, "text")["text"] == TYPED
    rec.refresh_from_db()
    assert rec.text == "Review plans."
    if rec_status == "open":  # where the owner's reminders go still changes, from the page as it is now
        form = page_form(qa.get(url).content.decode(), "owner_email")
        assert "text" not in form
        assert qa.post(url, {**form, "owner_email": "cse.group@example.org"}).status_code == 302
        rec.refresh_from_db()
        assert (rec.owner_email, rec.text) == ("cse.group@example.org", "Review plans.")


def test_session_notes_saved_after_the_audit_closed_are_refused_and_kept(part_b, qa_manager):
    url = reverse("audits:session", args=[part_b.slug])
    qa = signed_in(qa_manager)
    form = page_form(qa.get(url).content.decode(), "venue")
    move_on(part_b)
    response = qa.post(url, {**form, "venue": "Hove Town Hall", "notes": TYPED})
    page = response.content.decode()
    assert response.status_code == 400
    assert "The Part B session cannot be changed while the audit is closed." in page
    again = page_form(page, "venue")
    assert (again["venue"], again["notes"]) == ("Hove Town Hall", TYPED)
    assert not PartBSession.objects.filter(audit=part_b, notes=TYPED).exists()


def test_a_consensus_saved_after_the_audit_closed_is_refused_and_kept_on_the_board(part_b, qa_manager):
    case = part_b.cases.get(reference="Case 1")
    stage = Section.objects.filter(version=part_b.tool_version).order_by("order").first()
    url = reverse("audits:evidence_board", args=[part_b.slug, case.pk])
    qa = signed_in(qa_manager)
    form = board_form(qa.get(url).content.decode())
    grade = part_b.tool_version.scale.grades.order_by("rank").first()
    form.update({f"stage-{stage.pk}-grade": str(grade.pk), f"stage-{stage.pk}-reasons": TYPED})
    move_on(part_b)
    response = qa.post(reverse("audits:judgement", args=[part_b.slug, case.pk]), {**form, "section": stage.pk})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Consensus judgements cannot be changed while the audit is closed." in page
    again = board_form(page)
    assert (again[f"stage-{stage.pk}-grade"], again[f"stage-{stage.pk}-reasons"]) == (str(grade.pk), TYPED)
    assert not CaseJudgement.objects.filter(case=case).exists()
