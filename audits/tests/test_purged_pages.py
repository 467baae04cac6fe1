"""After the retention purge, the pages that showed the case-level texts say that they were removed,
and when, rather than showing blanks as if the auditors had written nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audits.models import Answer, AuditStatus, PartAReturn, PartBSession, ReturnStatus
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
        # The audit's own pages: no case texts on them, but the session's notes went too.
        reverse("audits:dashboard", args=[audit.slug]),
        reverse("audits:session", args=[audit.slug]),
    ]


def test_pages_say_the_case_level_detail_was_removed_and_when(client_for, closed_audit):
    client = client_for("qa_manager")
    for url in pages(closed_audit):
        html = client.get(url).content.decode()
        assert "Seen by the duty team." in html or url not in pages(closed_audit)[:2], url
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


def test_the_session_page_says_its_notes_were_removed(client_for, closed_audit):
    PartBSession.objects.create(audit=closed_audit, venue="Hove Town Hall", notes="Case 2 discussed at length.")
    client = client_for("qa_manager")
    url = reverse("audits:session", args=[closed_audit.slug])
    notes = client.get(url).content.decode().split('data-testid="session-notes"')[1].split("</dd>")[0]
    assert "Case 2 discussed at length." in notes

    audit_purge_case_detail(audit=closed_audit)
    closed_audit.refresh_from_db()

    notes = client.get(url).content.decode().split('data-testid="session-notes"')[1].split("</dd>")[0]
    when = timezone.localdate(closed_audit.purged_at).strftime("%-d %B %Y")
    assert f"Removed on {when} under the retention policy." in notes and "—" not in notes


def test_the_evidence_board_says_the_agencies_texts_were_removed_not_that_none_were_recorded(client_for, closed_audit):
    client = client_for("qa_manager")
    url = reverse("audits:evidence_board", args=[closed_audit.slug, closed_audit.cases.order_by("order").first().pk])

    def accounts() -> str:
        html = client.get(url).content.decode()
        return html.split('id="agencies-heading"')[1].split("</section>")[0]

    before = accounts()
    assert "Prompt strategy meeting." in before
    assert before.count("None recorded.") == 2  # no area for improvement written, by either agency

    audit_purge_case_detail(audit=closed_audit)
    closed_audit.refresh_from_db()

    after = accounts()
    when = timezone.localdate(closed_audit.purged_at).strftime("%-d %B %Y")
    assert "None recorded." not in after and "Prompt strategy meeting." not in after
    assert after.count(f"Removed on {when} under the retention policy.") == 4  # strengths and areas, per agency
