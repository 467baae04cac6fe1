"""Planning's audit page opened before somebody else moved the session (on the session page), refused for
something else, then saved again from there: the session date it still shows as it was opened is not put back
over theirs, nor e-mailed to everyone as a change."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, AuditStatus, PartBSession
from audits.services.partb import session_update
from audits.tests.admin_support import opened, page_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SESSION = TODAY + datetime.timedelta(days=10)
MOVED = TODAY + datetime.timedelta(days=20)


def test_a_page_refused_for_its_title_keeps_the_session_moved_meanwhile_when_saved_again(
    audit, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B, part_b_date=SESSION)
    PartBSession.objects.create(audit=audit, date=SESSION, venue="Room 1")
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    client, mine = opened(qa_manager, url)
    with django_capture_on_commit_callbacks(execute=True):
        session_update(user=lead_officer, audit=Audit.objects.get(pk=audit.pk), date=MOVED, venue="Room 1")
    mail.outbox.clear()
    refused = client.post(url, mine | {"title": ""})  # refused for the title left empty
    assert refused.status_code == 200
    assert "This field is required." in page_text(refused)
    again = dict(refused.context["adminform"].form.data.items()) | {"title": "CSE audit 2026"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, again).status_code == 302
    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.title, saved.part_b_date) == ("CSE audit 2026", MOVED)
    assert PartBSession.objects.get(audit=audit).date == MOVED
    assert mail.outbox == []
