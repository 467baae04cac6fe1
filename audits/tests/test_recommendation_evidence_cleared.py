"""Evidence of impact the owner empties on the recommendations page (written against the wrong
recommendation, or holding what should not be there) is removed, as the emptied box says, instead of kept
unseen while the page said the recommendation moved on (or refused as "Nothing to save")."""

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, RecommendationStatus
from audits.services.partb import recommendation_transition
from audits.tests.factories import AuditFactory, RecommendationFactory
from audits.tests.partb_pages import page_form

pytestmark = pytest.mark.django_db


def _status_post(client, rec, to_status: str, evidence: str) -> dict:
    """The recommendation's status form as its page shows it, with `to_status` chosen and `evidence` typed."""
    page = client.get(reverse("audits:recommendations", args=[rec.audit.slug])).content.decode()
    prefix = f"rec-{rec.pk}"
    data = page_form(page, f"{prefix}-impact_evidence")
    assert data[f"{prefix}-impact_evidence"] == rec.impact_evidence  # the box shows the evidence, to change
    return {**data, f"{prefix}-to_status": to_status, f"{prefix}-impact_evidence": evidence}


def _post(client, rec, data):
    return client.post(reverse("audits:recommendation_status", args=[rec.audit.slug, rec.pk]), data, follow=True)


def test_evidence_emptied_while_moving_the_recommendation_on_is_removed(client, qa_manager):
    audit = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(audit=audit, status=RecommendationStatus.OPEN, impact_evidence="Meant for another.")
    client.force_login(qa_manager)

    response = _post(client, rec, _status_post(client, rec, RecommendationStatus.IN_PROGRESS, ""))

    assert "Recommendation is now In progress." in response.content.decode()
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.IN_PROGRESS, "")


def test_evidence_emptied_keeping_the_status_is_removed_and_said_so(client, qa_manager):
    audit = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(audit=audit, status=RecommendationStatus.IN_PROGRESS, impact_evidence="Wrong one.")
    client.force_login(qa_manager)

    response = _post(client, rec, _status_post(client, rec, RecommendationStatus.IN_PROGRESS, "  "))

    assert response.status_code == 200
    assert "Evidence of impact removed: the recommendation stays In progress." in response.content.decode()
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.IN_PROGRESS, "")
    record = AccessRecord.objects.filter(action=AccessAction.CHANGE, object_id=str(rec.pk)).get()
    assert record.summary == f"Recommendation changed: #{rec.pk}, the evidence of impact removed (still In progress)"

    # Empty already: nothing to save, as before.
    response = _post(client, rec, _status_post(client, rec, RecommendationStatus.IN_PROGRESS, ""))
    assert "Nothing to save: write what has been done, or choose a new status." in response.content.decode()


def test_emptied_evidence_cannot_close_the_recommendation(client, qa_manager):
    audit = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(
        audit=audit, status=RecommendationStatus.COMPLETE, impact_evidence="Re-audit showed it."
    )
    client.force_login(qa_manager)

    response = _post(client, rec, _status_post(client, rec, RecommendationStatus.CLOSED, ""))

    assert "Closing a recommendation needs a note on the evidence of its impact." in response.content.decode()
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.COMPLETE, "Re-audit showed it.")


def test_evidence_emptied_here_while_somebody_else_rewrote_it_is_a_conflict_not_a_removal(client, qa_manager):
    audit = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(audit=audit, status=RecommendationStatus.OPEN, impact_evidence="First note.")
    client.force_login(qa_manager)
    data = _status_post(client, rec, RecommendationStatus.IN_PROGRESS, "")
    rec.impact_evidence = "Somebody else's newer note."
    rec.save()

    response = client.post(reverse("audits:recommendation_status", args=[audit.slug, rec.pk]), data)

    assert response.status_code == 409
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.OPEN, "Somebody else's newer note.")


def test_a_move_that_does_not_say_what_its_page_showed_keeps_the_evidence(qa_manager):
    """A caller that posts no evidence and no record of what it showed (not the page's form) moves the status
    only: the evidence stays."""
    audit = AuditFactory(status=AuditStatus.CLOSED)
    rec = RecommendationFactory(audit=audit, status=RecommendationStatus.OPEN, impact_evidence="Kept.")
    recommendation_transition(user=qa_manager, recommendation=rec, to_status=RecommendationStatus.IN_PROGRESS)
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.IN_PROGRESS, "Kept.")
