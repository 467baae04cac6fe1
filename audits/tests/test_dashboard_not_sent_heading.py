"""The progress dashboard's table of auditors counts each agency's returns not yet sent: "Outstanding" while
Part A is open (they can still be sent, and chased), "Not sent" once it has closed (nothing can be sent any
more: Part B, Reporting, a closed or cancelled audit), not returns still awaited from an audit long closed."""

import pytest
from django.urls import reverse

from audits.models import AuditStatus

pytestmark = pytest.mark.django_db


def _auditors_head(client, audit) -> str:
    html = client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()
    table = html[html.index('data-testid="auditors"') :]
    return table[: table.index("</thead>")]


def test_while_part_a_is_open_the_returns_not_sent_are_outstanding(client_for, audit):
    head = _auditors_head(client_for("qa_manager"), audit)
    assert ">Outstanding<" in head and "Not sent" not in head
    assert "Each agency's auditor and their outstanding returns" in head


@pytest.mark.parametrize(
    "status", [AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED, AuditStatus.CANCELLED]
)
def test_once_part_a_has_closed_they_are_not_sent(client_for, audit, status):
    audit.status = status
    audit.save()
    head = _auditors_head(client_for("qa_manager"), audit)
    assert ">Not sent<" in head and "Outstanding" not in head
    assert "Each agency's auditor and their returns not sent" in head
