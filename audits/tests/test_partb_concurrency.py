"""Two people editing Part B at once (the QA manager and the audit's lead officer, each on their own
device): a save writes only what its author changed, and never overwrites unseen what the other
saved in the meantime. What was typed is never lost."""

import html as html_lib
import re

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import CaseJudgement, Grade, Section
from audits.services.partb import judgement_record

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The evidence board ------------------------------------------------------------------------


def board_url(audit, case) -> str:
    return reverse("audits:evidence_board", args=[audit.slug, case.pk])


def board_form(page: str) -> dict[str, str]:
    """What the board's consensus form posts, read from the page as a browser would: each stage's
    chosen grade, reasons and hidden `-shown` marker (ticked boxes, such as `-replace`, are left out)."""
    data = {}
    for prefix in re.findall(r'name="((?:stage-\d+)|overall)-shown"', page):
        data[f"{prefix}-shown"] = html_lib.unescape(re.search(rf'name="{prefix}-shown" value="([^"]*)"', page)[1])
        select = re.search(rf'<select name="{prefix}-grade".*?</select>', page, re.S)[0]
        chosen = re.search(r'<option value="(\d+)" selected>', select)
        data[f"{prefix}-grade"] = chosen[1] if chosen else ""
        reasons = re.search(rf'<textarea name="{prefix}-reasons"[^>]*>(.*?)</textarea>', page, re.S)[1]
        data[f"{prefix}-reasons"] = html_lib.unescape(reasons)
    return data


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
