"""An insight report (its page, status line, download and retry) only to the person who asked for it,
and only while they may still see what it holds, by the rule of the page it was made from: someone moved
to another agency, or no longer running an audit, gets 404 (recorded as refused)."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord, Role
from agencies.tests.factories import AdministratorFactory, AgencyFactory, UserFactory
from audits.models import InsightReport, InsightReportKind, InsightReportStatus
from audits.tests.factories import AuditAgencyFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db


def _done_report(user, kind: str, agency=None) -> InsightReport:
    report = InsightReport.objects.create(kind=kind, agency=agency, requested_by=user)
    report.file.save(f"{kind}.pdf", ContentFile(b"%PDF-1.7 test"))
    InsightReport.objects.filter(pk=report.pk).update(status=InsightReportStatus.DONE)
    return report


def _answers(client: Client, report: InsightReport) -> list[int]:
    return [
        client.get(reverse(f"audits:{name}", args=[report.pk])).status_code
        for name in ("insights_report", "insights_report_status", "insights_report_download")
    ]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_manager_moved_to_another_agency_loses_their_agency_profile_report(media):
    police, health = AgencyFactory(name="Police"), AgencyFactory(name="Health")
    AuditAgencyFactory(audit=audit_in(2026), agency=police)
    manager = UserFactory(username="moved.manager", agency=police, role=Role.MANAGER)
    report = _done_report(manager, InsightReportKind.AGENCY, agency=police)
    client = Client()
    client.force_login(manager)
    assert _answers(client, report) == [200, 200, 200]

    manager.agency = health
    manager.save(update_fields=["agency"])
    refused = AccessRecord.objects.filter(action=AccessAction.REFUSED, object_type="audits.insightreport")
    assert _answers(client, report) == [404, 404, 404]
    assert refused.count() == 3
    assert client.post(reverse("audits:insights_report_retry", args=[report.pk])).status_code == 404


def test_a_qa_manager_turned_practitioner_keeps_only_their_own_agencys_profile(media):
    police, health = AgencyFactory(name="Police"), AgencyFactory(name="Health")
    audit = audit_in(2026)
    AuditAgencyFactory(audit=audit, agency=police)
    AuditAgencyFactory(audit=audit, agency=health)
    qa = UserFactory(username="former.qa", agency=police, role=Role.QA_MANAGER)
    board = _done_report(qa, InsightReportKind.BOARD)
    own = _done_report(qa, InsightReportKind.AGENCY, agency=police)
    other = _done_report(qa, InsightReportKind.AGENCY, agency=health)
    client = Client()
    client.force_login(qa)
    assert [_answers(client, r) for r in (board, own, other)] == [[200, 200, 200]] * 3

    qa.role = Role.PRACTITIONER
    qa.save(update_fields=["role"])
    # As on the pages: no tracker, so no board report; their own agency's profile, no other.
    assert client.get(reverse("audits:insights_tracker")).status_code == 404
    assert client.get(reverse("audits:insights_agency", args=[health.pk])).status_code == 404
    assert client.get(reverse("audits:insights_agency", args=[police.pk])).status_code == 200
    assert [_answers(client, r) for r in (board, own, other)] == [[404, 404, 404], [200, 200, 200], [404, 404, 404]]


def test_an_administrator_sees_no_profile_of_the_agency_their_account_names(client, media):
    police = AgencyFactory(name="Police")
    AuditAgencyFactory(audit=audit_in(2026), agency=police)
    admin = AdministratorFactory(username="it.admin.police", agency=police)
    report = _done_report(admin, InsightReportKind.AGENCY, agency=police)
    client.force_login(admin)
    assert client.get(reverse("audits:insights_agencies")).status_code == 404
    assert client.get(reverse("audits:insights_agency", args=[police.pk])).status_code == 404
    assert _answers(client, report) == [404, 404, 404]
