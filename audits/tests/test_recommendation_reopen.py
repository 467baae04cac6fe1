"""A recommendation closed by mistake is reopened, back to Complete, by whoever may close it (the QA manager, the
audit's lead officer), on its row of the recommendations page, while the audit's recommendations are tracked (Part B,
Reporting, Closed): `closed_at` cleared, the evidence of impact kept, recorded in the access log as a change of status
("Closed → Complete"), refused when somebody else moved it meanwhile. Reopened, it is a complete recommendation like
any other: no reminders to its owner, counted as complete by the tracker and the board report."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from audits.models import Audit, AuditStatus, Recommendation, RecommendationStatus
from audits.selectors.insights import board_report_items, recommendation_tracker_page
from audits.services.insights import recommendation_digests_due
from audits.services.partb import RECOMMENDATION_STATUS_PREFIX, RecommendationMoved, recommendation_transition
from audits.tests.factories import RecommendationFactory
from audits.tests.partb_pages import page_form, signed_in
from conftest import CAST

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
EVIDENCE = "Re-audit in March: 9 of 10 plans recorded."


def closed_recommendation(audit, user, **fields) -> Recommendation:
    """Closed through the service, as the page closes one (closed_at set, its access log entry)."""
    rec = RecommendationFactory(audit=audit, status=RecommendationStatus.COMPLETE, **fields)
    return recommendation_transition(
        user=user, recommendation=rec, to_status=RecommendationStatus.CLOSED, impact_evidence=EVIDENCE
    )


def said(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#x27;", "'").replace("&quot;", '"').split())


# --- The service -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("audit_status", [AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED])
def test_reopening_a_closed_recommendation_makes_it_complete_again_keeping_its_evidence(
    part_b, qa_manager, lead_officer, audit_status
):
    rec = closed_recommendation(part_b, qa_manager)
    assert rec.closed_at is not None
    Audit.objects.filter(pk=part_b.pk).update(status=audit_status)

    rec = recommendation_transition(
        user=lead_officer,
        recommendation=rec,
        to_status=RecommendationStatus.COMPLETE,
        from_status=RecommendationStatus.CLOSED,
    )

    rec.refresh_from_db()
    assert (rec.status, rec.closed_at, rec.impact_evidence) == (RecommendationStatus.COMPLETE, None, EVIDENCE)
    last = AccessRecord.objects.filter(action=AccessAction.CHANGE, object_id=str(rec.pk)).order_by("pk").last()
    assert last.summary == f"{RECOMMENDATION_STATUS_PREFIX % rec.pk} Closed → Complete"
    assert last.user == lead_officer
    # Closed again, it has a new closing time.
    rec = recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.CLOSED)
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None


def test_a_closed_recommendation_moves_back_to_complete_only(part_b, qa_manager):
    rec = closed_recommendation(part_b, qa_manager)
    for status in (RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS, RecommendationStatus.CLOSED):
        with pytest.raises(ValidationError):
            recommendation_transition(user=qa_manager, recommendation=rec, to_status=status)
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None


@pytest.mark.parametrize("who", [w for w in CAST if w not in {"qa_manager", "lead_officer", "anonymous"}])
def test_only_those_who_may_change_its_status_reopen_it(part_b, qa_manager, cast, who):
    rec = closed_recommendation(part_b, qa_manager)
    with pytest.raises(PermissionDenied):
        recommendation_transition(user=cast[who], recommendation=rec, to_status=RecommendationStatus.COMPLETE)
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None


def test_a_recommendation_of_an_audit_no_longer_tracked_is_not_reopened(part_b, qa_manager):
    rec = closed_recommendation(part_b, qa_manager)
    Audit.objects.filter(pk=part_b.pk).update(status=AuditStatus.CANCELLED)
    with pytest.raises(ValidationError, match="cannot be changed while the audit is cancelled"):
        recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.COMPLETE)
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None


def test_reopening_a_recommendation_somebody_else_reopened_meanwhile_is_refused(part_b, qa_manager, lead_officer):
    rec = closed_recommendation(part_b, qa_manager)
    recommendation_transition(
        user=lead_officer,
        recommendation=rec,
        to_status=RecommendationStatus.COMPLETE,
        from_status=RecommendationStatus.CLOSED,
    )
    with pytest.raises(RecommendationMoved) as moved:
        recommendation_transition(
            user=qa_manager,
            recommendation=rec,
            to_status=RecommendationStatus.COMPLETE,
            from_status=RecommendationStatus.CLOSED,
        )
    assert moved.value.recommendation.status == RecommendationStatus.COMPLETE
    assert AccessRecord.objects.filter(summary__endswith="Closed → Complete").count() == 1


# --- The page ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["qa_manager", "lead_officer"])
@pytest.mark.parametrize("audit_status", [AuditStatus.REPORTING, AuditStatus.CLOSED])
def test_the_recommendations_page_reopens_a_closed_recommendation(part_b, qa_manager, cast, who, audit_status):
    rec = closed_recommendation(part_b, qa_manager)
    Audit.objects.filter(pk=part_b.pk).update(status=audit_status)
    client = signed_in(cast[who])
    page = client.get(reverse("audits:recommendations", args=[part_b.slug])).content.decode()

    row = page.split(f'id="rec-{rec.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="reopen"' in row and "Change status" not in row
    assert "Reopen it to change its status or evidence of impact: it goes back to Complete" in said(row)
    form = page_form(page, f"rec-{rec.pk}-to_status")
    assert form[f"rec-{rec.pk}-to_status"] == RecommendationStatus.COMPLETE
    assert form[f"rec-{rec.pk}-from_status"] == RecommendationStatus.CLOSED

    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    response = client.post(url, form, follow=True)

    assert response.redirect_chain[-1][0].endswith(f"#rec-{rec.pk}")
    assert "Recommendation reopened: it is Complete again, its evidence of impact kept." in said(
        response.content.decode()
    )
    rec.refresh_from_db()
    assert (rec.status, rec.closed_at, rec.impact_evidence) == (RecommendationStatus.COMPLETE, None, EVIDENCE)
    # Complete again, its row offers what a complete one does.
    row = response.content.decode().split(f'id="rec-{rec.pk}"')[1].split("</tr>")[0]
    assert "Change status" in row and 'data-testid="reopen"' not in row


@pytest.mark.parametrize("who", [w for w in CAST if w not in {"qa_manager", "lead_officer"}])
def test_nobody_else_reopens_a_recommendation(part_b, qa_manager, client_for, who):
    rec = closed_recommendation(part_b, qa_manager)
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    data = {f"rec-{rec.pk}-to_status": "complete", f"rec-{rec.pk}-from_status": "closed"}

    response = client_for(who).post(url, data)

    assert response.status_code == (302 if who == "anonymous" else 404)
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None


def test_a_closed_recommendation_moved_anywhere_else_is_refused_at_its_row(part_b, qa_manager):
    rec = closed_recommendation(part_b, qa_manager)
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    data = {f"rec-{rec.pk}-to_status": "open", f"rec-{rec.pk}-from_status": "closed"}

    response = signed_in(qa_manager).post(url, data)

    assert response.status_code == 400
    row = response.content.decode().split(f'id="rec-{rec.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="reopen"' in row and 'data-testid="error-summary"' in row and "Select a valid choice" in row
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None


def test_a_cancelled_audits_closed_recommendation_offers_no_reopen(part_b, qa_manager):
    rec = closed_recommendation(part_b, qa_manager)
    Audit.objects.filter(pk=part_b.pk).update(status=AuditStatus.CANCELLED)
    page = signed_in(qa_manager).get(reverse("audits:recommendations", args=[part_b.slug])).content.decode()
    assert 'data-testid="reopen"' not in page and f"rec-{rec.pk}-to_status" not in page


def test_reopened_on_an_older_page_after_somebody_else_did_says_so(part_b, qa_manager, lead_officer):
    rec = closed_recommendation(part_b, qa_manager)
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    listing = reverse("audits:recommendations", args=[part_b.slug])
    qa_form = page_form(qa.get(listing).content.decode(), f"rec-{rec.pk}-to_status")
    lead_form = page_form(lead.get(listing).content.decode(), f"rec-{rec.pk}-to_status")
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    assert lead.post(url, lead_form).status_code == 302

    response = qa.post(url, qa_form)

    assert response.status_code == 409
    assert "This recommendation was moved to complete by" in said(response.content.decode())
    assert AccessRecord.objects.filter(summary__endswith="Closed → Complete").count() == 1


def test_closing_says_it_can_be_reopened(part_b, qa_manager):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE)
    client = signed_in(qa_manager)
    page = client.get(reverse("audits:recommendations", args=[part_b.slug])).content.decode()
    assert "Closed, it no longer changes until it is reopened (back to Complete)." in said(page)

    response = client.post(
        reverse("audits:recommendation_status", args=[part_b.slug, rec.pk]),
        {f"rec-{rec.pk}-to_status": "closed", f"rec-{rec.pk}-impact_evidence": EVIDENCE},
        follow=True,
    )

    assert "Recommendation is now Closed. Closed by mistake? Reopen it on its row: it goes back to Complete." in said(
        response.content.decode()
    )


# --- Elsewhere, a reopened recommendation is a complete one ------------------------------------------------


def test_a_reopened_recommendation_is_counted_and_reminded_as_a_complete_one(part_b, qa_manager):
    overdue = TODAY - datetime.timedelta(days=10)
    rec = closed_recommendation(part_b, qa_manager, due_date=overdue, owner_email="owner@example.org")
    recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.COMPLETE)
    Recommendation.objects.filter(pk=rec.pk).update(due_date=overdue)  # as overdue as a complete one may be

    assert recommendation_digests_due(today=TODAY) == {}
    _overdue, _still_open, complete = board_report_items(qa_manager, today=TODAY)
    assert (_overdue, _still_open, complete) == ([], [], 1)
    tracker = recommendation_tracker_page(qa_manager, statuses=(RecommendationStatus.COMPLETE,))
    assert [item.rec.pk for item in tracker.items] == [rec.pk] and (tracker.overdue, tracker.open) == (0, 0)
