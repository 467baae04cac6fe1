"""The QA manager runs Part B of the demo's Brighton & Hove audit in Chromium, end to end."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from agencies.models import AccessAction, AccessRecord, Agency
from audits.models import (
    Answer,
    Attendance,
    AttendanceStatus,
    Audit,
    AuditStatus,
    CaseJudgement,
    Finding,
    FindingKind,
    PartAReturn,
    Recommendation,
)
from tests.fixtures_browser import axe_check, csp_violations, login

SLUG = "bh-cse-2015"


def go(page: Page, live_server, path: str) -> None:
    page.goto(f"{live_server.url}{path}")


@pytest.mark.browser
@override_settings(DEMO=True)
def test_qa_manager_runs_part_b(transactional_db, live_server, page: Page, browser_console, tmp_path):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    assert audit.status == AuditStatus.PART_A
    login(page, live_server, "qa.manager", "demo")

    # The dashboard: the cases × agencies matrix, with the chase action per auditor.
    go(page, live_server, f"/audits/{SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(audit.title)
    matrix = page.get_by_test_id("progress-matrix")
    expect(matrix.locator("tbody tr")).to_have_count(6)
    expect(matrix.get_by_text("No involvement").first).to_be_visible()
    expect(page.get_by_test_id("auditors").get_by_role("button", name="Chase").first).to_be_visible()
    axe_check(page)

    # Move to Part B: the returns still missing are listed, and the move needs a confirmation.
    missing = PartAReturn.objects.filter(audit=audit).exclude(status__in=["submitted", "accepted"]).count()
    assert missing > 0
    page.get_by_role("button", name="Move to Part B").click()
    expect(page.get_by_role("heading", name="Start Part B with returns missing?")).to_be_visible()
    expect(page.get_by_test_id("missing-returns").locator("tbody tr")).to_have_count(missing)
    page.get_by_test_id("confirm-part-b").click()
    expect(page.get_by_test_id("audit-status")).to_have_text("Stage: Part B")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_B

    # The venue, notes and attendance (the first two agencies present, the third sent apologies),
    # saved together.
    page.get_by_role("link", name="Session").click()
    page.get_by_role("textbox", name="Venue").fill("Hove Town Hall, Room 2")
    page.get_by_role("textbox", name="Notes").fill("Projector booked.")
    # Who chaired, and who else came besides the agencies' auditors (one a line).
    page.get_by_role("textbox", name="Chair").fill("Ann Lee, LSCB Quality Assurance Manager")
    page.get_by_role("textbox", name="Other attendees").fill("Dr Sam Roy, Designated Doctor\nDS Kim Hart, Police")
    rows = page.locator("fieldset.attendance-row")
    rows.nth(0).get_by_label("Present").check()
    rows.nth(1).get_by_label("Present").check()
    rows.nth(2).get_by_label("Apologies").check()
    page.get_by_role("button", name="Save session details and attendance").click()
    expect(page.get_by_text("Session saved.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Venue")).to_have_value("Hove Town Hall, Room 2")
    statuses = sorted(Attendance.objects.filter(session__audit=audit).values_list("status", flat=True))
    assert statuses == [AttendanceStatus.APOLOGIES, AttendanceStatus.PRESENT, AttendanceStatus.PRESENT]
    session = audit.session
    assert (session.venue, session.notes) == ("Hove Town Hall, Room 2", "Projector booked.")
    assert session.chair == "Ann Lee, LSCB Quality Assurance Manager"
    assert session.other_attendee_list == ["Dr Sam Roy, Designated Doctor", "DS Kim Hart, Police"]
    expect(page.get_by_role("textbox", name="Other attendees")).to_have_value(
        "Dr Sam Roy, Designated Doctor\nDS Kim Hart, Police"
    )
    axe_check(page)

    # The evidence board of Case 1: every agency side by side.
    page.get_by_role("link", name="Evidence boards").click()
    page.get_by_test_id("boards").get_by_role("link", name="Case 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence board: Case 1")
    expect(page.get_by_test_id("board-stage").first).to_be_visible()
    expect(page.get_by_text("No involvement").first).to_be_visible()
    axe_check(page)

    # Every difference between the agencies' grades is marked in words; a filter keeps only those rows.
    rows = page.locator("table.board-table > tbody > tr")
    differing = page.locator("table.board-table > tbody > tr[data-grades-differ]")
    total, n = rows.count(), differing.count()
    assert 0 < n < total
    expect(differing.first.get_by_text("Grades differ by")).to_be_visible()
    summary = page.get_by_test_id("divergence-summary")
    expect(summary).to_contain_text(f"{n} standards where agencies' grades differ")
    only = page.get_by_role("button", name="Only standards where grades differ")
    only.click()
    expect(only).to_have_attribute("aria-pressed", "true")
    expect(page.locator("table.board-table > tbody > tr:visible")).to_have_count(n)
    axe_check(page)
    only.click()
    expect(only).to_have_attribute("aria-pressed", "false")
    expect(page.locator("table.board-table > tbody > tr:visible")).to_have_count(total)

    # Large type for the projector, remembered across pages.
    toggle = page.locator("#large-type-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert "large-type" in page.evaluate("document.documentElement.className")
    page.reload()
    expect(page.locator("#large-type-toggle")).to_have_attribute("aria-pressed", "true")
    page.locator("#large-type-toggle").click()

    # The consensus judgement for the case overall, with the reasons. What was typed for the first
    # stage meanwhile is saved with it: the board is one form, nothing typed is lost.
    first_stage = page.locator("section.board-stage").first
    first_stage.get_by_label("Consensus grade").select_option(label="Requires improvement")
    first_stage.get_by_label("Reasons").fill("Referral made, strategy meeting late.")
    overall = page.locator("#overall")
    overall.get_by_label("Consensus grade").select_option(label="Good")
    overall.get_by_label("Reasons").fill("Agencies shared information promptly; plans not always recorded.")
    overall.get_by_role("button", name="Record consensus").click()
    # The page opens again at the consensus saved, with the confirmation there, not off-screen at the top.
    assert page.url.endswith("#consensus-overall")
    page.wait_for_function("() => window.scrollY > 1000")
    expect(page.get_by_text("Consensus judgements recorded for")).to_be_in_viewport()
    judgement = CaseJudgement.objects.get(case__audit=audit, case__reference="Case 1", section__isnull=True)
    assert judgement.grade.label == "Good"
    assert judgement.reasons == "Agencies shared information promptly; plans not always recorded."
    stage = CaseJudgement.objects.get(case__audit=audit, case__reference="Case 1", section__isnull=False)
    assert (stage.grade.label, stage.reasons) == ("Requires improvement", "Referral made, strategy meeting late.")
    expect(page.locator("section.board-stage").first.get_by_label("Reasons")).to_have_value(stage.reasons)

    # Promote Children's Social Work's strengths to an overall strength, keeping the link.
    social_work = Agency.objects.get(short_name="BHCC CSW")
    ret = PartAReturn.objects.get(audit=audit, case__reference="Case 1", agency=social_work)
    assert ret.strengths
    strengths_before = Finding.objects.filter(audit=audit, kind=FindingKind.STRENGTH).count()
    account = page.locator(f"#agency-{social_work.pk}")
    account.get_by_role("button", name="Promote to overall strengths").click()
    page.wait_for_function("() => window.scrollY > 1000")
    expect(page.get_by_text("Promoted to Overall strength")).to_be_in_viewport()
    expect(page.locator(f"#agency-{social_work.pk}").get_by_text("Already in overall strengths")).to_be_visible()
    promoted = Finding.objects.get(audit=audit, kind=FindingKind.STRENGTH, returns=ret)
    assert promoted.body == ret.strengths.strip()
    assert list(promoted.cases.values_list("reference", flat=True)) == ["Case 1"]
    assert Finding.objects.filter(audit=audit, kind=FindingKind.STRENGTH).count() == strengths_before + 1

    # On the findings page the promoted strength is last; one click moves it up a place.
    page.get_by_role("link", name="Findings").first.click()
    strengths = page.get_by_test_id("findings-strength")
    n = strengths_before + 1
    strengths.get_by_role("button", name=f"Move item {n} up").click()
    page.wait_for_url(f"**#finding-{promoted.pk}")
    order = list(
        Finding.objects.filter(audit=audit, kind=FindingKind.STRENGTH)
        .order_by("order", "pk")
        .values_list("pk", flat=True)
    )
    assert order.index(promoted.pk) == n - 2
    expect(page.get_by_test_id("findings-strength").get_by_role("button", name=f"Move item {n} down")).to_be_disabled()
    axe_check(page)

    # A key message added at the foot of its list: the confirmation is shown there.
    page.get_by_role("link", name="Add: Key message for inter-agency learning").click()
    adding = page.get_by_test_id("finding-add")
    adding.get_by_label("Lead-in (printed in bold)").fill("Share early.")
    adding.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Added to Key message for inter-agency learning.")).to_be_in_viewport()
    assert Finding.objects.filter(audit=audit, kind=FindingKind.KEY_MESSAGE, heading="Share early.").exists()
    axe_check(page)

    # A recommendation with an owner and a due date.
    page.get_by_role("link", name="Recommendations").first.click()
    form = page.get_by_test_id("recommendation-form")
    form.get_by_label("Recommendation").fill("Review every Child in Need plan for CSE risk indicators.")
    form.get_by_label("Owner group").fill("CSE Steering Group")
    due = (timezone.localdate() + timedelta(days=120)).isoformat()
    form.get_by_label("Due date").fill(due)
    form.get_by_role("button", name="Add recommendation").click()
    expect(page.get_by_text("Recommendation added.")).to_be_visible()
    rec = Recommendation.objects.get(audit=audit, text="Review every Child in Need plan for CSE risk indicators.")
    assert (rec.owner_name, rec.due_date.isoformat()) == ("CSE Steering Group", due)

    # The XLSX export, downloaded and opened.
    page.get_by_role("link", name="Progress").click()
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.startswith(SLUG) and path.suffix == ".xlsx"
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Answers", "Returns", "Cases", "Consensus judgements", "Findings", "Recommendations"]
    answers = list(workbook["Answers"].iter_rows(values_only=True))
    assert answers[0][:7] == ("Audit", "Case reference", "Agency", "Stage", "Standard code", "Standard", "Grade")
    # One row per answer, and one per received return of an agency with no involvement in the case.
    no_involvement = PartAReturn.objects.filter(audit=audit, no_involvement=True)
    assert len(answers) - 1 == (
        Answer.objects.filter(part_a_return__audit=audit).exclude(part_a_return__in=no_involvement).count()
        + no_involvement.filter(status__in=["submitted", "accepted"]).count()
    )
    assert {row[0] for row in answers[1:]} == {audit.title}
    assert {row[1] for row in answers[1:]} <= {f"Case {n}" for n in range(1, 7)}
    judgements = list(workbook["Consensus judgements"].iter_rows(values_only=True))
    assert ("Case 1", "Overall", "Good") in [row[:3] for row in judgements]
    findings = list(workbook["Findings"].iter_rows(values_only=True))
    assert any(row[4] == promoted.body and row[7] == "Case 1 (BHCC CSW)" for row in findings)
    recs = list(workbook["Recommendations"].iter_rows(values_only=True))
    assert any(
        row[1] == rec.text and row[2] == "CSE Steering Group" and row[3].date().isoformat() == due for row in recs
    )
    assert AccessRecord.objects.filter(action=AccessAction.EXPORT, username="qa.manager").count() == 1

    assert not csp_violations(browser_console), browser_console
    # The browser's own favicon request is not this journey's business.
    errors = [e for e in browser_console if e.type in ("error", "pageerror") and "favicon" not in e.url]
    assert not errors, errors


@pytest.mark.browser
@override_settings(DEMO=True)
def test_auditor_reads_the_board_during_part_b_only(transactional_db, live_server, page: Page, browser_console):
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    case = audit.cases.get(reference="Case 1")
    login(page, live_server, "auditor.police", "demo")

    response = page.goto(f"{live_server.url}/audits/{SLUG}/cases/{case.pk}/board/")
    assert response.status == 404

    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    page.goto(f"{live_server.url}/audits/{SLUG}/cases/{case.pk}/board/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence board: Case 1")
    expect(page.get_by_role("button", name="Record consensus")).to_have_count(0)
    expect(page.get_by_role("button", name="Promote to overall strengths")).to_have_count(0)
    axe_check(page)

    # "Grades only" hides the evidence text, to fit more agencies on the projector.
    evidence = page.locator(".board-cell .evidence").first
    expect(evidence).to_be_visible()
    page.get_by_role("button", name="Grades only").click()
    expect(evidence).to_be_hidden()
    page.get_by_role("button", name="Grades only").click()
    expect(evidence).to_be_visible()
    # Printed, the board keeps the tables and drops the controls and navigation.
    page.emulate_media(media="print")
    expect(page.get_by_test_id("board-stage").first).to_be_visible()
    expect(page.get_by_role("button", name="Large type")).to_be_hidden()
    expect(page.locator(".audit-tabs")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Heatmap").click()
    expect(page.locator("svg.heatmap-svg")).to_be_visible()
    axe_check(page)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_long_finding_text_is_counted_and_refused_whole(transactional_db, live_server, page: Page, browser_console):
    """A paste over the limit is never cut off by the browser: counted, then refused by the server
    next to the field, with the whole text kept in it."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug="dudley-cse-2017")  # reported: its findings are still edited
    finding = Finding.objects.filter(audit=audit).exclude(body="").order_by("kind", "order").first()
    before = finding.body
    login(page, live_server, "qa.manager", "demo")
    go(page, live_server, f"/audits/{audit.slug}/findings/{finding.pk}/")
    text = page.get_by_role("textbox", name="Text", exact=True)
    count = page.locator("#id_body-count")
    expect(count).to_be_hidden()  # far from the limit: no count

    text.fill("a" * 9_500)
    expect(count).to_have_text("500 characters left (the limit is 10,000)")
    text.fill("")
    text.focus()
    page.keyboard.insert_text("b" * 10_050)
    assert len(text.input_value()) == 10_050  # not cut off at 10,000
    expect(count).to_have_text("50 characters too many (the limit is 10,000): shorten this text to save it")
    axe_check(page)

    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_body_error")).to_contain_text(
        "This text is 10050 characters long, over the limit of 10000: shorten it to save it."
    )
    text = page.get_by_role("textbox", name="Text", exact=True)
    assert len(text.input_value()) == 10_050
    expect(page.locator("#id_body-count")).to_contain_text("50 characters too many")
    finding.refresh_from_db()
    assert finding.body == before
    axe_check(page)
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_long_finding_heading_is_counted_and_refused_whole(
    transactional_db, live_server, page: Page, browser_console
):
    """A heading is a line of text, and behaves as the long texts do: a paste over its limit is not cut
    off by the browser (no maxlength), it is counted, then refused next to the field, the whole kept."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug="dudley-cse-2017")  # reported: its findings are still edited
    finding = Finding.objects.filter(audit=audit).order_by("kind", "order").first()
    before = finding.heading
    login(page, live_server, "qa.manager", "demo")
    go(page, live_server, f"/audits/{audit.slug}/findings/{finding.pk}/")
    heading = page.locator("#id_heading")
    count = page.locator("#id_heading-count")
    assert heading.get_attribute("maxlength") is None
    expect(count).to_be_hidden()

    heading.fill("")
    heading.focus()
    page.keyboard.insert_text("h" * 350)  # as a paste: one insertion
    assert len(heading.input_value()) == 350  # not cut off at 300
    expect(count).to_be_visible()
    expect(count).to_have_text("50 characters too many (the limit is 300): shorten this text to save it")
    expect(heading).to_have_attribute("aria-describedby", re.compile(r"\bid_heading-count\b"))
    axe_check(page)

    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_heading_error")).to_contain_text(
        "This text is 350 characters long, over the limit of 300: shorten it to save it. What you typed is kept here."
    )
    heading = page.locator("#id_heading")
    assert heading.input_value() == "h" * 350
    expect(page.locator("#id_heading-count")).to_contain_text("50 characters too many")
    finding.refresh_from_db()
    assert finding.heading == before
    axe_check(page)
    assert not csp_violations(browser_console), browser_console
