"""An audit's history in Planning (Django's admin history page) lists who changed which of its cases, by their
reference, and which fields: opening it is recorded in the access log as read, naming the audit, as its
Planning page is (AuditAdmin.render_change_form). Refused to an administrator it is recorded as a refusal
only (test_planning_refused_recorded.py); an audit that does not exist is no page, and nothing is read."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.selectors import access_records_matching
from audits.models import Audit

pytestmark = pytest.mark.django_db


def _case_changed(audit, user, reference: str) -> None:
    """What the plan's save writes to the audit's history when a case's age band is changed."""
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Audit),
        object_id=str(audit.pk),
        object_repr=str(audit),
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"name": "case", "object": reference, "fields": ["Age band"]}}]),
    )


def _views(user):
    return list(AccessRecord.objects.filter(action=AccessAction.VIEW, user=user))


def test_the_history_of_an_audit_opened_in_planning_is_recorded_as_read(client, qa_manager, audit):
    _case_changed(audit, qa_manager, "Case 1")
    client.force_login(qa_manager)

    response = client.get(reverse("admin:audits_audit_history", args=[audit.pk]))

    assert response.status_code == 200
    assert "Case 1" in response.content.decode()  # the page names the case changed
    [record] = _views(qa_manager)
    assert (record.object_type, record.object_id, record.audit_id) == ("audits.audit", str(audit.pk), audit.pk)
    assert record.summary == "Planning: viewed the history of CSE audit"
    assert record.path == reverse("admin:audits_audit_history", args=[audit.pk])
    assert record in access_records_matching(audit=audit)


def test_a_history_refused_or_of_no_audit_is_not_recorded_as_read(client, qa_manager, administrator, audit):
    client.force_login(administrator)
    assert client.get(reverse("admin:audits_audit_history", args=[audit.pk])).status_code == 403
    assert _views(administrator) == []
    assert AccessRecord.objects.filter(action=AccessAction.REFUSED, user=administrator, audit=audit).exists()

    client.force_login(qa_manager)
    assert client.get(reverse("admin:audits_audit_history", args=[audit.pk + 1000])).status_code == 302
    assert _views(qa_manager) == []


def test_the_history_page_asks_as_many_queries_however_long_it_is(client, qa_manager, audit):
    url = reverse("admin:audits_audit_history", args=[audit.pk])
    client.force_login(qa_manager)
    _case_changed(audit, qa_manager, "Case 1")
    client.get(url)  # sessions, content types: cached before measuring

    with CaptureQueriesContext(connection) as short:
        assert client.get(url).status_code == 200
    for reference in ("Case 2", "Case 1", "Case 2", "Case 1"):
        _case_changed(audit, qa_manager, reference)
    with CaptureQueriesContext(connection) as long:
        assert client.get(url).status_code == 200

    assert len(long.captured_queries) == len(short.captured_queries)
    assert len(_views(qa_manager)) == 3
