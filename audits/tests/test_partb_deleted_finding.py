"""A finding deleted (in another tab, or by the audit's other editor) while a page still shows it: what
is then saved, deleted or moved from that page says the finding was deleted, by whom and when, and
keeps what was typed; not a "Page not found", nor a server error."""

import html as html_lib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import AccessRecord
from agencies.services import AccessAction
from audits.models import Finding, FindingKind
from audits.services.partb import finding_add, finding_delete, finding_move, finding_update
from audits.tests.partb_pages import page_form, signed_in

pytestmark = pytest.mark.django_db

TYPED = "Typed on the projector <tab>, not to be lost."


def refusals() -> int:
    return AccessRecord.objects.filter(action=AccessAction.REFUSED, object_type="audits.finding").count()


@pytest.fixture
def finding(part_b, qa_manager):
    finding_add(user=qa_manager, audit=part_b, kind=FindingKind.KEY_MESSAGE, body="First message.")
    return finding_add(user=qa_manager, audit=part_b, kind=FindingKind.KEY_MESSAGE, body="Second message.")


def test_a_finding_saved_after_somebody_deleted_it_says_so_and_keeps_the_text(
    part_b, finding, qa_manager, lead_officer
):
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    lead = signed_in(lead_officer)
    form = page_form(lead.get(url).content.decode(), "body")
    # The QA manager deletes it from the findings page.
    assert signed_in(qa_manager).post(reverse("audits:finding_delete", args=[part_b.slug, finding.pk])).status_code
    assert not Finding.objects.filter(pk=finding.pk).exists()
    before = refusals()

    response = lead.post(url, {**form, "body": TYPED})
    page = response.content.decode()
    assert response.status_code == 409
    name = html_lib.escape(qa_manager.get_full_name())
    assert f"Not saved: this finding was deleted by {name} at " in page
    assert "What you typed is kept here: copy what you need, or add it again as a new finding." in page
    assert page_form(page, "body")["body"] == TYPED
    assert not Finding.objects.filter(pk=finding.pk).exists()
    assert refusals() == before  # a finding of this audit, deleted: not an attempt at somebody else's

    # Opened again (a link on an old page): the findings page, saying so.
    response = lead.get(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(reverse("audits:findings", args=[part_b.slug]) + "#key_message")
    assert f"This finding was deleted by {name} at " in response.content.decode()


def test_a_finding_deleted_or_moved_again_from_an_old_page_says_it_is_gone(part_b, finding, qa_manager):
    qa = signed_in(qa_manager)
    delete = reverse("audits:finding_delete", args=[part_b.slug, finding.pk])
    assert qa.post(delete).status_code == 302
    response = qa.post(delete, follow=True)  # the other tab, or a second click
    page = response.content.decode()
    assert response.status_code == 200 and "Page not found" not in page
    assert "This finding was already deleted, by " in page
    response = qa.post(reverse("audits:finding_move", args=[part_b.slug, finding.pk]), {"direction": "up"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This finding was deleted by " in page and "Nothing was moved." in page
    assert list(Finding.objects.filter(audit=part_b).values_list("body", "order")) == [("First message.", 0)]


def test_a_finding_deleted_as_it_is_saved_or_moved_is_refused_not_a_server_error(part_b, finding, qa_manager):
    """The view read it, then the other request deleted it before this one's lock: the services say so."""
    stale = Finding.objects.select_related("audit").get(pk=finding.pk)
    finding_delete(user=qa_manager, finding=Finding.objects.select_related("audit").get(pk=finding.pk))
    for attempt in (
        lambda: finding_update(user=qa_manager, finding=stale, heading="", body=TYPED),
        lambda: finding_move(user=qa_manager, finding=stale, direction="up"),
        lambda: finding_delete(user=qa_manager, finding=stale),
    ):
        with pytest.raises(ValidationError, match="This finding was deleted"):
            attempt()
    assert AccessRecord.objects.filter(summary__startswith="Finding deleted").count() == 1
