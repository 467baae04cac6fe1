"""A cancelled audit's composer says the cancellation once: the notice at the top of the page (when, by
whom, why, and that its work is kept read-only), not again where the Publish button would be. A section's
save refused by htmx still answers its card with the refusal and the text typed."""

import pytest
from django.urls import reverse

from audits.models import AuditStatus
from audits.services.partb import audit_cancel
from audits.tests.admin_support import page_text
from briefings import services
from briefings.models import Edition

pytestmark = pytest.mark.django_db

CANCELLED = "This audit was cancelled"
REFUSAL = "This audit was cancelled: its briefings are not drafted, changed or published."


def test_the_composer_of_a_cancelled_audit_says_it_once(client, findings_audit, qa_manager):
    findings_audit.status = AuditStatus.PART_B
    findings_audit.save(update_fields=["status"])
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)
    client.force_login(qa_manager)
    url = reverse("briefings:composer", args=[findings_audit.slug, Edition.MANAGERS])
    # In Part B, the publish card says why it cannot be published yet.
    assert "A briefing is published once the audit has moved on to Reporting" in page_text(client.get(url))

    audit_cancel(user=qa_manager, audit=findings_audit, reason="Merged into the neglect audit")
    page = page_text(client.get(url))

    assert page.count(CANCELLED) == 1
    assert f"{CANCELLED} on " in page and "Merged into the neglect audit" in page  # the notice
    assert "Nothing more can be done in it: its work is kept, read-only" in page
    assert "Not published: the notice at the top of this page says why." in page
    assert reverse("briefings:publish", args=[findings_audit.slug, Edition.MANAGERS]) not in page

    # The card a section's save refused by htmx answers (swapped in by briefings.js) still says why.
    section = briefing.sections.order_by("order").first()
    save = reverse("briefings:section_update", args=[findings_audit.slug, Edition.MANAGERS, section.key])
    card = client.post(save, {"heading": section.heading, "body": "Typed late."}, HTTP_HX_REQUEST="true")
    assert card.status_code == 409
    assert page_text(card).count(REFUSAL) == 1 and "Typed late." in card.content.decode()
