"""Planning's audit page opened before somebody else changed the plan (the session moved on its own page)
does not undo their change, nor e-mail everyone a change back, when saved for something else; a change it
makes to that same value is refused with the value now stored, and goes through when saved again."""

import datetime
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, AuditStatus, PartBSession
from audits.services.partb import session_update
from audits.tests.admin_support import admin_form_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SESSION = TODAY + datetime.timedelta(days=10)
MOVED = TODAY + datetime.timedelta(days=20)
MINE = TODAY + datetime.timedelta(days=30)


@pytest.fixture
def stale(client, audit, qa_manager, lead_officer, django_capture_on_commit_callbacks):
    """The QA manager's Planning page of the audit (in Part B), opened before the lead officer moved the
    session on the session page."""
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B, part_b_date=SESSION)
    PartBSession.objects.create(audit=audit, date=SESSION, venue="Room 1")
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    data = admin_form_data(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        session_update(user=lead_officer, audit=Audit.objects.get(pk=audit.pk), date=MOVED, venue="Room 1")
    mail.outbox.clear()
    return url, data


def test_saving_something_else_keeps_their_change_and_tells_nobody(
    client, audit, stale, django_capture_on_commit_callbacks
):
    url, data = stale
    data["title"] = "CSE audit 2026"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.title == "CSE audit 2026" and audit.part_b_date == MOVED
    assert PartBSession.objects.get(audit=audit).date == MOVED
    assert mail.outbox == []


def test_changing_it_too_is_refused_with_theirs_then_saved_again_on_purpose(
    client, audit, stale, django_capture_on_commit_callbacks
):
    url, data = stale
    data["part_b_date"] = MINE.isoformat()
    response = client.post(url, data)
    assert response.status_code == 200
    html = unescape(" ".join(response.content.decode().split()))
    assert "Changed by somebody else since you opened this page: it is now" in html
    assert Audit.objects.get(pk=audit.pk).part_b_date == MOVED
    # The page now holds the plan as stored: saving again is deliberate, and goes through.
    again = admin_form_data(client, url) | {"part_b_date": MINE.isoformat()}
    again["shown"] = response.context["adminform"].form.data["shown"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, again).status_code == 302
    assert Audit.objects.get(pk=audit.pk).part_b_date == MINE
    assert PartBSession.objects.get(audit=audit).date == MINE


def test_a_closed_audit_s_dates_are_read_only_in_planning(client, audit, qa_manager):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.CLOSED, part_b_date=SESSION)
    client.force_login(qa_manager)
    form = client.get(reverse("admin:audits_audit_change", args=[audit.pk])).context["adminform"]
    assert {"part_a_due", "part_b_date"} <= set(form.readonly_fields)
