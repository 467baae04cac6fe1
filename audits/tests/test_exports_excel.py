"""The CSV and XLSX exports as a QA manager opens them in Excel: parsed with the csv module and openpyxl."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.exports import RETURN_HEADER
from audits.models import AuditStatus, FindingKind, PartAReturn, ReturnStatus
from audits.services.partb import finding_add, recommendation_add
from audits.tests.factories import RiskFactorFactory
from audits.tests.partb_support import complete_return

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
