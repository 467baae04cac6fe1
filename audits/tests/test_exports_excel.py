"""The CSV and XLSX exports as a QA manager opens them in Excel: parsed with the csv module and openpyxl."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.exports import ANSWER_HEADER, RETURN_HEADER
from audits.models import AuditStatus, CaseJudgement, FindingKind, PartAReturn, ReturnStatus
from audits.services.partb import finding_add, recommendation_add
from audits.services.retention import audit_purge_case_detail
from audits.tests.factories import FindingFactory, RecommendationFactory, RiskFactorFactory
from audits.tests.partb_support import build_audit, complete_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned(audit):
    """`audit` in Part B with Case 1 returned by both agencies."""
    audit.status = AuditStatus.PART_B
    audit.save()
    for ret in PartAReturn.objects.filter(audit=audit, case__reference="Case 1"):
        complete_return(ret, ranks=2)
    return audit


def _police(audit) -> PartAReturn:
    return PartAReturn.objects.get(audit=audit, case__reference="Case 1", agency__short_name="Police")


def _csv(client, audit) -> list[list[str]]:
    response = client.get(reverse("audits:export_csv", args=[audit.slug]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))


def _removed(audit) -> str:
    """What a cell emptied by the retention purge says, with the day it was purged."""
    audit.refresh_from_db()
    return f"[removed under the retention policy on {timezone.localdate(audit.purged_at).strftime('%-d %B %Y')}]"


def _xlsx(client, audit, **kwargs):
    response = client.get(reverse("audits:export_xlsx", args=[audit.slug]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)), **kwargs)


def test_text_pasted_from_word_with_control_characters_exports(client, qa_manager, returned):
    # Word's manual line break (Shift+Enter) pastes as a vertical tab, and a form feed or a bell can
    # come with it: the XLSX format has no place for them, and openpyxl refused the whole workbook (a 500).
    ret = _police(returned)
    ret.answers.filter(standard__order=1).update(evidence="Seen by the duty team.\x0bStrategy meeting held.\x07")
    PartAReturn.objects.filter(pk=ret.pk).update(strengths="Prompt\x0cresponse")
    client.force_login(qa_manager)
    answers = list(_xlsx(client, returned)["Answers"].iter_rows(values_only=True))
    assert "Seen by the duty team.\nStrategy meeting held." in [row[8] for row in answers]
    assert "Seen by the duty team.\nStrategy meeting held." in [row[8] for row in _csv(client, returned)]


FORMULA_LIKE = ['=HYPERLINK("http://evil.example","Click")', "-1 day after the referral", "+2 weeks", "@SUM(A1:A9)"]


def test_text_that_looks_like_a_formula_is_text_in_both_formats(client, qa_manager, returned):
    ret = _police(returned)
    for order, text in enumerate(FORMULA_LIKE, start=1):
        ret.answers.filter(standard__order=order).update(evidence=text)
    finding_add(user=qa_manager, audit=returned, kind=FindingKind.STRENGTH, heading="=1+1", body="-Good.")
    recommendation_add(
        user=qa_manager, audit=returned, text="+Review plans", owner="@Steering Group", due_date=timezone.localdate()
    )
    client.force_login(qa_manager)

    # CSV: a leading apostrophe, which Excel shows as text (OWASP's advice for CSV).
    evidence = [row[8] for row in _csv(client, returned)]
    assert all("'" + text in evidence for text in FORMULA_LIKE)

    # XLSX: string cells, as typed (no apostrophe to read past), marked as text for when the cell is edited.
    workbook = _xlsx(client, returned)
    cells = {cell.value: cell for sheet in workbook for row in sheet.iter_rows() for cell in row}
    for text in [*FORMULA_LIKE, "=1+1", "-Good.", "+Review plans", "@Steering Group"]:
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    assert not [cell for cell in cells.values() if cell.data_type == "f"]
    assert not [value for value in cells if isinstance(value, str) and value.startswith("'")]


def test_xlsx_dates_are_dates_and_orders_numbers(client, qa_manager, returned):
    due = timezone.localdate() + timedelta(days=40)
    recommendation_add(user=qa_manager, audit=returned, text="Review plans", owner="CSE Steering Group", due_date=due)
    client.force_login(qa_manager)
    sheet = _xlsx(client, returned)["Recommendations"]
    order, due_cell = sheet["A2"], sheet["D2"]
    assert order.value == 1 and order.data_type == "n"
    # A date Excel sorts and filters as a date, shown the British way.
    assert due_cell.is_date and due_cell.value.date() == due and due_cell.number_format == "dd/mm/yyyy"


@pytest.fixture
def no_involvement(returned):
    """Police graded Case 1, then ticked 'no involvement' and submitted; CSW had none with Case 2."""
    PartAReturn.objects.filter(pk=_police(returned).pk).update(
        no_involvement=True, no_involvement_reason="Not known to Sussex Police."
    )
    PartAReturn.objects.filter(audit=returned, case__reference="Case 2", agency__short_name="CSW").update(
        no_involvement=True, status=ReturnStatus.SUBMITTED, submitted_at=timezone.now()
    )
    return returned


def test_a_no_involvement_return_is_exported_as_the_board_shows_it(client, qa_manager, no_involvement):
    # The board says "No involvement" for every standard of such a return and shows no grade from it
    # (nor do the heatmap and the grade counts); the export gave Police's leftover grades as
    # "Submitted" answers, and left out CSW's return, which has no answers, altogether.
    client.force_login(qa_manager)
    csv_rows = _csv(client, no_involvement)
    xlsx_rows = list(_xlsx(client, no_involvement, read_only=True)["Answers"].iter_rows(values_only=True))
    for rows, blank in ((csv_rows, ""), (xlsx_rows, None)):
        police = [row for row in rows if tuple(row[1:3]) == ("Case 1", "Sussex Police")]
        assert [tuple(row[3:]) for row in police] == [
            (blank, blank, blank, blank, blank, "Not known to Sussex Police.", "No involvement")
        ]
        csw = [row for row in rows if tuple(row[1:3]) == ("Case 2", "Children's Social Work")]
        assert [row[9] for row in csw] == ["No involvement"]
        # CSW's answers to Case 1 are all there, between them, in case and agency order.
        assert [tuple(row[1:3]) for row in rows[1:]] == [("Case 1", "Children's Social Work")] * 10 + [
            ("Case 1", "Sussex Police"),
            ("Case 2", "Children's Social Work"),
        ]
        assert {row[6] for row in rows[1:11]} == {"Good"} and {row[9] for row in rows[1:11]} == {"Submitted"}


def test_the_workbook_has_every_return_with_what_the_board_says_of_the_case_as_a_whole(
    client, qa_manager, no_involvement
):
    csw = PartAReturn.objects.get(audit=no_involvement, case__reference="Case 1", agency__short_name="CSW")
    PartAReturn.objects.filter(pk=csw.pk).update(
        status=ReturnStatus.ACCEPTED, accepted_at=timezone.now(), strengths="-Prompt strategy meeting."
    )
    csw.risk_factors.add(RiskFactorFactory(name="Missing episodes", slug="missing"))
    client.force_login(qa_manager)
    sheet = _xlsx(client, no_involvement)["Returns"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(RETURN_HEADER)
    by_return = {row[:2]: row for row in rows[1:]}
    assert len(by_return) == len(rows) - 1 == PartAReturn.objects.filter(audit=no_involvement).count() == 4
    case1_csw = by_return[("Case 1", "Children's Social Work")]
    assert case1_csw[2:9] == (
        "Accepted",
        None,
        None,
        "Good",
        "-Prompt strategy meeting.",
        "CSW should record the child's voice.",
        "Missing episodes",
    )
    # As on the board, a no-involvement return is its reason: not the grade and texts left from before.
    assert by_return[("Case 1", "Sussex Police")][2:9] == (
        "No involvement",
        "yes",
        "Not known to Sussex Police.",
        None,
        None,
        None,
        None,
    )
    assert by_return[("Case 2", "Sussex Police")][2] == "Not started"
    # Submitted and accepted are the local date and time, as date cells.
    submitted, accepted = sheet["J2"], sheet["K2"]
    assert submitted.is_date and accepted.is_date and accepted.number_format == "dd/mm/yyyy hh:mm"
    local = timezone.localtime(PartAReturn.objects.get(pk=csw.pk).accepted_at).replace(tzinfo=None)
    assert abs(accepted.value - local) < timedelta(seconds=1)


# --- What was right already, kept so ------------------------------------------------------------


def test_csv_opens_in_excel_as_utf8_with_line_breaks_kept_in_their_cell(client, lead_officer, returned):
    ret = _police(returned)
    ret.answers.filter(standard__order=1).update(evidence="Siân's worker: £40 for travel — paid.\r\nSeen on the 3rd.")
    client.force_login(lead_officer)
    response = client.get(reverse("audits:export_csv", args=[returned.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="cse-audit-{timezone.localdate():%Y-%m-%d}.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == ANSWER_HEADER and {len(row) for row in rows} == {len(ANSWER_HEADER)}
    assert "Siân's worker: £40 for travel — paid.\r\nSeen on the 3rd." in [row[8] for row in rows]
    assert len(rows) == 1 + 20


def test_xlsx_file_name_and_no_other_audits_data(client, lead_officer, returned, other_audit):
    complete_return(PartAReturn.objects.get(audit=other_audit), ranks=1, evidence="Neglect evidence")
    client.force_login(lead_officer)
    response = client.get(reverse("audits:export_xlsx", args=[returned.slug]))
    assert response["Content-Disposition"] == f'attachment; filename="cse-audit-{timezone.localdate():%Y-%m-%d}.xlsx"'
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = {v for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row if v}
    assert not [v for v in values if "Neglect" in str(v)]
    # Another audit's lead officer is answered as if it did not exist (docs/permissions.md).
    assert client.get(reverse("audits:export_xlsx", args=[other_audit.slug])).status_code == 404
    assert client.get(reverse("audits:export_csv", args=[other_audit.slug])).status_code == 404


def test_the_workbook_has_the_cohort_with_age_band_gender_and_risk_factors(client, qa_manager, returned):
    case = returned.cases.get(reference="Case 1")
    case.age_band, case.gender = "13-15", "female"
    case.save()
    case.risk_factors.set([RiskFactorFactory(name="Missing episodes"), RiskFactorFactory(name="Drug misuse")])
    client.force_login(qa_manager)
    rows = list(_xlsx(client, returned, read_only=True)["Cases"].iter_rows(values_only=True))
    assert rows[0] == ("Case reference", "Age band", "Gender", "Risk factors")
    assert rows[1] == ("Case 1", "13 to 15", "Female", "Drug misuse; Missing episodes")
    assert [row[0] for row in rows[1:]] == list(
        returned.cases.order_by("order", "reference").values_list("reference", flat=True)
    )
    # After the retention purge the case's risk factors are gone, from the export as from the board,
    # and the cell says so rather than being blank as if the case had none.
    returned.status = AuditStatus.CLOSED
    returned.closed_at = timezone.now()
    returned.save()
    audit_purge_case_detail(audit=returned)
    rows = list(_xlsx(client, returned, read_only=True)["Cases"].iter_rows(values_only=True))
    assert rows[1] == ("Case 1", "13 to 15", "Female", _removed(returned))


def test_a_purged_audit_exports_what_is_kept(client, qa_manager, no_involvement):
    CaseJudgement.objects.create(
        case=no_involvement.cases.get(reference="Case 1"),
        grade=no_involvement.tool_version.scale.grades.get(rank=2),
        reasons="All agreed.",
    )
    FindingFactory(audit=no_involvement, heading="Timely sharing", body="Kept after the purge.")
    no_involvement.status = AuditStatus.CLOSED
    no_involvement.closed_at = timezone.now()
    no_involvement.save()
    audit_purge_case_detail(audit=no_involvement)
    client.force_login(qa_manager)
    removed = _removed(no_involvement)
    rows = _csv(client, no_involvement)
    assert rows[0] == ANSWER_HEADER  # the same columns, purged or not
    assert len(rows) == 1 + 10 + 2
    # The evidence (and the no-involvement reasons in that column) say they were removed, and when:
    # a blank would read as never written.
    assert {row[6] for row in rows[1:11]} == {"Good"} and {row[8] for row in rows[1:]} == {removed}
    workbook = _xlsx(client, no_involvement, read_only=True)
    returns = list(workbook["Returns"].iter_rows(values_only=True))
    assert list(returns[0]) == RETURN_HEADER
    assert [row[4:9] for row in returns[1:] if row[2] in ("Submitted", "No involvement")] == [
        (None, "Good", removed, removed, removed),
        (removed, None, None, None, None),
        (removed, None, None, None, None),
    ]
    assert list(workbook["Consensus judgements"].iter_rows(values_only=True))[1] == (
        "Case 1",
        "Overall",
        "Good",
        removed,
    )
    assert list(workbook["Findings"].iter_rows(values_only=True))[1][3:5] == ("Timely sharing", "Kept after the purge.")


def _bigger(audit, qa_manager):
    """Judgements, a cited finding and a recommendation per agency, for every case and agency."""
    grade = audit.tool_version.scale.grades.get(rank=1)
    cases = list(audit.cases.all())
    for case in cases:
        CaseJudgement.objects.create(case=case, grade=grade, reasons="Agreed.")
    finding = FindingFactory(audit=audit)
    finding.cases.set(cases)
    finding.returns.set(PartAReturn.objects.filter(audit=audit))
    for participant in audit.participants.all():
        RecommendationFactory(audit=audit, owner="", owner_agency=participant.agency)
    return audit


@pytest.mark.parametrize("name", ["audits:export_csv", "audits:export_xlsx"])
def test_export_queries_do_not_grow_with_the_audit(client, qa_manager, django_assert_num_queries, name):
    # 3 agencies × 2 cases × 10 standards, then 15 × 10 × 40 (6,000 answers): the same queries.
    small = _bigger(build_audit(agencies=3, cases=2), qa_manager)
    large = _bigger(build_audit(agencies=15, cases=10, standards=40), qa_manager)
    client.force_login(qa_manager)
    expected = {"audits:export_csv": 5, "audits:export_xlsx": 14}[name]
    for audit, answers in ((small, 60), (large, 6000)):
        with django_assert_num_queries(expected):
            response = client.get(reverse(name, args=[audit.slug]))
            body = b"".join(response.streaming_content)
        if name == "audits:export_csv":
            assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))) == 1 + answers
        else:
            workbook = load_workbook(io.BytesIO(body), read_only=True)
            assert len(list(workbook["Answers"].iter_rows())) == 1 + answers
            assert len(list(workbook["Returns"].iter_rows())) == 1 + answers // (10 if audit is small else 40)
            assert len(list(workbook["Cases"].iter_rows())) == 1 + (2 if audit is small else 10)
