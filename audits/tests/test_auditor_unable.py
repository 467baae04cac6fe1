"""An agency's named auditor who can no longer complete its returns: their account was deactivated,
or the administrator moved them to another agency, after they were named. The chase is refused (it
would e-mail them a link to returns that are not theirs to complete, or nothing at all), the pages
that name them say so in words, and a deactivated person cannot be named in the first place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audits.models import AuditAgency, AuditStatus, ReminderKind, ReminderLog
from audits.services.parta import reminders_due

pytestmark = pytest.mark.django_db


def chase(client, audit, agency, django_capture_on_commit_callbacks):
    target = reverse("audits:dashboard", args=[audit.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("audits:chase_auditor", args=[audit.slug, agency.pk]), {"next": target}, follow=True
        )
    assert response.status_code == 200
    return response.content.decode()


def test_chasing_a_deactivated_auditor_is_refused_and_records_no_chase(
    client_for, audit, auditor, agency_a, django_capture_on_commit_callbacks
):
    auditor.is_active = False
    auditor.save()
    client = client_for("qa_manager")

    html = chase(client, audit, agency_a, django_capture_on_commit_callbacks)

    assert "account is not active: change the agency&#x27;s auditor first." in html
    assert "on its way" not in html and "Last chased" not in html
    assert not ReminderLog.objects.filter(kind=ReminderKind.CHASE).exists()
    assert mail.outbox == []

    # Back in post, they can be chased at once: the refusal did not count as a chase.
    auditor.is_active = True
    auditor.save()
    html = chase(client, audit, agency_a, django_capture_on_commit_callbacks)
    assert "on its way" in html
    assert [m.to for m in mail.outbox] == [[auditor.email]]


def test_chasing_an_auditor_moved_to_another_agency_is_refused(
    client_for, audit, auditor, agency_a, agency_c, django_capture_on_commit_callbacks
):
    auditor.agency = agency_c
    auditor.save()

    html = chase(client_for("lead_officer"), audit, agency_a, django_capture_on_commit_callbacks)

    assert "no longer works for Sussex Police: change the agency&#x27;s auditor first." in html
    assert not ReminderLog.objects.exists()
    assert mail.outbox == []


def test_automatic_reminders_skip_an_auditor_moved_to_another_agency(audit, auditor, other_auditor, agency_c):
    audit.part_a_due = timezone.localdate() + timedelta(days=1)
    audit.save()
    assert reminders_due() == sorted([auditor.pk, other_auditor.pk])
    auditor.agency = agency_c
    auditor.save()
    assert reminders_due() == [other_auditor.pk]


def _auditors_row(html: str, agency_name: str) -> str:
    table = html[html.index('data-testid="auditors"') :]
    row = table[table.index(agency_name) :]
    return row[: row.index("</tr>")]


@pytest.mark.parametrize("change", ["deactivated", "moved"])
def test_dashboard_says_the_named_auditor_cannot_complete_the_returns(client_for, audit, auditor, agency_c, change):
    client = client_for("qa_manager")
    url = reverse("audits:dashboard", args=[audit.slug])
    client.get(url)  # warm up: the partnership row and the session are read once
    with CaptureQueriesContext(connection) as before:
        html = client.get(url).content.decode()
    assert 'data-testid="auditor-unable"' not in html
    assert f"Chase {escape(str(auditor))}" in _auditors_row(html, "Sussex Police")

    if change == "deactivated":
        auditor.is_active = False
        reason = escape(f"{auditor}'s account is not active")
    else:
        auditor.agency = agency_c
        reason = escape(f"{auditor} no longer works for Sussex Police")
    auditor.save()
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()

    row = _auditors_row(html, "Sussex Police")
    # In words, next to the agency, and with the way out rather than a chase that cannot work.
    assert f"{reason}, so cannot complete these returns: change auditor." in row
    assert "Chase " not in row
    assert reverse("audits:participant_auditor", args=[audit.slug, auditor_agency(audit, "Police")]) in row
    # The other agency's auditor is untouched.
    assert "cannot complete" not in _auditors_row(html, "Children&#x27;s Social Work")
    # Read from the participants' query: no query more.
    assert len(after) == len(before)

    returns_page = client.get(reverse("audits:audit_returns", args=[audit.slug])).content.decode()
    assert f"{reason}, so cannot complete these returns: change auditor." in returns_page
    assert "Chase Police auditor" not in returns_page and "Chase CSW auditor" in returns_page

    change_page = client.get(
        reverse("audits:participant_auditor", args=[audit.slug, auditor_agency(audit, "Police")])
    ).content.decode()
    assert f"{reason}, so cannot complete these returns." in change_page


def auditor_agency(audit, short_name: str) -> int:
    return AuditAgency.objects.get(audit=audit, agency__short_name=short_name).agency_id


def test_a_closed_audit_does_not_flag_its_former_auditors(client_for, audit, auditor):
    audit.status = AuditStatus.CLOSED
    audit.save()
    auditor.is_active = False
    auditor.save()
    html = client_for("qa_manager").get(reverse("audits:dashboard", args=[audit.slug])).content.decode()
    assert "cannot complete" not in html


def test_a_deactivated_person_cannot_be_named_auditor(audit, auditor, agency_a):
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)
    participant.full_clean()
    auditor.is_active = False
    auditor.save()
    participant.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        participant.full_clean()
    assert refused.value.message_dict["auditor"] == [
        f"{auditor}'s account is not active: name someone whose account is."
    ]
