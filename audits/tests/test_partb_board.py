"""The evidence board: side by side, divergence flags, consensus judgements, promotion, query counts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import (
    AuditStatus,
    CaseJudgement,
    Finding,
    FindingKind,
    Grade,
    PartAReturn,
    ReturnStatus,
    Section,
)
from audits.selectors.partb import evidence_board, judgement_marker
from audits.services.partb import finding_promote, judgement_record
from audits.tests.partb_support import build_audit, complete_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def part_b(audit):
    """The cast's audit in Part B: Police graded Outstanding throughout for Case 1, CSW Requires
    improvement (two steps apart); Case 2: Police had no involvement, CSW has not returned."""
    audit.status = AuditStatus.PART_B
    audit.save()
    r = {(x.case.reference, x.agency.short_name): x for x in PartAReturn.objects.filter(audit=audit)}
    complete_return(r["Case 1", "Police"], ranks=1, strengths="Police shared <b>everything</b> at once.")
    complete_return(r["Case 1", "CSW"], ranks=3, evidence="Plan not recorded")
    ni = r["Case 2", "Police"]
    ni.no_involvement, ni.status, ni.no_involvement_reason = True, ReturnStatus.ACCEPTED, "Not known to us."
    ni.save()
    draft = r["Case 2", "CSW"]
    draft.status = ReturnStatus.DRAFT
    draft.strengths = "Draft text nobody should see on the board"
    draft.save()
    return audit


def board_url(audit, case):
    return reverse("audits:evidence_board", args=[audit.slug, case.pk])


def test_board_shows_grades_side_by_side_and_flags_two_step_differences(client, qa_manager, part_b):
    case1 = part_b.cases.get(reference="Case 1")
    client.force_login(qa_manager)
    response = client.get(board_url(part_b, case1))
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count('<span class="grade-label">Outstanding</span>') == 10
    assert html.count('<span class="grade-label">Requires improvement</span>') == 10
    # Every standard differs by two steps: flagged in text, not only by colour.
    assert html.count("Grades differ by 2 steps") == 10
    assert html.count('data-divergent="true"') == 10
    assert "10 standards where agencies' grades differ, marked “Grades differ”." in html
    assert "10 of them by two or more steps" in html
    assert "Plan not recorded" in html
    # Free text is escaped.
    assert "<b>everything</b>" not in html and "&lt;b&gt;everything&lt;/b&gt;" in html


def test_boards_index_shows_each_cases_stages_judged_and_overall_grade(client, qa_manager, part_b):
    case1 = part_b.cases.select_related("audit").get(reference="Case 1")
    grades = {g.rank: g for g in Grade.objects.filter(scale_id=part_b.tool_version.scale_id)}
    first_stage = Section.objects.filter(version_id=part_b.tool_version_id).order_by("order").first()
    judgement_record(user=qa_manager, case=case1, section=first_stage, grade=grades[2], reasons="")
    judgement_record(user=qa_manager, case=case1, section=None, grade=grades[3], reasons="")
    stages = Section.objects.filter(version_id=part_b.tool_version_id).count()
    client.force_login(qa_manager)

    html = client.get(reverse("audits:boards", args=[part_b.slug])).content.decode()

    row1 = html.split('data-testid="board-row-case-1"')[1].split("</tr>")[0]
    row2 = html.split('data-testid="board-row-case-2"')[1].split("</tr>")[0]
    assert f"<td>1 of {stages}</td>" in row1 and f"<td>{grades[3].label}</td>" in row1
    assert f"<td>0 of {stages}</td>" in row2 and "<td>Not yet</td>" in row2


def test_board_cells_escape_evidence_and_keep_its_line_breaks(client, qa_manager, part_b):
    """The cells are built in Python (audits.templatetags.boards): the same escaping and line
    breaks as `{{ evidence|linebreaksbr }}`, and the judgement fields post what ConsensusForm reads."""
    case1 = part_b.cases.get(reference="Case 1")
    ret = PartAReturn.objects.get(case=case1, agency__short_name="CSW")
    answer = ret.answers.order_by("standard__section__order", "standard__order").first()
    answer.evidence = 'Line one <script>alert("x")</script>\r\nLine two & "three"\rLine four'
    answer.save()
    client.force_login(qa_manager)
    html = client.get(board_url(part_b, case1)).content.decode()
    assert (
        '<div class="evidence">Line one &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>'
        "Line two &amp; &quot;three&quot;<br>Line four</div>"
    ) in html
    assert "<script>alert" not in html
    section = Section.objects.filter(version=part_b.tool_version).order_by("order").first()
    assert f'<select name="stage-{section.pk}-grade" id="id_stage-{section.pk}-grade"' in html
    assert '<textarea name="overall-reasons" id="id_overall-reasons"' in html


def test_board_shows_no_involvement_and_hides_unreceived_returns(client, qa_manager, part_b):
    case2 = part_b.cases.get(reference="Case 2")
    client.force_login(qa_manager)
    html = client.get(board_url(part_b, case2)).content.decode()
    assert html.count('<span class="no-involvement">No involvement</span>') == 10
    assert "Not known to us." in html
    assert "No return (draft)" in html
    assert "Draft text nobody should see" not in html


def test_selector_difference_is_by_rank_steps(part_b, qa_manager):
    case1 = part_b.cases.get(reference="Case 1")
    board = evidence_board(qa_manager, part_b, case1)
    row = board.stages[0].rows[0]
    assert row.spread == 2 and row.differs and row.divergent
    assert (board.differing_count, board.divergent_count) == (10, 10)
    # One step apart: the grades differ, but not by two or more steps.
    csw = PartAReturn.objects.get(case=case1, agency__short_name="CSW")
    good = Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=2)
    csw.answers.update(grade=good)
    board = evidence_board(qa_manager, part_b, case1)
    row = board.stages[0].rows[0]
    assert row.spread == 1 and row.differs and not row.divergent
    assert (board.differing_count, board.divergent_count) == (10, 0)


def _rows(html: str) -> dict[str, str]:
    """Each standard's row of the board by its code (the <tr> and its heading cell)."""
    rows = {}
    for chunk in html.split("<tr")[1:]:
        if '<th scope="row" class="board-standard-col">' in chunk:
            code = chunk.split('<span class="fw-semibold">')[1].split("</span>")[0]
            rows[code] = "<tr" + chunk.split("</th>")[0]
    return rows


def test_one_step_difference_is_marked_in_words_and_two_steps_more_strongly(client, qa_manager, part_b):
    """Grades one step apart (Good and Requires improvement) are said to differ in the row's
    heading, not only by the grades' colours; two or more steps keep the stronger flag."""
    case1 = part_b.cases.get(reference="Case 1")
    csw = PartAReturn.objects.get(case=case1, agency__short_name="CSW")
    police = PartAReturn.objects.get(case=case1, agency__short_name="Police")
    scale = {g.rank: g for g in Grade.objects.filter(scale_id=part_b.tool_version.scale_id)}
    answers = list(csw.answers.select_related("standard").order_by("standard__section__order", "standard__order"))
    one_step, two_steps, same = answers[0].standard, answers[1].standard, answers[2].standard
    # Police: Outstanding throughout. CSW: Good (one step), Requires improvement (two), Outstanding (none).
    csw.answers.filter(standard=one_step).update(grade=scale[2])
    csw.answers.filter(standard=same).update(grade=scale[1])
    police.answers.filter(standard=same).update(grade=scale[1])
    client.force_login(qa_manager)

    html = client.get(board_url(part_b, case1)).content.decode()
    rows = _rows(html)

    assert 'data-grades-differ="true"' in rows[one_step.code]
    assert "Grades differ by 1 step<" in rows[one_step.code]
    assert "data-divergent" not in rows[one_step.code] and "⚑" not in rows[one_step.code]
    assert 'data-grades-differ="true" data-divergent="true"' in rows[two_steps.code]
    assert "⚑ </span>Grades differ by 2 steps<" in rows[two_steps.code]
    assert "Grades differ" not in rows[same.code] and "data-grades-differ" not in rows[same.code]
    # The summary counts both; the strong mark only the two-step ones (8 more rows are two steps apart).
    assert "10 standards where agencies' grades differ" not in html
    assert "9 standards where agencies' grades differ, marked “Grades differ”." in html
    assert "8 of them by two or more steps" in html
    # The filter is offered (shown by partb.js), and each stage says how many of its standards differ.
    assert 'id="differences-toggle"' in html
    assert html.count('data-testid="stage-differences"') == len(_stages(part_b))


def test_not_applicable_and_missing_returns_are_not_differences(client, qa_manager, part_b):
    case1 = part_b.cases.get(reference="Case 1")
    csw = PartAReturn.objects.get(case=case1, agency__short_name="CSW")
    first = csw.answers.select_related("standard").order_by("standard__section__order", "standard__order").first()
    # Every CSW answer Not applicable but the first, which Police and CSW both grade Outstanding.
    csw.answers.exclude(pk=first.pk).update(grade=None, not_applicable=True)
    outstanding = Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=1)
    csw.answers.filter(pk=first.pk).update(grade=outstanding)
    client.force_login(qa_manager)

    html = client.get(board_url(part_b, case1)).content.decode()
    assert html.count('<span class="grade-label">Not applicable</span>') == 9
    assert "Grades differ" not in html and "data-grades-differ" not in html
    assert "No standard where agencies' grades differ." in html
    assert 'id="differences-toggle"' not in html
    board = evidence_board(qa_manager, part_b, case1)
    assert board.differing_count == 0

    # A return not received is no difference either: Case 1's CSW return sent back to its auditor.
    csw.answers.update(grade=Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=4), not_applicable=False)
    assert evidence_board(qa_manager, part_b, case1).differing_count == 10
    PartAReturn.objects.filter(pk=csw.pk).update(status=ReturnStatus.RETURNED)
    assert evidence_board(qa_manager, part_b, case1).differing_count == 0


def test_viewing_a_board_writes_one_view_record(client, lead_officer, part_b):
    case1 = part_b.cases.get(reference="Case 1")
    client.force_login(lead_officer)
    client.get(board_url(part_b, case1))
    records = AccessRecord.objects.filter(action=AccessAction.VIEW, object_type="audits.case", object_id=str(case1.pk))
    assert records.count() == 1
    assert records.get().user == lead_officer


def test_consensus_judgement_per_stage_and_overall(client, qa_manager, part_b):
    case1 = part_b.cases.get(reference="Case 1")
    section = Section.objects.filter(version=part_b.tool_version).order_by("order").first()
    good = Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=2)
    url = reverse("audits:judgement", args=[part_b.slug, case1.pk])
    client.force_login(qa_manager)

    response = client.post(
        url, {"section": section.pk, f"stage-{section.pk}-grade": good.pk, f"stage-{section.pk}-reasons": "Prompt."}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#consensus-stage-{section.pk}")
    client.post(url, {"section": "", "overall-grade": good.pk, "overall-reasons": "Overall good."})
    # Recording again updates, never duplicates.
    client.post(url, {"section": "", "overall-grade": good.pk, "overall-reasons": "Overall good, agreed."})

    stage = CaseJudgement.objects.get(case=case1, section=section)
    assert (stage.grade, stage.reasons, stage.recorded_by) == (good, "Prompt.", qa_manager)
    overall = CaseJudgement.objects.get(case=case1, section__isnull=True)
    assert overall.reasons == "Overall good, agreed."
    html = client.get(board_url(part_b, case1)).content.decode()
    assert "Overall good, agreed." in html
    assert (
        AccessRecord.objects.filter(action=AccessAction.CHANGE, summary__startswith="Consensus judgement").count() == 3
    )


def _stages(audit):
    return list(Section.objects.filter(version=audit.tool_version).order_by("order"))


def test_the_whole_board_is_one_form_so_saving_one_stage_saves_what_was_typed_for_the_others(
    client, qa_manager, part_b
):
    case1 = part_b.cases.get(reference="Case 1")
    first, second = _stages(part_b)[:2]
    good = Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=2)
    client.force_login(qa_manager)
    html = client.get(board_url(part_b, case1)).content.decode()
    # One form; every stage's fields and buttons name it.
    judgement_url = reverse("audits:judgement", args=[part_b.slug, case1.pk])
    assert html.count('id="consensus-form"') == 1 and html.count(f'action="{judgement_url}"') == 1
    assert f'name="stage-{first.pk}-reasons" id="id_stage-{first.pk}-reasons" rows="3" class="form-control"' in html
    assert html.count('form="consensus-form"') == 3 * (len(_stages(part_b)) + 1) + len(_stages(part_b)) + 1

    url = reverse("audits:judgement", args=[part_b.slug, case1.pk])
    response = client.post(
        url,
        {
            "section": first.pk,  # "Record consensus" of the first stage pressed
            f"stage-{first.pk}-grade": good.pk,
            f"stage-{first.pk}-reasons": "Prompt referral.",
            f"stage-{first.pk}-shown": "",
            f"stage-{second.pk}-grade": good.pk,
            f"stage-{second.pk}-reasons": "Typed for the second stage.",
            f"stage-{second.pk}-shown": "",
            "overall-grade": "",
            "overall-reasons": "",
            "overall-shown": "",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"#consensus-stage-{first.pk}")
    assert CaseJudgement.objects.get(case=case1, section=second).reasons == "Typed for the second stage."
    assert CaseJudgement.objects.get(case=case1, section=first).reasons == "Prompt referral."
    assert not CaseJudgement.objects.filter(case=case1, section__isnull=True).exists()
    assert f"Consensus judgements recorded for {first.title}, {second.title}." in response.content.decode()


def test_reasons_without_a_grade_are_kept_on_the_board_while_the_other_stages_are_saved(client, qa_manager, part_b):
    case1 = part_b.cases.get(reference="Case 1")
    first, second = _stages(part_b)[:2]
    good = Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=2)
    client.force_login(qa_manager)
    url = reverse("audits:judgement", args=[part_b.slug, case1.pk])
    response = client.post(
        url,
        {
            "section": first.pk,
            f"stage-{first.pk}-grade": good.pk,
            f"stage-{first.pk}-reasons": "Saved now.",
            f"stage-{second.pk}-grade": "",
            f"stage-{second.pk}-reasons": "Half-way through <the> assessment reasons",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200  # the first stage was saved, the second shown again
    assert CaseJudgement.objects.get(case=case1, section=first).reasons == "Saved now."
    assert not CaseJudgement.objects.filter(case=case1, section=second).exists()
    assert "Half-way through &lt;the&gt; assessment reasons</textarea>" in html
    assert f'id="stage-{second.pk}-unsaved"' in html and "choose a consensus grade" in html
    assert f'aria-invalid="true" aria-describedby="stage-{second.pk}-unsaved"' in html
    assert f"Not saved, and kept on the board as you typed it: {second.title}." in html

    # Nothing saved at all: refused (400), the text still kept.
    response = client.post(url, {"section": "", "overall-grade": "", "overall-reasons": "Overall, typed"})
    assert response.status_code == 400
    assert "Overall, typed</textarea>" in response.content.decode()
    assert not CaseJudgement.objects.filter(case=case1, section__isnull=True).exists()


def test_a_judgement_recorded_by_somebody_else_meanwhile_is_not_overwritten(client, qa_manager, lead_officer, part_b):
    case1 = part_b.cases.select_related("audit__tool_version").get(reference="Case 1")
    first = _stages(part_b)[0]
    grades = {g.rank: g for g in Grade.objects.filter(scale_id=part_b.tool_version.scale_id)}
    client.force_login(qa_manager)
    # The QA manager opens the board: nothing recorded yet (shown ""). The lead officer records
    # the overall judgement on their own device.
    judgement_record(user=lead_officer, case=case1, section=None, grade=grades[3], reasons="Theirs.")
    url = reverse("audits:judgement", args=[part_b.slug, case1.pk])
    data = {
        "section": "",
        "overall-grade": grades[2].pk,
        "overall-reasons": "Mine.",
        "overall-shown": "",
        # An unchanged stage with an old version shown is no conflict.
        f"stage-{first.pk}-grade": "",
        f"stage-{first.pk}-reasons": "",
        f"stage-{first.pk}-shown": "",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    overall = CaseJudgement.objects.get(case=case1, section__isnull=True)
    assert (overall.reasons, overall.recorded_by) == ("Theirs.", lead_officer)
    assert "Theirs." in html and "Mine.</textarea>" in html and "somebody else recorded this judgement" in html
    # Shown again, the board still posts what it first showed (nothing), so that saving again does
    # not replace theirs unseen: that takes ticking "Replace their judgement with mine".
    assert 'name="overall-shown" value=""' in html
    assert f'name="overall-replace" id="id_overall-replace" value="{judgement_marker(overall)}"' in html
    assert client.post(url, data).status_code == 400
    overall.refresh_from_db()
    assert overall.reasons == "Theirs."
    response = client.post(url, {**data, "overall-replace": judgement_marker(overall)})
    assert response.status_code == 302 and response["Location"].endswith("#consensus-overall")
    overall.refresh_from_db()
    assert (overall.reasons, overall.recorded_by) == ("Mine.", qa_manager)


def test_pressing_save_with_nothing_chosen_asks_for_a_grade(client, qa_manager, part_b):
    case1 = part_b.cases.get(reference="Case 1")
    client.force_login(qa_manager)
    url = reverse("audits:judgement", args=[part_b.slug, case1.pk])
    response = client.post(url, {"section": "", "overall-grade": "", "overall-reasons": ""}, follow=True)
    assert "Choose a consensus grade for the case overall." in response.content.decode()
    assert not CaseJudgement.objects.exists()


def test_judgement_refuses_a_grade_of_another_scale_and_a_closed_audit(part_b, qa_manager):
    from audits.tests.factories import make_scale

    other = make_scale("Another scale")
    alien = Grade.objects.create(scale=other, rank=9, code="x", label="X") if not other.grades.exists() else None
    alien = alien or other.grades.first()
    case1 = part_b.cases.get(reference="Case 1")
    with pytest.raises(ValidationError):
        judgement_record(user=qa_manager, case=case1, section=None, grade=alien, reasons="")
    part_b.status = AuditStatus.CLOSED
    part_b.save()
    case1 = part_b.cases.select_related("audit").get(reference="Case 1")
    good = Grade.objects.get(scale_id=part_b.tool_version.scale_id, rank=2)
    with pytest.raises(ValidationError):
        judgement_record(user=qa_manager, case=case1, section=None, grade=good, reasons="")


def test_promote_a_strength_to_an_overall_strength_keeping_the_link(client, qa_manager, part_b):
    ret = PartAReturn.objects.get(case__reference="Case 1", agency__short_name="Police", audit=part_b)
    client.force_login(qa_manager)
    url = reverse("audits:finding_promote", args=[part_b.slug])
    data = {"part_a_return": ret.pk, "field": "strengths", "kind": FindingKind.STRENGTH}

    response = client.post(url, data)
    assert response.status_code == 302
    finding = Finding.objects.get(audit=part_b, kind=FindingKind.STRENGTH)
    assert finding.body == "Police shared <b>everything</b> at once."
    assert list(finding.returns.all()) == [ret]
    assert list(finding.cases.all()) == [ret.case]
    # Promoting the same text again gives back the same finding.
    client.post(url, data)
    assert Finding.objects.filter(audit=part_b, kind=FindingKind.STRENGTH).count() == 1
    html = client.get(board_url(part_b, ret.case)).content.decode()
    assert "Already in overall strengths" in html


def test_promote_to_an_agency_finding_names_the_agency(part_b, qa_manager):
    ret = PartAReturn.objects.get(case__reference="Case 1", agency__short_name="CSW", audit=part_b)
    finding, created = finding_promote(
        user=qa_manager, part_a_return=ret, field="improvements", kind=FindingKind.AGENCY_IMPROVEMENT
    )
    assert created and finding.agency == ret.agency and finding.body == ret.improvements
    with pytest.raises(ValidationError):
        finding_promote(user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.KEY_MESSAGE)


@pytest.mark.parametrize("status", [ReturnStatus.DRAFT, ReturnStatus.NOT_STARTED, ReturnStatus.RETURNED])
def test_only_submitted_or_accepted_text_can_be_promoted(client, qa_manager, part_b, status):
    ret = PartAReturn.objects.get(case__reference="Case 1", agency__short_name="Police", audit=part_b)
    ret.status = status
    ret.save()
    client.force_login(qa_manager)
    url = reverse("audits:finding_promote", args=[part_b.slug])
    response = client.post(url, {"part_a_return": ret.pk, "field": "strengths", "kind": FindingKind.STRENGTH})
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="Only a submitted or accepted return"):
        finding_promote(user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH)
    assert not Finding.objects.filter(audit=part_b).exists()
    # Submitted, it can.
    ret.status = ReturnStatus.SUBMITTED
    ret.save()
    client.post(url, {"part_a_return": ret.pk, "field": "strengths", "kind": FindingKind.STRENGTH})
    assert Finding.objects.filter(audit=part_b, returns=ret).count() == 1


def test_promote_cannot_reach_a_return_of_another_audit(client, qa_manager, lead_officer, part_b, other_audit):
    foreign = PartAReturn.objects.filter(audit=other_audit).first()
    foreign.strengths = "Other audit's text"
    foreign.save()
    client.force_login(lead_officer)
    url = reverse("audits:finding_promote", args=[part_b.slug])
    client.post(url, {"part_a_return": foreign.pk, "field": "strengths", "kind": FindingKind.STRENGTH})
    assert not Finding.objects.filter(body="Other audit's text").exists()


def _board_queries(client, audit) -> int:
    case = audit.cases.order_by("order").first()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(board_url(audit, case))
    assert response.status_code == 200
    return len(ctx)


def test_board_query_count_does_not_grow_with_the_audit(client, lead_officer, django_assert_num_queries):
    small = build_audit(agencies=3, cases=2, lead_officer=lead_officer)
    large = build_audit(agencies=15, cases=10, lead_officer=lead_officer)
    client.force_login(lead_officer)
    _board_queries(client, small)  # warm up: the partnership row is created on first use

    # user with their agency, the audit, the managed_by check (3; the session comes from the
    # cache); the case; then the board: cases, participants with agency, returns visible to the
    # user with agency and overall grade, answers, judgements, links from findings to the returns,
    # the case's risk factors (7; the tool's sections, standards and grades were read by the
    # warm-up and are kept by the process: used_tool_layout); the VIEW access record (1): 12. The
    # partnership settings come from the cache.
    case = small.cases.order_by("order").first()
    with django_assert_num_queries(12):
        client.get(board_url(small, case))
    # The first board of another tool version reads its parts (standards with sections, grades: 2
    # more); from then on the same count as the small audit's.
    assert _board_queries(client, large) == _board_queries(client, small) + 2
    assert _board_queries(client, small) == _board_queries(client, large)


def test_board_page_has_large_type_and_print_controls(client, qa_manager, part_b):
    client.force_login(qa_manager)
    html = client.get(board_url(part_b, part_b.cases.first())).content.decode()
    assert 'id="large-type-toggle" aria-pressed="false"' in html
    assert "js/partb.js" in html
    assert " style=" not in html and "onclick" not in html
