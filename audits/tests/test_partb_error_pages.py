"""Part B pages shown again with what could not be saved: the title starts "Error:" (GOV.UK's pattern,
WCAG 3.3.1), and each form's errors are summed up at its start, each linked to its field (the
browser's side, the focus on the summary: tests/test_partb_errors_browser.py)."""

import re

import pytest
from django.urls import reverse

from audits.models import FindingKind, RecommendationStatus, Section
from audits.tests.factories import FindingFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def summary_links(response) -> list[tuple[str, str]]:
    """The error summary's links: (the field's id, the text)."""
    html = response.content.decode()
    block = re.search(r'data-testid="error-summary">(.*?)</div>', html, re.S)
    assert block, "no error summary"
    return re.findall(r'<a class="alert-link" href="#([^"]+)">(.*?)</a>', block.group(1))


def test_a_refused_post_says_error_first_in_the_title(client, qa_manager, part_b, agency_a):
    client.force_login(qa_manager)
    case = part_b.cases.get(reference="Case 1")
    finding = FindingFactory(audit=part_b)
    rec = RecommendationFactory(audit=part_b)
    stage = Section.objects.filter(version=part_b.tool_version).order_by("order").first()

    def r(name: str, *args) -> str:
        return reverse(f"audits:{name}", args=[part_b.slug, *args])

    pages = [  # (the page, where it posts, what it posts)
        (r("session"), r("session"), {"date": "not a date"}),
        (r("findings"), r("finding_add", FindingKind.KEY_MESSAGE), {}),
        (r("finding_edit", finding.pk), r("finding_edit", finding.pk), {"heading": "", "body": ""}),
        (r("recommendations"), r("recommendations"), {"text": ""}),
        (r("recommendation_edit", rec.pk), r("recommendation_edit", rec.pk), {"text": ""}),
        (r("recommendations"), r("recommendation_status", rec.pk), {f"rec-{rec.pk}-to_status": "closed"}),
        (
            r("evidence_board", case.pk),
            r("judgement", case.pk),
            {
                "section": stage.pk,
                f"stage-{stage.pk}-grade": "999999",  # not on the scale
                f"stage-{stage.pk}-reasons": "Typed.",
                f"stage-{stage.pk}-shown": "",
            },
        ),
        (r("participant_auditor", agency_a.pk), r("participant_auditor", agency_a.pk), {"auditor": ""}),
    ]
    for page, url, data in pages:
        assert not title(client.get(page)).startswith("Error:"), page
        response = client.post(url, data)
        assert response.status_code in (400, 409), url
        assert title(response).startswith("Error: "), (url, title(response))


def test_an_empty_finding_is_linked_to_its_fields(client, qa_manager, part_b):
    client.force_login(qa_manager)
    url = reverse("audits:finding_add", args=[part_b.slug, FindingKind.AGENCY_IMPROVEMENT])
    response = client.post(url, {})
    assert response.status_code == 400
    prefix = FindingKind.AGENCY_IMPROVEMENT
    assert summary_links(response) == [
        (f"id_{prefix}-heading", "Lead-in (printed in bold): Write a heading or some text."),
        (f"id_{prefix}-agency", "Agency: This field is required."),
    ]
    html = response.content.decode()
    # The refused form posts back to its own place on the page.
    assert f'action="{url}#add-{prefix}"' in html
    # Its error next to the heading, which it describes, and the text box refers to it too.
    assert f'<div id="id_{prefix}-heading_error" class="invalid-feedback">' in html
    body = re.search(rf'<textarea name="{prefix}-body"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in body and f'aria-describedby="id_{prefix}-heading_error"' in body


def test_a_refused_status_change_is_summed_up_in_its_open_form(client, qa_manager, part_b):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE, impact_evidence="")
    client.force_login(qa_manager)
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    response = client.post(url, {f"rec-{rec.pk}-to_status": "closed", f"rec-{rec.pk}-from_status": "complete"})
    assert response.status_code == 400
    field = f"id_rec-{rec.pk}-impact_evidence"
    assert summary_links(response) == [
        (field, "Evidence of impact: Closing a recommendation needs a note on the evidence of its impact.")
    ]
    html = response.content.decode()
    assert f'action="{url}#status-{rec.pk}"' in html and f'<div id="status-{rec.pk}">' in html
    textarea = re.search(rf'<textarea name="rec-{rec.pk}-impact_evidence"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in textarea and f"{field}_error" in textarea
