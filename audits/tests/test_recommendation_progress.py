"""Progress an owner reports on a recommendation (what has been done so far) is recorded as its evidence of
impact without moving it on: an in-progress recommendation stays in progress (months after the audit
closed, too), recorded in its history and the access log, not as a change of status."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, InsightReport, RecommendationStatus
from audits.services.insights import insight_report_render, insight_report_request
from audits.services.partb import RECOMMENDATION_STATUS_PREFIX
from audits.tests.factories import AuditFactory, RecommendationFactory
from audits.tests.test_insights_tracker import _pdf_text

pytestmark = pytest.mark.django_db


def test_progress_is_saved_and_the_recommendation_stays_in_progress(client, qa_manager):
    closed = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(
        audit=closed,
        status=RecommendationStatus.IN_PROGRESS,
        impact_evidence="Training booked.",
        due_date=datetime.date(2027, 3, 31),
    )
    client.force_login(qa_manager)
    prefix, url = f"rec-{rec.pk}", reverse("audits:recommendation_status", args=[closed.slug, rec.pk])
    page = client.get(reverse("audits:recommendations", args=[closed.slug])).content.decode()
    assert "Stays In progress: save the evidence only" in page

    evidence = "Training booked. 40 of 52 social workers trained by 1 March."
    shown = {f"{prefix}-from_status": RecommendationStatus.IN_PROGRESS}
    response = client.post(
        url,
        {**shown, f"{prefix}-to_status": RecommendationStatus.IN_PROGRESS, f"{prefix}-impact_evidence": evidence},
        follow=True,
    )
    assert "Evidence of impact saved: the recommendation stays In progress." in response.content.decode()
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.IN_PROGRESS, evidence)
    assert rec.history.first().impact_evidence == evidence
    record = AccessRecord.objects.filter(action=AccessAction.CHANGE, object_id=str(rec.pk)).get()
    assert record.summary == f"Recommendation changed: #{rec.pk}, the evidence of impact (still In progress)"
    assert not record.summary.startswith(RECOMMENDATION_STATUS_PREFIX % rec.pk)  # who moved its status: nobody

    # Nothing typed: said by the field, nothing recorded.
    response = client.post(
        url, {**shown, f"{prefix}-to_status": RecommendationStatus.IN_PROGRESS, f"{prefix}-impact_evidence": evidence}
    )
    assert response.status_code == 400
    assert "Nothing to save: write what has been done, or choose a new status." in response.content.decode()
    assert AccessRecord.objects.filter(action=AccessAction.CHANGE, object_id=str(rec.pk)).count() == 1


def test_a_closed_recommendation_cannot_stay_closed_with_new_evidence(client, qa_manager):
    closed = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(audit=closed, status=RecommendationStatus.CLOSED, impact_evidence="Re-audit showed it.")
    client.force_login(qa_manager)
    prefix = f"rec-{rec.pk}"
    response = client.post(
        reverse("audits:recommendation_status", args=[closed.slug, rec.pk]),
        {f"{prefix}-to_status": RecommendationStatus.CLOSED, f"{prefix}-impact_evidence": "Rewritten"},
    )
    assert response.status_code == 400
    rec.refresh_from_db()
    assert rec.impact_evidence == "Re-audit showed it."


def test_the_tracker_and_board_report_show_the_progress_recorded(client, qa_manager, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    today = timezone.localdate()
    audit = AuditFactory(status=AuditStatus.CLOSED)
    RecommendationFactory(
        audit=audit,
        text="Train the social workers",
        status=RecommendationStatus.IN_PROGRESS,
        impact_evidence="40 of 52 trained.",
        due_date=today - datetime.timedelta(days=3),
    )
    RecommendationFactory(audit=audit, text="Not started", due_date=today + datetime.timedelta(days=60))
    client.force_login(qa_manager)
    page = client.get(reverse("audits:insights_tracker")).content.decode()
    assert page.count('data-testid="impact-evidence"') == 1 and "40 of 52 trained." in page

    report = insight_report_request(user=qa_manager, kind="board")
    insight_report_render(report_id=report.pk)
    text = _pdf_text(InsightReport.objects.get(pk=report.pk))
    assert "Evidence of impact so far: 40 of 52 trained." in text
    assert text.count("Evidence of impact so far") == 1
