"""Every insights URL, GET and POST, against the whole cast.

- Theme trends and the recommendation tracker (and its board report): the QA manager and lead
  officers; anyone else signed in gets 404 (and a REFUSED record); anonymous visitors sign in.
- Agency profiles: the QA manager (every agency in an audit), a lead officer (the agencies of the
  audits they lead), and an agency's own staff (their agency only). The profile tested is agency A's
  (in `audit`, led by lead_officer): its auditor and colleague see it, agency B's auditor does not,
  nor agency C's staff (manager, practitioner, and other_lead, who leads an audit without agency A).
- A report's status page and download: only the person who asked for it, while they may still see what
  it holds (test_insights_report_access.py: moved agency, no longer running an audit).
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import InsightReport, InsightReportKind, InsightReportStatus
from conftest import CAST

pytestmark = pytest.mark.django_db

RUNS_AUDITS = {"qa_manager", "lead_officer", "other_lead"}
SEES_AGENCY_A = {"qa_manager", "lead_officer", "auditor", "colleague"}
HAS_AN_AGENCY_PROFILE = {
    "qa_manager",
    "lead_officer",
    "other_lead",
    "auditor",
    "colleague",
    "other_auditor",
    "manager",
    "practitioner",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    ok: int
    allowed: frozenset
    args: tuple[str, ...] = ()
    data: dict = field(default_factory=dict)


ENDPOINTS = [
    Endpoint("insights_trends", "get", 200, frozenset(RUNS_AUDITS)),
    Endpoint("insights_tracker", "get", 200, frozenset(RUNS_AUDITS)),
    Endpoint("insights_board_report", "post", 302, frozenset(RUNS_AUDITS)),
    Endpoint("insights_agencies", "get", 200, frozenset(HAS_AN_AGENCY_PROFILE)),
    Endpoint("insights_agency", "get", 200, frozenset(SEES_AGENCY_A), args=("agency",)),
    Endpoint("insights_agency_report", "post", 302, frozenset(SEES_AGENCY_A), args=("agency",)),
    Endpoint("insights_report", "get", 200, frozenset({"qa_manager"}), args=("report",)),
    Endpoint("insights_report_status", "get", 200, frozenset({"qa_manager"}), args=("report",)),
    Endpoint("insights_report_download", "get", 200, frozenset({"qa_manager"}), args=("report",)),
]


@pytest.fixture
def world(audit, other_audit, agency_a, qa_manager, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=qa_manager)
    report.file.save("board.pdf", ContentFile(b"%PDF-1.7 test"))
    InsightReport.objects.filter(pk=report.pk).update(status=InsightReportStatus.DONE)
    return {"agency": agency_a.pk, "report": report.pk}


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method}-{e.name}")
def test_insights_url_against_the_cast(client_for, world, endpoint, who, django_capture_on_commit_callbacks):
    client = client_for(who)
    url = reverse(f"audits:{endpoint.name}", args=[world[a] for a in endpoint.args])
    refused_before = AccessRecord.objects.filter(action=AccessAction.REFUSED).count()
    reports_before = InsightReport.objects.count()

    # Capture (without running) the render a permitted POST queues: this test is about access.
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(url) if endpoint.method == "get" else client.post(url, endpoint.data)

    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        expected_refused = 0
    elif who in endpoint.allowed:
        assert response.status_code == endpoint.ok, response.content[:300]
        expected_refused = 0
    else:
        assert response.status_code == 404
        expected_refused = 1
    refused = AccessRecord.objects.filter(action=AccessAction.REFUSED).count() - refused_before
    assert refused == expected_refused
    created = InsightReport.objects.count() - reports_before
    assert created == (1 if endpoint.method == "post" and response.status_code == 302 and who != "anonymous" else 0)


@pytest.mark.parametrize("name", ["insights_board_report", "insights_agency_report"])
def test_report_requests_are_post_only(client_for, world, name):
    url = reverse(f"audits:{name}", args=[world["agency"]] if name == "insights_agency_report" else [])
    assert client_for("qa_manager").get(url).status_code == 405


def test_agency_staff_list_only_their_agency(client_for, world, agency_a, agency_b):
    def listed(who: str) -> list[str]:
        return [a.name for a in client_for(who).get(reverse("audits:insights_agencies")).context["agencies"]]

    assert listed("auditor") == [agency_a.name]
    assert set(listed("qa_manager")) == {agency_a.name, agency_b.name, "Youth Service"}
    assert set(listed("lead_officer")) == {agency_a.name, agency_b.name, "Youth Service"}  # their audit, their agency
    assert listed("other_lead") == ["Youth Service"]


def test_an_audit_slugged_insights_keeps_its_pages(client_for, qa_manager):
    """The insights paths never have the shape of an audit's own pages."""
    from audits.tests.factories import AuditFactory

    AuditFactory(slug="insights", title="An audit called insights")
    client = client_for("qa_manager")
    assert client.get(reverse("audits:dashboard", args=["insights"])).status_code == 200
    assert client.get(reverse("audits:recommendations", args=["insights"])).status_code == 200
    assert client.get(reverse("audits:findings", args=["insights"])).status_code == 200
