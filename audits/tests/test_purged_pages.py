"""After the retention purge, the pages that showed the case-level texts say that they were removed,
and when, rather than showing blanks as if the auditors had written nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audits.models import Answer, AuditStatus, PartAReturn, ReturnStatus
from audits.services.retention import audit_purge_case_detail

pytestmark = pytest.mark.django_db

NOTICE = (
    "The case-level detail (evidence, strengths, areas for improvement, reasons) was removed on {when} "
    "under the partnership's retention policy."
)


@pytest.fixture
def closed_audit(audit):
    grade = audit.tool_version.scale.grades.get(rank=2)
    standard = audit.tool_version.sections.first().standards.first()
    for r in PartAReturn.objects.filter(audit=audit):
        r.strengths = "Prompt strategy meeting."
        r.status = ReturnStatus.ACCEPTED
        r.save()
        Answer.objects.create(part_a_return=r, standard=standard, grade=grade, evidence="Seen by the duty team.")
    audit.status = AuditStatus.CLOSED
    audit.closed_at = timezone.now() - timedelta(days=800)
    audit.save()
    return audit


def pages(audit) -> list[str]:
    ret = PartAReturn.objects.filter(audit=audit).order_by("pk").first()
    return [
        reverse("audits:evidence_board", args=[audit.slug, audit.cases.order_by("order").first().pk]),
        reverse("audits:return_detail", args=[ret.pk]),
        reverse("audits:return_history", args=[ret.pk]),
    ]


def test_pages_say_the_case_level_detail_was_removed_and_when(client_for, closed_audit):
    client = client_for("qa_manager")
    for url in pages(closed_audit):
        html = client.get(url).content.decode()
        assert "Seen by the duty team." in html or url.endswith("/history/"), url
        assert 'data-testid="purged-notice"' not in html, url

    audit_purge_case_detail(audit=closed_audit)
    # Late in the evening in London: the date is the local day, not UTC's.
    when = datetime(2025, 6, 30, 23, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
    closed_audit.refresh_from_db()
    closed_audit.purged_at = when
    closed_audit.save(update_fields=["purged_at"])

    for url in pages(closed_audit):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert NOTICE.format(when="30 June 2025") in html, url
        assert "Seen by the duty team." not in html
