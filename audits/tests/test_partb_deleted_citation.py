"""A recommendation saved from a page that ticks a finding deleted meanwhile (in another tab, or by the
audit's other editor): the page says in words that the finding was deleted, by whom and when, instead of
"Select a valid choice. N is not one of the available choices.", and keeps the rest of what was typed."""

import datetime
import html as html_lib

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import FindingKind, Recommendation
from audits.services.partb import finding_add, recommendation_add
from audits.tests.partb_pages import page_form, signed_in

pytestmark = pytest.mark.django_db

TYPED = "Review the <plans> every month, with the child's worker."


@pytest.fixture
def findings(part_b, qa_manager):
    kept = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.KEY_MESSAGE, heading="Share early.")
    gone = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.LEARNING_POINT, heading="Listen to the child.")
    return kept, gone


def delete(client, audit, finding) -> None:
    assert client.post(reverse("audits:finding_delete", args=[audit.slug, finding.pk])).status_code == 302


def says_deleted(page: str, finding, who) -> None:
    assert "is not one of the available choices" not in page
    text = f"The finding “Learning point: {finding.heading}” was deleted by {who.get_full_name()} at "
    assert html_lib.escape(text) in page
    assert "Nothing was saved" in page


def test_an_edit_citing_a_finding_deleted_meanwhile_says_so_and_keeps_what_was_typed(
    part_b, findings, qa_manager, lead_officer
):
    kept, gone = findings
    due = timezone.localdate() + datetime.timedelta(days=90)
    rec = recommendation_add(
        user=qa_manager, audit=part_b, text="Review plans.", owner="CSE group", due_date=due, findings=[kept, gone]
    )
    url = reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk])
    lead = signed_in(lead_officer)
    form = page_form(lead.get(url).content.decode(), "text")
    assert sorted(form["findings"]) == sorted([str(kept.pk), str(gone.pk)])
    delete(signed_in(qa_manager), part_b, gone)

    response = lead.post(url, {**form, "text": TYPED, "owner": "Safeguarding board"})
    page = response.content.decode()
    assert response.status_code == 400
    says_deleted(page, gone, qa_manager)
    again = page_form(page, "text")
    assert (again["text"], again["owner"]) == (TYPED, "Safeguarding board")
    assert again["findings"] == str(kept.pk)  # still ticked; the deleted one no longer listed
    rec.refresh_from_db()
    assert rec.text == "Review plans."

    # Saved again from there: saved, citing the finding left.
    assert lead.post(url, again).status_code == 302
    rec.refresh_from_db()
    assert (rec.text, rec.owner, list(rec.findings.all())) == (TYPED, "Safeguarding board", [kept])


def test_a_new_recommendation_citing_a_finding_deleted_meanwhile_says_so(part_b, findings, qa_manager, lead_officer):
    kept, gone = findings
    url = reverse("audits:recommendations", args=[part_b.slug])
    lead = signed_in(lead_officer)
    form = page_form(lead.get(url).content.decode(), "text")
    due = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    form.update({"text": TYPED, "owner": "CSE group", "due_date": due, "findings": [str(kept.pk), str(gone.pk)]})
    delete(signed_in(qa_manager), part_b, gone)

    response = lead.post(url, form)
    page = response.content.decode()
    assert response.status_code == 400
    says_deleted(page, gone, qa_manager)
    assert page_form(page, "text")["text"] == TYPED
    assert not Recommendation.objects.filter(audit=part_b).exists()


def test_a_finding_that_was_never_the_audits_is_still_an_invalid_choice(part_b, findings, lead_officer):
    url = reverse("audits:recommendations", args=[part_b.slug])
    lead = signed_in(lead_officer)
    form = page_form(lead.get(url).content.decode(), "text")
    form.update({"text": TYPED, "owner": "CSE group", "findings": ["987654"]})
    page = lead.post(url, form).content.decode()
    assert "987654 is not one of the available choices" in page and "was deleted by" not in page
