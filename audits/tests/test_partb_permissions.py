"""Every Part B URL, GET and POST, against the whole cast.

QA manager and the audit's lead officer run Part B. The audit's named auditors may read the
evidence boards and the heatmap, read-only, during the Part B stage only. Everyone else signed in
gets 404 (and a REFUSED access record); anonymous visitors are sent to sign in.
"""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import Audit, AuditStatus, Finding, FindingKind, Grade, PartAReturn, Recommendation
from audits.tests.factories import FindingFactory, RecommendationFactory
from audits.tests.partb_support import complete_return
from conftest import CAST

pytestmark = pytest.mark.django_db

MANAGERS = {"qa_manager", "lead_officer"}
AUDITORS = {"auditor", "other_auditor"}


@dataclass
class World:
    audit: object
    case: object
    ret: object
    finding: object
    recommendation: object
    grade: object


@pytest.fixture
def world(audit, other_audit) -> World:
    audit.status = AuditStatus.PART_B
    audit.save()
    ret = PartAReturn.objects.filter(audit=audit).select_related("case").order_by("pk").first()
    complete_return(ret)
    return World(
        audit=audit,
        case=ret.case,
        ret=ret,
        finding=FindingFactory(audit=audit, kind=FindingKind.STRENGTH),
        recommendation=RecommendationFactory(audit=audit),
        grade=Grade.objects.filter(scale_id=audit.tool_version.scale_id).order_by("rank").first(),
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    ok: int  # the status code for the QA manager and the lead officer
    auditors_read: bool = False  # the audit's auditors may GET it during Part B
    args: tuple[str, ...] = ("slug",)
    data: dict = field(default_factory=dict)


ENDPOINTS = [
    Endpoint("dashboard", "get", 200),
    Endpoint("audit_status", "post", 302, data={"to_status": AuditStatus.REPORTING}),
    Endpoint("session", "get", 200),
    Endpoint("session", "post", 302, data={"form": "details", "date": "2027-01-20", "venue": "Hove Town Hall"}),
    Endpoint("boards", "get", 200, auditors_read=True),
    Endpoint("evidence_board", "get", 200, auditors_read=True, args=("slug", "case")),
    Endpoint("judgement", "post", 302, args=("slug", "case"), data={"section": "", "overall-grade": "{grade}"}),
    Endpoint("heatmap", "get", 200, auditors_read=True),
    Endpoint("findings", "get", 200),
    Endpoint("finding_add", "post", 302, args=("slug", "kind"), data={"strength-heading": "Joint working"}),
    Endpoint("finding_edit", "get", 200, args=("slug", "finding")),
    Endpoint("finding_edit", "post", 302, args=("slug", "finding"), data={"heading": "Changed"}),
    Endpoint("finding_move", "post", 302, args=("slug", "finding"), data={"direction": "down"}),
    Endpoint("finding_delete", "post", 302, args=("slug", "finding")),
    Endpoint(
        "finding_promote",
        "post",
        302,
        data={"part_a_return": "{ret}", "field": "strengths", "kind": FindingKind.STRENGTH},
    ),
    Endpoint("recommendations", "get", 200),
    Endpoint(
        "recommendations",
        "post",
        302,
        data={"text": "Do better", "owner": "CSE Steering Group", "due_date": f"{date.today().year + 1}-12-31"},
    ),
    Endpoint("recommendation_edit", "get", 200, args=("slug", "rec")),
    Endpoint("recommendation_edit", "post", 302, args=("slug", "rec"), data={"text": "Changed", "owner": "Group"}),
    Endpoint("recommendation_status", "post", 302, args=("slug", "rec"), data={"{prefix}-to_status": "in_progress"}),
    Endpoint("export_csv", "get", 200),
    Endpoint("export_xlsx", "get", 200),
]


def _url(endpoint: Endpoint, world: World) -> str:
    values = {
        "slug": world.audit.slug,
        "case": world.case.pk,
        "kind": FindingKind.STRENGTH,
        "finding": world.finding.pk,
        "rec": world.recommendation.pk,
    }
    return reverse(f"audits:{endpoint.name}", args=[values[a] for a in endpoint.args])


def _data(endpoint: Endpoint, world: World) -> dict:
    fill = {"grade": world.grade.pk, "ret": world.ret.pk}
    prefix = f"rec-{world.recommendation.pk}"
    return {k.replace("{prefix}", prefix): str(v).format(**fill) for k, v in endpoint.data.items()}


def _call(client, endpoint: Endpoint, world: World):
    if endpoint.method == "get":
        return client.get(_url(endpoint, world))
    return client.post(_url(endpoint, world), _data(endpoint, world))


def expected(endpoint: Endpoint, who: str, status: str) -> int:
    if who == "anonymous":
        return 302
    if who in MANAGERS:
        return endpoint.ok
    if who in AUDITORS and endpoint.auditors_read and status == AuditStatus.PART_B:
        return 200
    return 404


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method}-{e.name}")
def test_part_b_url_in_part_b_stage(client_for, world, endpoint, who):
    client = client_for(who)
    refused_before = AccessRecord.objects.filter(action=AccessAction.REFUSED).count()

    response = _call(client, endpoint, world)

    assert response.status_code == expected(endpoint, who, AuditStatus.PART_B), response.content[:500]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    refused = AccessRecord.objects.filter(action=AccessAction.REFUSED).count() - refused_before
    assert refused == (1 if response.status_code == 404 else 0)


BOARD_ENDPOINTS = [e for e in ENDPOINTS if e.auditors_read]


@pytest.mark.parametrize("status", [AuditStatus.PART_A, AuditStatus.REPORTING, AuditStatus.CLOSED])
@pytest.mark.parametrize("who", ["auditor", "other_auditor", "colleague", "qa_manager", "lead_officer"])
@pytest.mark.parametrize("endpoint", BOARD_ENDPOINTS, ids=lambda e: e.name)
def test_auditors_read_boards_only_in_the_part_b_stage(client_for, world, endpoint, who, status):
    world.audit.status = status
    world.audit.save()
    response = _call(client_for(who), endpoint, world)
    assert response.status_code == expected(endpoint, who, status)


def test_auditor_reading_the_board_sees_no_forms_and_cannot_post(client_for, world):
    client = client_for("auditor")
    board = reverse("audits:evidence_board", args=[world.audit.slug, world.case.pk])
    html = client.get(board).content.decode()
    assert "csrfmiddlewaretoken" not in html.split('<main id="main"')[1]
    assert "Promote to" not in html and "Record consensus" not in html
    # Every write is refused, even during Part B.
    url = reverse("audits:judgement", args=[world.audit.slug, world.case.pk])
    assert client.post(url, {"section": "", "overall-grade": world.grade.pk}).status_code == 404
    assert not world.case.judgements.exists()


def test_writes_leave_nothing_behind_when_refused(client_for, world):
    client = client_for("other_lead")
    client.post(reverse("audits:finding_add", args=[world.audit.slug, "strength"]), {"strength-heading": "Sneaky"})
    client.post(reverse("audits:finding_delete", args=[world.audit.slug, world.finding.pk]))
    client.post(reverse("audits:recommendations", args=[world.audit.slug]), {"text": "x", "owner": "y"})
    client.post(reverse("audits:audit_status", args=[world.audit.slug]), {"to_status": AuditStatus.REPORTING})
    assert not Finding.objects.filter(heading="Sneaky").exists()
    assert Finding.objects.filter(pk=world.finding.pk).exists()
    assert Recommendation.objects.filter(audit=world.audit).count() == 1
    world.audit.refresh_from_db()
    assert world.audit.status == AuditStatus.PART_B


@pytest.mark.parametrize("who", CAST)
def test_recommendations_across_audits(client_for, world, who):
    """QA manager: all audits; lead officers: their own audits; anyone who runs no audit: 404."""
    other = RecommendationFactory(audit=Audit.objects.get(slug="neglect-audit"), text="Neglect recommendation")
    response = client_for(who).get(reverse("audits:recommendations_all"))
    if who == "anonymous":
        assert response.status_code == 302
        return
    if who not in {"qa_manager", "lead_officer", "other_lead"}:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert (world.recommendation.text in html) == (who in {"qa_manager", "lead_officer"})
    assert (other.text in html) == (who in {"qa_manager", "other_lead"})
