"""Once Part A has closed: no auditor is chased, and no return is "overdue" anywhere (one rule for the
progress dashboard, the audit's returns list and My returns)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessRecord
from audits.models import Audit, AuditStatus, ReminderLog
from audits.services.parta import PartAError, auditor_chase

pytestmark = [pytest.mark.usefixtures("partnership")]

CHASE_BUTTON = "auditor</button>"


def move_to(audit, status) -> None:
    audit.status = status
    audit.save(update_fields=["status"])


def test_the_service_refuses_a_chase_once_part_a_has_closed(
    qa_manager, audit, agency_a, django_capture_on_commit_callbacks
):
    move_to(audit, AuditStatus.PART_B)
    records = AccessRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PartAError) as refused:
        auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk)
    assert "Part A of this audit is closed" in str(refused.value.message)
    # Nothing recorded, nothing sent.
    assert not ReminderLog.objects.exists()
    assert AccessRecord.objects.count() == records
    assert mail.outbox == []


def test_a_chase_started_as_part_a_closes_is_refused(qa_manager, audit, agency_a):
    """The audit was read (in Part A) before it moved on: the status under the lock decides, not the copy."""
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    assert audit.part_a_open  # the caller's copy is stale
    with pytest.raises(PartAError):
        auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk)
    assert not ReminderLog.objects.exists()


def test_the_returns_list_offers_a_chase_only_while_part_a_is_open(
    client_for, audit, agency_a, django_capture_on_commit_callbacks
):
    client = client_for("qa_manager")
    returns_url = reverse("audits:audit_returns", args=[audit.slug])
    assert client.get(returns_url).content.decode().count(CHASE_BUTTON) == 2
    move_to(audit, AuditStatus.PART_B)
    html = client.get(returns_url).content.decode()
    assert CHASE_BUTTON not in html
    assert reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]) not in html
    # A page left open from Part A posts anyway: it is told why, and no reminder is claimed or recorded.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]), {"next": returns_url}, follow=True
        )
    page = response.content.decode()
    assert "Part A of this audit is closed" in page
    assert "Reminder on its way" not in page and "last chased" not in page
    assert not ReminderLog.objects.exists() and mail.outbox == []


def overdue_everywhere(client_for, audit) -> tuple[int, int, int]:
    """How many returns the dashboard, the returns list and the auditor's My returns (for this audit) mark overdue."""
    dashboard = client_for("qa_manager").get(reverse("audits:dashboard", args=[audit.slug]))
    returns_list = client_for("qa_manager").get(reverse("audits:audit_returns", args=[audit.slug]))
    mine = client_for("auditor").get(reverse("audits:my_returns") + f"?audit={audit.pk}")
    return (
        dashboard.content.decode().count('<span class="overdue d-block small">Overdue</span>'),
        returns_list.content.decode().count('<span class="overdue">Overdue</span>'),
        mine.content.decode().count(">Overdue<"),
    )


@pytest.mark.parametrize("later", [AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED])
def test_overdue_is_the_same_on_every_page_and_ends_with_part_a(client_for, audit, later):
    audit.part_a_due = timezone.localdate() - timedelta(days=1)
    audit.save(update_fields=["part_a_due"])
    # Part A: all four returns are late on the dashboard and the returns list, the auditor's two on My returns.
    assert overdue_everywhere(client_for, audit) == (4, 4, 2)
    move_to(audit, later)
    assert overdue_everywhere(client_for, audit) == (0, 0, 0)
