"""My returns says, for each audit in Part A, how far the auditor is: how many of their returns are
submitted, how many were returned to them for amendment and how many are still to complete. The table only
showed each case's status, so an auditor with six cases counted the badges themselves. Counted from the
rows listed: no query more."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import PartAReturn, ReturnStatus
from audits.tests.factories import CaseFactory, make_returns

pytestmark = [pytest.mark.usefixtures("partnership")]


def tally(client, audit) -> str:
    html = client.get(reverse("audits:my_returns")).content.decode()
    start = html.index(f'data-testid="tally-{audit.pk}"')
    return " ".join(html[html.index(">", start) + 1 : html.index("</p>", start)].split())


def test_my_returns_counts_the_auditors_returns_by_how_far_they_are(client_for, audit, auditor):
    for n in range(3, 7):
        CaseFactory(audit=audit, reference=f"Case {n}", order=n)
    make_returns(audit)
    mine = PartAReturn.objects.filter(audit=audit, agency=auditor.agency).order_by("case__order")
    assert mine.count() == 6
    statuses = [ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED, ReturnStatus.RETURNED, ReturnStatus.DRAFT]
    for ret, status in zip(mine, statuses, strict=False):
        PartAReturn.objects.filter(pk=ret.pk).update(status=status)
    # Another agency's returns are not the auditor's and are not counted.
    PartAReturn.objects.filter(audit=audit).exclude(agency=auditor.agency).update(status=ReturnStatus.SUBMITTED)

    text = tally(client_for("auditor"), audit)
    assert text == "2 of 6 returns submitted; 1 returned to you for amendment; 3 still to complete."


def test_all_submitted_says_so_without_what_is_left(client_for, audit, auditor):
    PartAReturn.objects.filter(audit=audit, agency=auditor.agency).update(status=ReturnStatus.SUBMITTED)
    assert tally(client_for("auditor"), audit) == "2 of 2 returns submitted."


def test_the_count_costs_no_query(client_for, audit, auditor):
    client = client_for("auditor")
    client.get(reverse("audits:my_returns"))
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("audits:my_returns"))
    for n in range(3, 9):
        CaseFactory(audit=audit, reference=f"Case {n}", order=n)
    make_returns(audit)
    PartAReturn.objects.filter(audit=audit, agency=auditor.agency, case__order__gt=4).update(
        status=ReturnStatus.SUBMITTED
    )
    with CaptureQueriesContext(connection) as eight:
        client.get(reverse("audits:my_returns"))
    assert len(eight.captured_queries) == len(two.captured_queries)
