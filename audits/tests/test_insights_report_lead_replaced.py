"""An insight report holds what its requester could see when it was made: a lead officer replaced on one of
the audits it was made from (while still leading another), or a QA manager now only one audit's lead officer,
no longer opens it, as they no longer open that audit's pages (docs/permissions.md)."""

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Role
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import FindingKind, InsightReport, InsightReportKind, InsightReportStatus
from audits.services.insights import insight_report_render
from audits.tests.factories import AuditAgencyFactory, FindingFactory, RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


def _rendered(user, kind: str, agency=None) -> InsightReport:
    report = InsightReport.objects.create(kind=kind, agency=agency, requested_by=user)
    insight_report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE, report.error
    return report


def _answers(client: Client, report: InsightReport) -> list[int]:
    return [
        client.get(reverse(f"audits:{name}", args=[report.pk])).status_code
        for name in ("insights_report", "insights_report_status", "insights_report_download")
    ]


def test_a_lead_officer_replaced_on_one_audit_loses_the_reports_made_from_it(media):
    police = AgencyFactory(name="Police")
    lead = UserFactory(username="lead", agency=AgencyFactory(name="Youth"), role=Role.MANAGER)
    successor = UserFactory(username="successor", agency=police, role=Role.MANAGER)
    kept = audit_in(2025, lead_officer=lead, title="Neglect audit", slug="neglect-audit")
    left = audit_in(2026, lead_officer=lead, title="CSE audit", slug="cse-audit")
    for audit in (kept, left):
        AuditAgencyFactory(audit=audit, agency=police)
        RecommendationFactory(audit=audit, text=f"Recommendation of {audit.title}")
    board = _rendered(lead, InsightReportKind.BOARD)
    profile = _rendered(lead, InsightReportKind.AGENCY, agency=police)
    client = Client()
    client.force_login(lead)
    assert [_answers(client, r) for r in (board, profile)] == [[200, 200, 200]] * 2

    left.lead_officer = successor
    left.save(update_fields=["lead_officer"])
    # Still the lead officer of the other audit: the tracker and the agency's profile open, without the audit left.
    assert client.get(reverse("audits:insights_tracker")).status_code == 200
    assert client.get(reverse("audits:insights_agency", args=[police.pk])).status_code == 200
    assert [_answers(client, r) for r in (board, profile)] == [[404, 404, 404]] * 2
    # A report made now, of the audit they still lead, is theirs.
    assert _answers(client, _rendered(lead, InsightReportKind.BOARD)) == [200, 200, 200]


def test_a_qa_manager_now_one_audits_lead_officer_loses_the_board_report_of_every_audit(media):
    qa = UserFactory(username="former.qa", agency=AgencyFactory(name="Police"), role=Role.QA_MANAGER)
    led = audit_in(2025, lead_officer=qa, title="Neglect audit", slug="neglect-audit")
    other = audit_in(2026, title="CSE audit", slug="cse-audit")
    for audit in (led, other):
        RecommendationFactory(audit=audit, text=f"Recommendation of {audit.title}")
    board = _rendered(qa, InsightReportKind.BOARD)
    client = Client()
    client.force_login(qa)
    assert _answers(client, board) == [200, 200, 200]

    qa.role = Role.MANAGER
    qa.save(update_fields=["role"])
    assert client.get(reverse("audits:insights_tracker")).status_code == 200
    assert _answers(client, board) == [404, 404, 404]


def test_a_lead_officer_replaced_loses_their_own_agencys_profile_printed_with_the_audits_findings_in_progress(
    media,
):
    """Their own agency's profile is any of its managers', but the one they asked for as the audit's lead
    printed its findings not yet agreed (Part B), which the agency's managers do not read."""
    youth = AgencyFactory(name="Youth")
    lead = UserFactory(username="lead", agency=youth, role=Role.MANAGER)
    audit = audit_in(2026, lead_officer=lead, status="part_b", title="CSE audit", slug="cse-audit")
    AuditAgencyFactory(audit=audit, agency=youth)
    FindingFactory(audit=audit, kind=FindingKind.AGENCY_IMPROVEMENT, agency=youth, heading="Draft finding")
    closed = audit_in(2025, lead_officer=lead, title="Neglect audit", slug="neglect-audit")
    AuditAgencyFactory(audit=closed, agency=youth)
    profile = _rendered(lead, InsightReportKind.AGENCY, agency=youth)
    client = Client()
    client.force_login(lead)
    assert _answers(client, profile) == [200, 200, 200]

    audit.lead_officer = UserFactory(username="successor", agency=youth, role=Role.MANAGER)
    audit.save(update_fields=["lead_officer"])
    page = client.get(reverse("audits:insights_agency", args=[youth.pk])).content.decode()
    assert "Draft finding" not in page  # the profile page, as any of the agency's managers reads it
    assert _answers(client, profile) == [404, 404, 404]

    # Once Part B has agreed the findings, every reader of the profile reads them: the report opens again.
    audit.status = "reporting"
    audit.save(update_fields=["status"])
    assert _answers(client, profile) == [200, 200, 200]
