"""A recommendation's status changed (or a closed one reopened) on a recommendations page opened before the audit
moved to a stage where its recommendations are no longer tracked (cancelled, or back to Part A): refused (409), the
page saying at the row that nothing was saved and the audit's stage now, the evidence of impact typed kept there to
copy, as a page overtaken by somebody else's change of status keeps it; not a page without the status form and
without a word. And a Reopen refused as invalid (a tampered post) links its error to the Reopen button, not to its
hidden field."""

import html as html_lib
import re

import pytest
from django.urls import reverse

from agencies.models import AccessRecord
from audits.models import Audit, AuditStatus, Recommendation, RecommendationStatus
from audits.services.partb import recommendation_transition
from audits.tests.factories import RecommendationFactory
from audits.tests.partb_pages import page_form, signed_in

pytestmark = pytest.mark.django_db

TYPED = "Re-audit in March: 9 of 10 plans <recorded>."


def said(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def row_of(page: str, rec: Recommendation) -> str:
    return page.split(f'id="rec-{rec.pk}"')[1].split("</tr>")[0]


def status_form(client, rec: Recommendation) -> dict:
    page = client.get(reverse("audits:recommendations", args=[rec.audit.slug])).content.decode()
    return page_form(page, f"rec-{rec.pk}-to_status")


def move_on(audit: Audit, status: str) -> None:
    """Somebody else moves the audit on while the page is open."""
    Audit.objects.filter(pk=audit.pk).update(status=status)


@pytest.mark.parametrize(
    ("audit_status", "stage"), [(AuditStatus.CANCELLED, "Cancelled"), (AuditStatus.PART_A, "Part A open")]
)
@pytest.mark.parametrize(
    "to_status",
    [RecommendationStatus.IN_PROGRESS, RecommendationStatus.OPEN, RecommendationStatus.CLOSED],
    ids=["moved on", "stays, evidence only", "closed"],
)
def test_a_status_changed_after_the_audit_moved_on_says_why_and_keeps_the_evidence_typed(
    part_b, qa_manager, audit_status, stage, to_status
):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.OPEN)
    if to_status == RecommendationStatus.CLOSED:
        Recommendation.objects.filter(pk=rec.pk).update(status=RecommendationStatus.COMPLETE)
        rec.refresh_from_db()
    qa = signed_in(qa_manager)
    p = f"rec-{rec.pk}"
    form = status_form(qa, rec)
    move_on(part_b, audit_status)
    changes = AccessRecord.objects.filter(summary__startswith=f"Recommendation #{rec.pk}").count()

    response = qa.post(
        reverse("audits:recommendation_status", args=[part_b.slug, rec.pk]),
        {**form, f"{p}-to_status": to_status, f"{p}-impact_evidence": TYPED},
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert (
        f"Not saved: the audit moved to the {stage} stage while you were changing this recommendation's status."
        in said(page)
    )
    assert "The evidence of impact you typed is kept below, not saved: copy what you need." in said(page)
    row = row_of(page, rec)
    kept = row.split('data-testid="kept-evidence"')[1].split("</textarea>")[0]
    assert kept.endswith(">" + html_lib.escape(TYPED))
    assert "readonly" in kept
    rec.refresh_from_db()
    assert rec.impact_evidence == "" and rec.closed_at is None
    assert AccessRecord.objects.filter(summary__startswith=f"Recommendation #{rec.pk}").count() == changes


def test_a_refused_status_change_after_the_audit_moved_on_is_said_not_hidden_with_its_form(part_b, qa_manager):
    """Closing without evidence is refused by the form: once the audit has moved on, the page cannot show that
    form again (its recommendations are no longer tracked), so it says why nothing can be saved instead."""
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE)
    qa = signed_in(qa_manager)
    form = status_form(qa, rec)
    move_on(part_b, AuditStatus.CANCELLED)

    response = qa.post(
        reverse("audits:recommendation_status", args=[part_b.slug, rec.pk]),
        {**form, f"rec-{rec.pk}-to_status": RecommendationStatus.CLOSED},
    )

    assert response.status_code == 409
    assert (
        "Not saved: the audit moved to the Cancelled stage while you were changing this recommendation's status."
        in (said(response.content.decode()))
    )
    assert 'data-testid="kept-evidence"' not in response.content.decode()  # nothing typed, nothing to keep
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.COMPLETE


@pytest.mark.parametrize("who", ["qa_manager", "lead_officer"])
def test_a_recommendation_reopened_after_the_audit_was_cancelled_says_why_it_stays_closed(
    part_b, qa_manager, cast, who
):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE)
    rec = recommendation_transition(
        user=qa_manager, recommendation=rec, to_status=RecommendationStatus.CLOSED, impact_evidence="Done."
    )
    client = signed_in(cast[who])
    form = status_form(client, rec)
    move_on(part_b, AuditStatus.CANCELLED)

    response = client.post(reverse("audits:recommendation_status", args=[part_b.slug, rec.pk]), form)

    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Not saved: the audit moved to the Cancelled stage while you were changing this recommendation's status."
        in (said(page))
    )
    assert 'data-testid="reopen"' not in page and 'data-testid="kept-evidence"' not in page
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.CLOSED and rec.closed_at is not None


def test_a_reopen_refused_as_invalid_links_its_error_to_the_reopen_button(part_b, qa_manager):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE)
    rec = recommendation_transition(
        user=qa_manager, recommendation=rec, to_status=RecommendationStatus.CLOSED, impact_evidence="Done."
    )
    qa = signed_in(qa_manager)
    form = {**status_form(qa, rec), f"rec-{rec.pk}-to_status": "open"}  # tampered: only Complete is offered

    response = qa.post(reverse("audits:recommendation_status", args=[part_b.slug, rec.pk]), form)

    assert response.status_code == 400
    row = row_of(response.content.decode(), rec)
    summary = row.split('data-testid="error-summary"')[1].split("</ul>")[0]
    assert "Select a valid choice" in summary
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets, summary  # linked to where the person acts, not left as text without a place
    for target in targets:
        element = re.search(rf'<(\w+)[^>]*\bid="{re.escape(target)}"[^>]*>', row)
        assert element is not None, f"#{target} is not on the row"
        assert element[1] == "button" and 'type="hidden"' not in element[0], element[0]
        assert "Reopen" in row.split(element[0])[1].split("</button>")[0]
