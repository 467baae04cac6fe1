"""CSV and XLSX exports of an audit. The CSV: one row per Part A answer (and one per agency with no
involvement in a case). The XLSX: those answers, then one row per return (overall grade, strengths,
areas for improvement), one per case (age band, gender, risk factors), the consensus judgements, findings
and recommendations.

After the retention purge, the removed texts (evidence, reasons, strengths, areas for improvement,
consensus reasons) and risk factors say so in their cells, "[removed under the retention policy on 30
June 2025]", instead of being blank as if nobody had written anything; the columns stay the same.

Pseudonymised by construction: a case is only ever its reference. Answers are read through
PartAReturn.objects.visible_to(user) like every other page, and iterated in chunks so that a
large audit is never held in memory at once.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections import defaultdict
from collections.abc import Iterator

from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from agencies.sheets import FORMULA_STARTS, as_text, plain_text
from audits.models import Answer, Audit, Case, CaseJudgement, PartAReturn
from audits.selectors.partb import findings_by_kind, is_received

ANSWER_HEADER = [
    "Audit",
    "Case reference",
    "Agency",
    "Stage",
    "Standard code",
    "Standard",
    "Grade",
    "Not applicable",
    "Evidence",
    "Return status",
]
RETURN_HEADER = [
    "Case reference",
    "Agency",
    "Return status",
    "No involvement",
    "Reason for no involvement",
    "Overall grade",
    "Strengths",
    "Areas for improvement",
    "Risk factors seen",
    "Submitted",
    "Accepted",
]
CASE_HEADER = ["Case reference", "Age band", "Gender", "Risk factors"]
FINDING_HEADER = ["Kind", "Order", "Agency", "Heading", "Text", "Risk factors", "Cases cited", "Returns cited"]
RECOMMENDATION_HEADER = [
    "Order",
    "Recommendation",
    "Owner",
    "Due date",
    "Status",
    "RAG",
    "Evidence of impact",
    "First due date (moved since)",
]
JUDGEMENT_HEADER = ["Case reference", "Stage", "Consensus grade", "Reasons"]

# Spreadsheets run text that starts with one of these as a formula (CSV/formula injection): in a CSV
# such a value is written with a leading apostrophe, which shows it as text; in the XLSX it is a string
# cell as typed (a string cell is never run), marked as text (quotePrefix) so that editing it in Excel
# does not run it either.
# (FORMULA_STARTS, agencies.sheets: the sheets to start from write them as text too.)


def cell_text(value) -> str:
    """The text of a cell: line breaks for Word's, without the other control characters (plain_text)."""
    return plain_text("" if value is None else str(value))


def safe_cell(value) -> str:
    return as_text(cell_text(value))


def removed_text(audit: Audit) -> str:
    """What a cell emptied by the retention purge says ("" for an audit not purged)."""
    if audit.purged_at is None:
        return ""
    return f"[removed under the retention policy on {date_format(timezone.localdate(audit.purged_at), 'j F Y')}]"


def returns_for_export(user, audit: Audit) -> list[PartAReturn]:
    """Every return of the audit the user may see, in case and agency order."""
    return list(
        PartAReturn.objects.visible_to(user)
        .filter(audit=audit)
        .select_related("case", "agency", "overall_grade")
        .order_by("case__order", "case__reference", "agency__name", "pk")
    )


def answers_for_export(user, audit: Audit):
    """Every answer of the audit's returns the user may see, in the returns' order, then the tool's.
    Not those of a return whose agency had no involvement with the case: the board shows none of
    them (what an auditor graded before ticking the box is kept, unseen)."""
    visible = PartAReturn.objects.visible_to(user).filter(audit=audit).values("pk")
    return (
        Answer.objects.filter(part_a_return__in=visible, part_a_return__no_involvement=False)
        .select_related("standard__section", "grade")
        .order_by(
            "part_a_return__case__order",
            "part_a_return__case__reference",
            "part_a_return__agency__name",
            "part_a_return_id",
            "standard__section__order",
            "standard__order",
        )
    )


def answer_rows(user, audit: Audit, returns: list[PartAReturn] | None = None) -> Iterator[list]:
    """One row per answer, and one per received return of an agency with no involvement (its
    reason in the evidence column), where the board says "No involvement". Two queries."""
    returns = returns_for_export(user, audit) if returns is None else returns
    position = {ret.pk: i for i, ret in enumerate(returns)}
    statuses = [ret.display_status for ret in returns]
    removed = removed_text(audit)
    listed = 0  # returns[:listed] have had their no-involvement row, if any

    def no_involvement_rows(up_to: int) -> Iterator[list]:
        nonlocal listed
        for i in range(listed, up_to):
            ret = returns[i]
            if ret.no_involvement and is_received(ret):
                reason = ret.no_involvement_reason or removed
                yield [audit.title, ret.case.reference, ret.agency.name, "", "", "", "", "", reason, statuses[i]]
        listed = max(listed, up_to)

    for answer in answers_for_export(user, audit).iterator(chunk_size=2000):
        i = position.get(answer.part_a_return_id)
        if i is None or returns[i].no_involvement:
            continue  # a return that was not listed or changed in between: left as it was listed
        yield from no_involvement_rows(i)
        ret = returns[i]
        yield [
            audit.title,
            ret.case.reference,
            ret.agency.name,
            answer.standard.section.title,
            answer.standard.code,
            answer.standard.text,
            answer.grade.label if answer.grade_id else "",
            "yes" if answer.not_applicable else "",
            answer.evidence or removed,
            statuses[i],
        ]
    yield from no_involvement_rows(len(returns))


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment as the local date and time: a spreadsheet has no time zones."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _risk_factor_names(model, audit: Audit) -> dict[int, list[str]]:
    """The names of the risk factors ticked on each of the audit's returns or cases (`model`: PartAReturn
    or Case), by its id, in name order. One query."""
    field = model.risk_factors.field
    owner = field.m2m_field_name()  # the through table's link to the return or case: "partareturn", "case"
    names: dict[int, list[str]] = defaultdict(list)
    for owner_id, name in (
        model.risk_factors.through.objects.filter(**{f"{owner}__audit": audit})
        .order_by("riskfactor__name")
        .values_list(f"{owner}_id", "riskfactor__name")
    ):
        names[owner_id].append(name)
    return names


def return_rows(audit: Audit, returns: list[PartAReturn]) -> Iterator[list]:
    """What each return says of the case as a whole, as the board's agency accounts show it. One query."""
    factors = _risk_factor_names(PartAReturn, audit)
    removed = removed_text(audit)
    for ret in returns:
        if ret.no_involvement:
            # As on the board: its reason, not the grade and texts written before the box was ticked.
            account = ["yes", ret.no_involvement_reason or removed, "", "", "", ""]
        else:
            grade = ret.overall_grade.label if ret.overall_grade_id else ""
            texts = [ret.strengths, ret.improvements, "; ".join(factors[ret.pk])]
            account = ["", "", grade, *(text or removed for text in texts)]
        yield [
            ret.case.reference,
            ret.agency.name,
            ret.display_status,
            *account,
            _local(ret.submitted_at),
            _local(ret.accepted_at),
        ]


def case_rows(audit: Audit) -> Iterator[list[str]]:
    """The cohort as each evidence board heads it: reference, age band, gender and the case's risk
    factors (which the retention purge removes). Two queries."""
    flags = _risk_factor_names(Case, audit)
    removed = removed_text(audit)
    for case in audit.cases.order_by("order", "reference"):
        factors = "; ".join(flags[case.pk]) or removed
        yield [case.reference, case.get_age_band_display(), case.get_gender_display(), factors]


def finding_rows(audit: Audit) -> Iterator[list[str]]:
    """The findings as the findings page lists them, each numbered as the page numbers it: its place in
    its list (its kind's, or its agency's within an agency kind), not its stored order, which keeps a
    gap where a finding was deleted or moved to another kind."""
    for _kind, label, findings in findings_by_kind(audit):
        places: dict[int | None, int] = defaultdict(int)
        for finding in findings:
            places[finding.agency_id] += 1
            yield [
                str(label),
                places[finding.agency_id],
                finding.agency.name if finding.agency_id else "",
                finding.heading,
                finding.body,
                "; ".join(finding.risk_factor_names),
                "; ".join(finding.case_references),
                "; ".join(finding.return_citations),
            ]


def recommendation_rows(audit: Audit) -> Iterator[list[str]]:
    """Numbered by place, as the recommendations page numbers them. The first due date given to one whose
    due date was moved since (first_due_date: the board sees the slippage), else empty."""
    recs = audit.recommendations.select_related("owner_agency").order_by("order", "pk")
    for place, rec in enumerate(recs, 1):
        moved_from = rec.first_due_date if rec.first_due_date not in (None, rec.due_date) else None
        yield [
            place,
            rec.text,
            rec.owner_name,
            rec.due_date,
            rec.get_status_display(),
            rec.rag,
            rec.impact_evidence,
            moved_from,
        ]


def judgement_rows(audit: Audit) -> Iterator[list[str]]:
    judgements = (
        CaseJudgement.objects.filter(case__audit=audit)
        .select_related("case", "section", "grade")
        .order_by("case__order", "case__reference", "section__order")
    )
    removed = removed_text(audit)
    for j in judgements:
        stage = j.section.title if j.section_id else "Overall"
        yield [j.case.reference, stage, j.grade.label, j.reasons or removed]


class _Echo:
    """A file-like object whose write() hands back the line, for a streamed csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(user, audit: Audit) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so that Excel reads the file as UTF-8
    yield writer.writerow(ANSWER_HEADER)
    for row in answer_rows(user, audit):
        yield writer.writerow([safe_cell(v) for v in row])


def _sheet(workbook: Workbook, title: str, header: list[str], rows) -> None:
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_value(sheet, v) for v in row])


# How the workbook shows a date (and a moment): the British way, and Excel sorts and filters it as one.
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def _xlsx_value(sheet, value):
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime.datetime) else DATE_FORMAT
        return cell
    text = cell_text(value).replace("\r\n", "\n")
    if not text.startswith(FORMULA_STARTS):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl makes text starting with "=" a formula
    cell.quotePrefix = True
    return cell


def xlsx_file(user, audit: Audit):
    """The workbook in a temporary file (write-only mode: rows go straight to disk), rewound."""
    workbook = Workbook(write_only=True)
    returns = returns_for_export(user, audit)
    _sheet(workbook, "Answers", ANSWER_HEADER, answer_rows(user, audit, returns))
    _sheet(workbook, "Returns", RETURN_HEADER, return_rows(audit, returns))
    _sheet(workbook, "Cases", CASE_HEADER, case_rows(audit))
    _sheet(workbook, "Consensus judgements", JUDGEMENT_HEADER, judgement_rows(audit))
    _sheet(workbook, "Findings", FINDING_HEADER, finding_rows(audit))
    _sheet(workbook, "Recommendations", RECOMMENDATION_HEADER, recommendation_rows(audit))
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out
