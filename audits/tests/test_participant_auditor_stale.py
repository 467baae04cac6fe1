"""Two people changing the same agency's auditor from pages opened at the same time (the QA manager and
the lead officer, or two tabs): the second does not replace, unseen, the person the first just named.
Nothing changes, the page says who is the auditor now, named by whom and when, and keeps the choice."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from agencies.tests.factories import UserFactory
from audits.models import AuditAgency
from audits.services.participants import AuditorChangedMeanwhile, participant_auditor_change
from audits.tests.partb_pages import signed_in

pytestmark = pytest.mark.django_db


def change_url(audit, agency) -> str:
    return reverse("audits:participant_auditor", args=[audit.slug, agency.pk])


def named(audit, agency):
    return AuditAgency.objects.get(audit=audit, agency=agency).auditor


def shown_on(page: str) -> str:
    return re.search(r'name="shown" value="([^"]*)"', page)[1]


def test_a_change_from_a_page_showing_the_auditor_before_another_change_is_refused_and_kept(
    qa_manager, lead_officer, audit, agency_a, auditor, colleague
):
    sergeant = UserFactory(username="sergeant.a", agency=agency_a, first_name="Sam", last_name="Sergeant")
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    qa_page = qa.get(change_url(audit, agency_a)).content.decode()
    lead_page = lead.get(change_url(audit, agency_a)).content.decode()
    assert shown_on(qa_page) == shown_on(lead_page) == str(auditor.pk)

    # The lead officer names the colleague first.
    assert (
        lead.post(change_url(audit, agency_a), {"auditor": colleague.pk, "shown": shown_on(lead_page)}).status_code
        == 302
    )
    assert named(audit, agency_a) == colleague

    # The QA manager, on the page that still shows the first auditor, chooses the sergeant: refused.
    response = qa.post(change_url(audit, agency_a), {"auditor": sergeant.pk, "shown": shown_on(qa_page)})
    page = response.content.decode()
    assert response.status_code == 409
    assert named(audit, agency_a) == colleague  # the lead officer's choice stands
    assert f"{escape(lead_officer.get_full_name())} named {escape(str(colleague))} as" in page
    assert f"Auditor now: {escape(str(colleague))}" in page
    assert re.search(rf'<option value="{sergeant.pk}" selected>', page)  # the choice kept

    # Saving again from there is deliberate, and goes through.
    assert qa.post(change_url(audit, agency_a), {"auditor": sergeant.pk, "shown": shown_on(page)}).status_code == 302
    assert named(audit, agency_a) == sergeant


def test_the_service_refuses_a_change_against_another_auditor_than_shown(
    qa_manager, audit, agency_a, auditor, colleague
):
    shown = str(auditor.pk)
    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager, shown=shown)
    with pytest.raises(AuditorChangedMeanwhile) as refused:
        participant_auditor_change(audit=audit, agency=agency_a, auditor=auditor, user=qa_manager, shown=shown)
    assert isinstance(refused.value, ValidationError) and "Nothing was changed" in refused.value.messages[0]
    assert named(audit, agency_a) == colleague
