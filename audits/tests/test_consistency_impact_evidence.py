# ruff: noqa: F811 - `audit` is the fixture of test_insights_consistency, imported
"""An identifier the consistency checks find in a recommendation's evidence of impact (text recorded before the
guard) is fixed where the evidence is written, the recommendation's status form on the recommendations page, not
on its edit page, which has no evidence field; and, the evidence being still tracked once the audit is closed,
its Fix link stays on a closed audit's dashboard, for a recommendation closed itself too (reopened there first)."""

import pytest
from django.urls import reverse

from audits.consistency import IDENTIFIER, consistency_issues
from audits.models import AuditStatus, Recommendation, RecommendationStatus
from audits.tests.factories import RecommendationFactory
from audits.tests.test_insights_consistency import NHS, audit  # noqa: F401

pytestmark = pytest.mark.django_db


def identifier_issues(audit):
    return [issue for issue in consistency_issues(audit) if issue.kind == IDENTIFIER]


def test_an_identifier_in_the_evidence_of_impact_is_fixed_on_the_status_form(audit):
    rec = RecommendationFactory(audit=audit, text="Share plans.", impact_evidence=f"Plan sent for {NHS}.")
    issue = identifier_issues(audit)[0]
    assert issue.url == reverse("audits:recommendations", args=[audit.slug]) + f"#status-{rec.pk}"
    assert "Recommendation 1, its evidence of impact" in issue.message and f"“{NHS}”" in issue.message


def test_an_identifier_in_the_recommendation_itself_is_still_fixed_on_its_edit_page(audit):
    rec = RecommendationFactory(audit=audit, text=f"Share plans for {NHS}.", impact_evidence="Plans shared.")
    [issue] = identifier_issues(audit)
    assert issue.url == reverse("audits:recommendation_edit", args=[audit.slug, rec.pk])
    assert issue.message.startswith("Recommendation 1: ")


def test_a_closed_audits_dashboard_keeps_the_fix_for_evidence_still_tracked(client, qa_manager, audit):
    tracked = RecommendationFactory(audit=audit, text="Share plans.", impact_evidence=f"Plan sent for {NHS}.")
    done = RecommendationFactory(
        audit=audit, text="Train staff.", status=RecommendationStatus.CLOSED, impact_evidence=f"See {NHS}."
    )
    audit.status = AuditStatus.CLOSED
    audit.save()
    client.force_login(qa_manager)

    html = client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()

    panel = html[html.index('data-testid="consistency"') :]
    panel = panel[: panel.index("</section>")]
    recommendations = reverse("audits:recommendations", args=[audit.slug])
    assert f'<a href="{recommendations}#status-{tracked.pk}">Fix<span' in panel
    # Closed itself: reopened on its row (back to Complete), its evidence is changed there too.
    assert f'<a href="{recommendations}#status-{done.pk}">Fix<span' in panel
    assert Recommendation.objects.count() == 2
