"""The figures the progress dashboard and the spreadsheet print, checked against what the database holds,
counted here with SQL of their own (not the app's selectors): a partnership board reads them as printed."""

import csv
import io
import re
from collections import Counter
from fractions import Fraction

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from audits.models import AuditStatus, FindingKind, PartAReturn, ReturnStatus
from audits.selectors.partb import Dashboard
from audits.services.partb import finding_add, finding_delete
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, make_returns

pytestmark = pytest.mark.django_db


def _sql(query: str, *args) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, args)
        return cursor.fetchall()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _big_audit(agency_a, agency_b, received: int):
    """An audit in Part A of 2 agencies × 100 cases (200 returns), `received` of them submitted."""
    audit = AuditFactory(slug="big-audit", status=AuditStatus.PART_A)
    AuditAgencyFactory(audit=audit, agency=agency_a)
    AuditAgencyFactory(audit=audit, agency=agency_b)
    CaseFactory.create_batch(100, audit=audit)
    make_returns(audit)
    pks = list(PartAReturn.objects.filter(audit=audit).order_by("pk").values_list("pk", flat=True)[:received])
    PartAReturn.objects.filter(pk__in=pks).update(status=ReturnStatus.SUBMITTED)
    return audit


def _received_and_total(audit) -> tuple[int, int]:
    return _sql(
        "SELECT count(*) FILTER (WHERE status IN ('submitted', 'accepted')), count(*) "
        "FROM audits_partareturn WHERE audit_id = %s",
        audit.pk,
    )[0]


@pytest.mark.parametrize("received", [199, 1])
def test_the_dashboard_says_100_percent_only_when_every_return_is_in_and_0_only_when_none_is(
    client, qa_manager, agency_a, agency_b, received
):
    # 199 of 200 is 99.5%, which round() made 100%: "199 of 200 returns received (100% complete)" while a
    # return is still missing. 1 of 200 (0.5%) was 0% with a return in.
    audit = _big_audit(agency_a, agency_b, received)
    got, total = _received_and_total(audit)
    assert (got, total) == (received, 200)
    exact = Fraction(100 * got, total)
    expected = {199: 99, 1: 1}[received]
    assert abs(expected - exact) < 1

    client.force_login(qa_manager)
    page = _text(client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode())

    assert f"{got} of {total} returns received ({expected}% complete)." in page


def test_the_percentage_is_the_nearest_whole_one_except_at_its_ends():
    for total in range(1, 401):
        for received in range(total + 1):
            board = Dashboard(
                audit=None, participants=[], rows=[], counts=[], total=total, received=received, overdue=0,
                missing=[], history=[],
            )  # fmt: skip
            exact = Fraction(100 * received, total)
            shown = board.percent_complete
            assert abs(shown - exact) < 1, (received, total)
            assert (shown == 100) == (received == total), (received, total)
            assert (shown == 0) == (received == 0), (received, total)
    assert Dashboard(None, [], [], [], 0, 0, 0, [], []).percent_complete == 0  # 0 of 0


def test_the_dashboard_says_what_it_counts_as_received(client, qa_manager, audit):
    # "No involvement" returns are received (a submitted or accepted return), counted in "Submitted" and
    # "Accepted" by their status, while the matrix labels them "No involvement": the page says so, and how many.
    returns = list(PartAReturn.objects.filter(audit=audit).order_by("pk"))
    PartAReturn.objects.filter(pk=returns[0].pk).update(status=ReturnStatus.SUBMITTED, no_involvement=True)
    PartAReturn.objects.filter(pk=returns[1].pk).update(status=ReturnStatus.ACCEPTED, no_involvement=True)
    PartAReturn.objects.filter(pk=returns[2].pk).update(status=ReturnStatus.SUBMITTED)
    PartAReturn.objects.filter(pk=returns[3].pk).update(status=ReturnStatus.RETURNED)
    received, total = _received_and_total(audit)
    (no_involvement,) = _sql(
        "SELECT count(*) FROM audits_partareturn WHERE audit_id = %s AND no_involvement "
        "AND status IN ('submitted', 'accepted')",
        audit.pk,
    )[0]
    (submitted,) = _sql(
        "SELECT count(*) FROM audits_partareturn WHERE audit_id = %s AND status = 'submitted'", audit.pk
    )[0]

    client.force_login(qa_manager)
    page = _text(client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode())

    assert f"{received} of {total} returns received" in page
    assert (received, total, no_involvement, submitted) == (3, 4, 2, 2)
    assert "Received: submitted or accepted, “no involvement” returns included" in page
    assert "a return sent back for amendment is not received until it is submitted again" in page
    assert f"Submitted : {submitted}" in page
    assert f"of the submitted and accepted, {no_involvement} say “no involvement”" in page


def test_the_spreadsheet_numbers_findings_as_the_findings_page_does(client, qa_manager, audit, agency_a):
    # A finding deleted (or moved to another kind) leaves a gap in the stored order: the spreadsheet said
    # 1, 3 where the findings page and the briefing number them 1, 2.
    audit.status = AuditStatus.PART_B
    audit.save()
    strengths = [
        finding_add(user=qa_manager, audit=audit, kind=FindingKind.STRENGTH, heading=f"Strength {n}")
        for n in range(1, 4)
    ]
    agency_findings = [
        finding_add(
            user=qa_manager, audit=audit, kind=FindingKind.AGENCY_STRENGTH, heading=f"Police {n}", agency=agency_a
        )
        for n in range(1, 4)
    ]
    finding_delete(user=qa_manager, finding=strengths[0])
    finding_delete(user=qa_manager, finding=agency_findings[1])
    client.force_login(qa_manager)

    # The page's numbering: each list (a kind's, or one agency's within an agency kind) is an <ol> of its
    # findings in order, numbered from 1.
    page = client.get(reverse("audits:findings", args=[audit.slug])).content.decode()
    numbered = {}
    for ol in re.findall(r"<ol [^>]*data-testid=\"findings-[^\"]+\"[^>]*>(.*?)</ol>", page, re.S):
        for place, heading in enumerate(re.findall(r'<span class="fw-bold">([^<]+)</span>', ol), 1):
            numbered[heading] = place
    assert numbered == {"Strength 2": 1, "Strength 3": 2, "Police 1": 1, "Police 3": 2}

    response = client.get(reverse("audits:export_xlsx", args=[audit.slug]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Findings"]
    header, *rows = list(sheet.values)
    order, heading = header.index("Order"), header.index("Heading")
    assert {row[heading]: row[order] for row in rows} == numbered


@pytest.mark.parametrize(
    "three_labels",
    [
        ["Good", "Requires improvement", "Inadequate"],
        # The same grades spelt otherwise on the newer scale: the same columns, as the longer scale spells them.
        ["good", "Requires  Improvement ", "INADEQUATE"],
    ],
)
def test_the_agency_profile_counts_each_grade_under_its_own_label_after_a_change_of_scale(
    client, qa_manager, three_labels
):
    # 2015 on the four-step scale (Outstanding, Good, Requires improvement, Inadequate), 2016 on a three-step
    # one (Good, Requires improvement, Inadequate). Columns were ranks, named by the first label seen: the
    # 2016 Goods (rank 1 of 3) were printed under "Outstanding", its Inadequates under "Requires improvement".
    from agencies.tests.factories import AgencyFactory
    from audits.models import Grade, GradeScale, ToolVersion
    from audits.tests.factories import make_tool_version
    from audits.tests.insights_support import audit_in
    from audits.tests.partb_support import complete_return

    police = AgencyFactory(name="Police")
    three = GradeScale.objects.create(name="Three-point scale")
    for rank, label in enumerate(three_labels, 1):
        Grade.objects.create(scale=three, rank=rank, code=label.lower().replace(" ", "-"), label=label)
    audits = []
    for year, three_step in ((2015, False), (2016, True)):
        version = make_tool_version(standards=4, sections=2)
        if three_step:
            ToolVersion.objects.filter(pk=version.pk).update(scale=three)
            version.refresh_from_db()
        audit = audit_in(year, status=AuditStatus.CLOSED, tool_version=version)
        AuditAgencyFactory(audit=audit, agency=police)
        CaseFactory(audit=audit, reference="Case 1", order=0)
        make_returns(audit)
        audits.append(audit)
    complete_return(PartAReturn.objects.get(audit=audits[0]), ranks=[1, 2, 3, 4])
    complete_return(PartAReturn.objects.get(audit=audits[1]), ranks=[1, 1, 3, 3])

    # Per year, how many graded answers of each label: counted from the answers' own grades.
    expected: dict[int, dict[str, int]] = {}
    for year, label, n in _sql(
        "SELECT extract(year FROM a.part_b_date)::int, g.label, count(*) FROM audits_answer an "
        "JOIN audits_partareturn r ON r.id = an.part_a_return_id JOIN audits_audit a ON a.id = r.audit_id "
        "JOIN audits_grade g ON g.id = an.grade_id WHERE r.agency_id = %s AND r.status IN ('submitted', 'accepted') "
        "AND NOT r.no_involvement GROUP BY 1, 2",
        police.pk,
    ):
        expected.setdefault(year, {})[" ".join(label.split()).capitalize()] = n
    assert expected == {
        2015: {"Outstanding": 1, "Good": 1, "Requires improvement": 1, "Inadequate": 1},
        2016: {"Good": 2, "Inadequate": 2},
    }

    client.force_login(qa_manager)
    page = client.get(reverse("audits:insights_agency", args=[police.pk])).content.decode()
    table = page.split('data-testid="stage-table"')[1].split("</table>")[0]
    labels = re.findall(r'<th scope="col">([^<]+)</th>', table)[2:-1]  # after Stage and Year, before Total
    assert labels == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    printed: dict[int, Counter] = {}
    for year, cells in re.findall(r'<th scope="row">(\d{4})</th>\s*((?:<td class="text-end">\d+</td>\s*)+)', table):
        counts = [int(n) for n in re.findall(r">(\d+)<", cells)][:-1]  # the last is the row's total
        printed.setdefault(int(year), Counter()).update(dict(zip(labels, counts, strict=True)))
    assert {year: {k: v for k, v in c.items() if v} for year, c in printed.items()} == expected


def test_the_answers_export_says_which_returns_its_rows_are_of(client, qa_manager, audit):
    # The CSV has the answers of drafts too, unlike the heatmap (received returns only): the page offering
    # it says so, and its rows are exactly those it says.
    from audits.tests.partb_support import complete_return

    r1, r2, r3, r4 = PartAReturn.objects.filter(audit=audit).order_by("pk")
    complete_return(r1)  # submitted
    complete_return(r2, status=ReturnStatus.DRAFT)  # a draft: its answers are rows too
    complete_return(r3)
    PartAReturn.objects.filter(pk=r3.pk).update(no_involvement=True)  # received, no involvement: one row
    complete_return(r4, status=ReturnStatus.DRAFT)
    PartAReturn.objects.filter(pk=r4.pk).update(no_involvement=True)  # not received yet: no row at all
    (expected,) = _sql(
        "SELECT (SELECT count(*) FROM audits_answer an JOIN audits_partareturn r ON r.id = an.part_a_return_id "
        "        WHERE r.audit_id = %s AND NOT r.no_involvement) "
        "     + (SELECT count(*) FROM audits_partareturn WHERE audit_id = %s AND no_involvement "
        "        AND status IN ('submitted', 'accepted'))",
        audit.pk,
        audit.pk,
    )[0]
    client.force_login(qa_manager)

    page = _text(client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode())
    response = client.get(reverse("audits:export_csv", args=[audit.slug]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))

    assert len(rows) - 1 == expected
    assert {row[-1] for row in rows[1:]} == {"Submitted", "Draft", "No involvement"}
    assert "One row per Part A answer of every return, whatever its status (drafts included" in page
    assert "the heatmap counts received returns only" in page
    assert "except a return saying its agency had no involvement in the case: one row with its reason once" in page


def test_the_agency_profile_says_which_answers_its_grades_are_of(client, qa_manager):
    from agencies.tests.factories import AgencyFactory
    from audits.tests.factories import make_tool_version
    from audits.tests.insights_support import audit_in
    from audits.tests.partb_support import complete_return

    police = AgencyFactory(name="Police")
    audit = audit_in(2015, status=AuditStatus.PART_B, tool_version=make_tool_version(standards=4, sections=1))
    AuditAgencyFactory(audit=audit, agency=police)
    CaseFactory.create_batch(3, audit=audit)
    make_returns(audit)
    received, draft, no_involvement = PartAReturn.objects.filter(audit=audit).order_by("pk")
    complete_return(received, ranks=2)
    complete_return(draft, ranks=1, status=ReturnStatus.DRAFT)
    complete_return(no_involvement, ranks=4)
    PartAReturn.objects.filter(pk=no_involvement.pk).update(no_involvement=True)
    (expected,) = _sql(
        "SELECT count(*) FROM audits_answer an JOIN audits_partareturn r ON r.id = an.part_a_return_id "
        "WHERE r.agency_id = %s AND r.status IN ('submitted', 'accepted') AND NOT r.no_involvement "
        "AND an.grade_id IS NOT NULL",
        police.pk,
    )[0]
    client.force_login(qa_manager)

    html = client.get(reverse("audits:insights_agency", args=[police.pk])).content.decode()
    table = html.split('data-testid="stage-table"')[1].split("</table>")[0]

    assert expected == 4
    assert re.findall(r'<td class="text-end">(\d+)</td>\s*</tr>', table) == [str(expected)]  # the row's total
    caption = _text(re.search(r"<caption>(.*?)</caption>", table, re.S).group(1))
    assert "of the agency’s received returns (submitted or accepted) only, not of drafts" in caption
    assert "nor of cases it had no involvement in" in caption


def test_my_returns_counts_no_involvement_of_the_returns_sent_only(client, audit, auditor):
    # An audit past Part A on My returns: "3: 1 accepted, 1 draft, 1 returned for amendment (1 no involvement)"
    # counted the draft and the one sent back whose box was ticked, which the group was never told.
    past = AuditFactory(title="Neglect audit 2025", status=AuditStatus.CLOSED)
    AuditAgencyFactory(audit=past, agency=auditor.agency, auditor=auditor)
    CaseFactory.create_batch(3, audit=past)
    make_returns(past)
    sent, draft, returned = PartAReturn.objects.filter(audit=past, agency=auditor.agency).order_by("pk")
    PartAReturn.objects.filter(pk=sent.pk).update(status=ReturnStatus.ACCEPTED, no_involvement=True)
    PartAReturn.objects.filter(pk=draft.pk).update(status=ReturnStatus.DRAFT, no_involvement=True)
    PartAReturn.objects.filter(pk=returned.pk).update(status=ReturnStatus.RETURNED, no_involvement=True)
    (expected,) = _sql(
        "SELECT count(*) FROM audits_partareturn WHERE audit_id = %s AND agency_id = %s AND no_involvement "
        "AND status IN ('submitted', 'accepted')",
        past.pk,
        auditor.agency_id,
    )[0]
    client.force_login(auditor)

    html = client.get(reverse("audits:my_returns")).content.decode()
    row = _text(html[html.index(f'data-testid="past-audit-{past.pk}"') :][:900])

    assert expected == 1
    assert f"3: 1 draft, 1 returned for amendment, 1 accepted ({expected} no involvement)" in row
