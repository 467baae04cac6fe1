"""Two people editing Part B at once (the QA manager and the audit's lead officer, each on their own
device): a save writes only what its author changed, and never overwrites unseen what the other
saved in the meantime. What was typed is never lost."""

import datetime
import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import (
    Attendance,
    CaseJudgement,
    Finding,
    FindingKind,
    Grade,
    PartBSession,
    Recommendation,
    RecommendationStatus,
    Section,
)
from audits.services.partb import finding_add, judgement_record, recommendation_add
from audits.tests.factories import RecommendationFactory
from audits.tests.partb_pages import board_form, page_form, signed_in

pytestmark = pytest.mark.django_db


# --- The evidence board ------------------------------------------------------------------------


def board_url(audit, case) -> str:
    return reverse("audits:evidence_board", args=[audit.slug, case.pk])


@pytest.fixture
def stages(part_b):
    """Response, Assessment, Planning, as on Dudley case 7: each with a recorded judgement."""
    return list(Section.objects.filter(version=part_b.tool_version).order_by("order"))[:3]


@pytest.fixture
def judged_case(part_b, stages, qa_manager):
    case = part_b.cases.select_related("audit__tool_version").get(reference="Case 1")
    good = Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=2)
    for stage, text in zip(
        stages, ("Response: as agreed.", "Assessment: as agreed.", "Planning: as agreed."), strict=True
    ):
        judgement_record(user=qa_manager, case=case, section=stage, grade=good, reasons=text)
    return case


def reasons_of(case, stage) -> str:
    return CaseJudgement.objects.get(case=case, section=stage).reasons


def save_board(client, case, data: dict, pressed) -> "object":
    url = reverse("audits:judgement", args=[case.audit.slug, case.pk])
    return client.post(url, {**data, "section": pressed.pk if pressed else ""})


def test_saving_one_stage_never_reverts_a_stage_somebody_else_changed_meanwhile(
    part_b, stages, judged_case, qa_manager, lead_officer
):
    response_stage, assessment, planning = stages
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    # Both open the board.
    qa_page = board_form(qa.get(board_url(part_b, judged_case)).content.decode())
    lead_page = board_form(lead.get(board_url(part_b, judged_case)).content.decode())

    # The QA manager changes the Response reasons and saves.
    qa_page[f"stage-{response_stage.pk}-reasons"] = "Response: QA's new reasons."
    assert save_board(qa, judged_case, qa_page, response_stage).status_code == 302

    # The lead officer, on the board opened before, changes Assessment only and saves: recorded, and
    # not a word about Response, which they did not touch.
    lead_page[f"stage-{assessment.pk}-reasons"] = "Assessment: the lead's change."
    response = save_board(lead, judged_case, lead_page, assessment)
    assert response.status_code == 302
    page = lead.get(response["Location"]).content.decode()
    assert f"Consensus judgement recorded for {assessment.title}." in page
    assert "Not saved" not in page and "somebody else" not in page
    assert reasons_of(judged_case, assessment) == "Assessment: the lead's change."
    assert reasons_of(judged_case, response_stage) == "Response: QA's new reasons."
    # The board opened again shows the QA manager's Response.
    assert board_form(page)[f"stage-{response_stage.pk}-reasons"] == "Response: QA's new reasons."

    # Even a save of Planning from the old page (another tab, say) leaves Response as the QA manager left it.
    lead_page[f"stage-{planning.pk}-reasons"] = "Planning: the lead's change."
    response = save_board(lead, judged_case, lead_page, planning)
    assert response.status_code == 302
    assert reasons_of(judged_case, planning) == "Planning: the lead's change."
    assert reasons_of(judged_case, response_stage) == "Response: QA's new reasons."
    assert CaseJudgement.objects.get(case=judged_case, section=response_stage).recorded_by == qa_manager


def test_a_stage_both_changed_is_refused_and_stays_refused_until_replace_is_ticked(
    part_b, stages, judged_case, qa_manager, lead_officer
):
    response_stage, _assessment, planning = stages
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    qa_page = board_form(qa.get(board_url(part_b, judged_case)).content.decode())
    lead_page = board_form(lead.get(board_url(part_b, judged_case)).content.decode())
    first_shown = lead_page[f"stage-{response_stage.pk}-shown"]
    qa_page[f"stage-{response_stage.pk}-reasons"] = "Response: QA's new reasons."
    assert save_board(qa, judged_case, qa_page, response_stage).status_code == 302

    # The lead officer changed Response too: refused, theirs kept on the board, the QA manager's shown.
    lead_page[f"stage-{response_stage.pk}-reasons"] = "Response: the lead's reasons."
    response = save_board(lead, judged_case, lead_page, response_stage)
    page = response.content.decode()
    assert response.status_code == 400
    assert reasons_of(judged_case, response_stage) == "Response: QA's new reasons."
    assert "Response: QA&#x27;s new reasons." in page and "somebody else recorded this judgement" in page
    shown_again = board_form(page)
    assert shown_again[f"stage-{response_stage.pk}-reasons"] == "Response: the lead's reasons."
    # The marker still says what the page first showed, not the QA manager's judgement.
    assert shown_again[f"stage-{response_stage.pk}-shown"] == first_shown
    assert f'name="stage-{response_stage.pk}-replace"' in page

    # Saving another stage from that page records it, and still does not replace the QA manager's Response.
    shown_again[f"stage-{planning.pk}-reasons"] = "Planning: the lead's change."
    response = save_board(lead, judged_case, shown_again, planning)
    assert response.status_code == 200  # Planning saved, Response shown again unsaved
    assert reasons_of(judged_case, planning) == "Planning: the lead's change."
    assert reasons_of(judged_case, response_stage) == "Response: QA's new reasons."
    page = response.content.decode()
    assert f"Not saved, and kept on the board as you typed it: {response_stage.title}." in page

    # Ticking "Replace their judgement with mine" records the lead officer's.
    again = board_form(page)
    replace = re.search(rf'name="stage-{response_stage.pk}-replace"[^>]* value="([^"]*)"', page)[1]
    again[f"stage-{response_stage.pk}-replace"] = html_lib.unescape(replace)
    assert save_board(lead, judged_case, again, response_stage).status_code == 302
    assert reasons_of(judged_case, response_stage) == "Response: the lead's reasons."


# --- Findings, the session, recommendations ------------------------------------------------------


def theirs_under(page: str, field: str) -> str:
    """What the page shows as the other person's value, under `field`."""
    box = page.split(f'id="conflict-{field}"')[1].split('class="mb-2 theirs">')[1]
    return html_lib.unescape(box.split("</div>")[0])


def test_a_finding_saved_by_two_people_keeps_both_changes_or_refuses_the_clash(part_b, qa_manager, lead_officer):
    finding = finding_add(
        user=qa_manager, audit=part_b, kind=FindingKind.KEY_MESSAGE, heading="Share early.", body="Old text."
    )
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    qa_form = page_form(qa.get(url).content.decode(), "body")
    lead_form = page_form(lead.get(url).content.decode(), "body")

    # QA saves a new text; the lead officer, on the page opened before, saves a new heading.
    assert qa.post(url, {**qa_form, "body": "QA's new text."}).status_code == 302
    assert lead.post(url, {**lead_form, "heading": "Share early and often."}).status_code == 302
    finding.refresh_from_db()
    assert (finding.heading, finding.body) == ("Share early and often.", "QA's new text.")

    # Both change the text: the later save is refused, naming the field; theirs is shown, mine kept.
    qa_form = page_form(qa.get(url).content.decode(), "body")
    lead_form = page_form(lead.get(url).content.decode(), "body")
    assert qa.post(url, {**qa_form, "body": "QA's second text."}).status_code == 302
    response = lead.post(url, {**lead_form, "body": "The lead's <text>."})
    page = response.content.decode()
    assert response.status_code == 409
    finding.refresh_from_db()
    assert finding.body == "QA's second text."
    assert "Not saved: Text was changed by" in page
    assert "The lead&#x27;s &lt;text&gt;.</textarea>" in page
    assert theirs_under(page, "body") == "QA's second text."
    # Saving that page again as it is still refuses: theirs is replaced only with the box ticked.
    again = page_form(page, "body")
    assert again["shown"] == lead_form["shown"]
    assert lead.post(url, again).status_code == 409
    finding.refresh_from_db()
    assert finding.body == "QA's second text."
    replace = re.search(r'name="replace" value="(body:[^"]*)"', page)[1]
    assert lead.post(url, {**again, "replace": replace}).status_code == 302
    finding.refresh_from_db()
    assert (finding.heading, finding.body) == ("Share early and often.", "The lead's <text>.")


def test_a_finding_citation_changed_meanwhile_is_kept(part_b, qa_manager, lead_officer):
    finding = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.STRENGTH, body="Prompt referrals.")
    case1, case2 = part_b.cases.order_by("order")[:2]
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    qa_form = page_form(qa.get(url).content.decode(), "body")
    lead_form = page_form(lead.get(url).content.decode(), "body")
    assert qa.post(url, {**qa_form, "cases": [str(case1.pk), str(case2.pk)]}).status_code == 302
    assert lead.post(url, {**lead_form, "body": "Prompt referrals, every time."}).status_code == 302
    finding = Finding.objects.get(pk=finding.pk)
    assert finding.body == "Prompt referrals, every time."
    assert sorted(finding.cases.values_list("pk", flat=True)) == sorted([case1.pk, case2.pk])


def test_the_session_saved_by_two_people_keeps_both_changes_or_refuses_the_clash(part_b, qa_manager, lead_officer):
    url = reverse("audits:session", args=[part_b.slug])
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    first = page_form(qa.get(url).content.decode(), "venue")
    assert qa.post(url, {**first, "venue": "Room 1", "chair": "Ann Lee"}).status_code == 302
    participant = part_b.participants.order_by("agency__name").first()
    attendance = f"participant_{participant.pk}"

    qa_form = page_form(qa.get(url).content.decode(), "venue")
    lead_form = page_form(lead.get(url).content.decode(), "venue")
    assert qa.post(url, {**qa_form, "venue": "Hove Town Hall", attendance: "present"}).status_code == 302
    # The lead officer names another chair: the QA manager's venue and attendance stay.
    assert lead.post(url, {**lead_form, "chair": "Kim Hart, lead officer"}).status_code == 302
    session = PartBSession.objects.get(audit=part_b)
    assert (session.venue, session.chair) == ("Hove Town Hall", "Kim Hart, lead officer")
    assert Attendance.objects.get(session=session, participant=participant).status == "present"

    # Both change the venue, and the attendance: refused, both named, the lead officer's kept in the form.
    qa_form = page_form(qa.get(url).content.decode(), "venue")
    lead_form = page_form(lead.get(url).content.decode(), "venue")
    assert qa.post(url, {**qa_form, "venue": "Brighton Library", attendance: "apologies"}).status_code == 302
    response = lead.post(url, {**lead_form, "venue": "Police HQ", attendance: ""})
    page = response.content.decode()
    assert response.status_code == 409
    session.refresh_from_db()
    assert session.venue == "Brighton Library"
    assert "Not saved: Venue was changed by" in page
    assert f"Not saved: {html_lib.escape(participant.agency.name)} (" in page
    assert 'value="Police HQ"' in page and theirs_under(page, "venue") == "Brighton Library"
    assert theirs_under(page, attendance) == "Apologies"
    assert Attendance.objects.get(session=session, participant=participant).status == "apologies"


def test_a_recommendation_saved_by_two_people_keeps_both_changes_or_refuses_the_clash(part_b, qa_manager, lead_officer):
    due = timezone.localdate() + datetime.timedelta(days=90)
    rec = recommendation_add(user=qa_manager, audit=part_b, text="Review plans.", owner="CSE group", due_date=due)
    url = reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk])
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    qa_form = page_form(qa.get(url).content.decode(), "text")
    lead_form = page_form(lead.get(url).content.decode(), "text")
    assert qa.post(url, {**qa_form, "text": "Review every CIN plan."}).status_code == 302
    later = (due + datetime.timedelta(days=30)).isoformat()
    assert lead.post(url, {**lead_form, "due_date": later}).status_code == 302
    rec.refresh_from_db()
    assert (rec.text, rec.due_date.isoformat()) == ("Review every CIN plan.", later)

    qa_form = page_form(qa.get(url).content.decode(), "text")
    lead_form = page_form(lead.get(url).content.decode(), "text")
    assert qa.post(url, {**qa_form, "text": "QA's wording."}).status_code == 302
    response = lead.post(url, {**lead_form, "text": "The lead's wording."})
    page = response.content.decode()
    assert response.status_code == 409
    rec.refresh_from_db()
    assert rec.text == "QA's wording."
    assert "Not saved: Recommendation was changed by" in page
    assert "The lead&#x27;s wording.</textarea>" in page and theirs_under(page, "text") == "QA's wording."


def test_a_page_whose_markers_cannot_be_read_saves_nothing_and_keeps_the_text(part_b, qa_manager):
    finding = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.KEY_MESSAGE, body="Old text.")
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    qa = signed_in(qa_manager)
    form = page_form(qa.get(url).content.decode(), "body")
    for forged in ("not json", "[1, 2]", '{"body": 3}'):
        response = qa.post(url, {**form, "shown": forged, "body": "Typed."})
        assert response.status_code == 400
        assert "could not be checked against what is saved now" in response.content.decode()
        assert "Typed.</textarea>" in response.content.decode()
    finding.refresh_from_db()
    assert finding.body == "Old text."


# --- A recommendation's status -------------------------------------------------------------------


def status_form(client, rec) -> dict:
    page = client.get(reverse("audits:recommendations", args=[rec.audit.slug])).content.decode()
    return page_form(page, f"rec-{rec.pk}-to_status")


def test_a_recommendation_closed_meanwhile_says_who_closed_it_and_keeps_the_evidence_typed(
    part_b, qa_manager, lead_officer
):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE)
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    p = f"rec-{rec.pk}"
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    qa_form, lead_form = status_form(qa, rec), status_form(lead, rec)
    closing = {f"{p}-to_status": RecommendationStatus.CLOSED}
    assert qa.post(url, {**qa_form, **closing, f"{p}-impact_evidence": "Audit of CIN plans."}).status_code == 302

    # The lead officer, on the older page, closes it too, with their own evidence.
    response = lead.post(url, {**lead_form, **closing, f"{p}-impact_evidence": "Re-audit: 9 of 10 <good>."})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Select a valid choice" not in page
    assert f"This recommendation was closed by {html_lib.escape(qa_manager.get_full_name())} at " in page
    kept = page.split('data-testid="kept-evidence"')[1].split("</textarea>")[0]
    assert kept.endswith(">Re-audit: 9 of 10 &lt;good&gt;.")
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.CLOSED, "Audit of CIN plans.")


def test_a_recommendation_moved_back_meanwhile_offers_its_new_choices_with_the_evidence_typed(
    part_b, qa_manager, lead_officer
):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE)
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    p = f"rec-{rec.pk}"
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    qa_form, lead_form = status_form(qa, rec), status_form(lead, rec)
    assert qa.post(url, {**qa_form, f"{p}-to_status": RecommendationStatus.IN_PROGRESS}).status_code == 302
    response = lead.post(
        url, {**lead_form, f"{p}-to_status": RecommendationStatus.CLOSED, f"{p}-impact_evidence": "Re-audit done."}
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "This recommendation was moved to in progress by" in page
    again = page_form(page, f"{p}-to_status")
    assert again[f"{p}-impact_evidence"] == "Re-audit done." and again[f"{p}-from_status"] == "in_progress"
    assert (
        f'<option value="{RecommendationStatus.CLOSED}"'
        not in page.split(f'name="{p}-to_status"')[1].split("</select>")[0]
    )
    assert Recommendation.objects.get(pk=rec.pk).status == RecommendationStatus.IN_PROGRESS


def test_evidence_of_impact_changed_meanwhile_is_never_reverted_or_overwritten_unseen(part_b, qa_manager, lead_officer):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.IN_PROGRESS, impact_evidence="First.")
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    p = f"rec-{rec.pk}"
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    lead_form = status_form(lead, rec)
    # Meanwhile the QA manager completes it with new evidence, then moves it back to in progress.
    qa_form = status_form(qa, rec)
    qa.post(url, {**qa_form, f"{p}-to_status": "complete", f"{p}-impact_evidence": "QA's evidence."})
    qa.post(url, {**status_form(qa, rec), f"{p}-to_status": "in_progress"})
    # The lead officer completes it without touching the evidence: the QA manager's stays.
    assert lead.post(url, {**lead_form, f"{p}-to_status": "complete"}).status_code == 302
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == ("complete", "QA's evidence.")
    # Had they both changed it, the lead officer's is refused, with theirs shown and the typed text kept.
    qa.post(url, {**status_form(qa, rec), f"{p}-to_status": "in_progress"})
    lead_form = status_form(lead, rec)
    qa.post(url, {**status_form(qa, rec), f"{p}-to_status": "complete", f"{p}-impact_evidence": "QA's second."})
    qa.post(url, {**status_form(qa, rec), f"{p}-to_status": "in_progress"})
    response = lead.post(url, {**lead_form, f"{p}-to_status": "complete", f"{p}-impact_evidence": "The lead's."})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Not saved: Evidence of impact was changed by" in page
    assert theirs_under(page, "impact_evidence") == "QA's second."
    assert "The lead&#x27;s.</textarea>" in page
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == ("in_progress", "QA's second.")
