"""Nobody reviews their own return: a lead officer who named themselves their agency's auditor (or
anyone who submitted a return as its auditor) does not return it for amendment, accept or unlock it.
The review page says why and offers no button; the QA manager or another reviewer does it."""

import pytest
from django.urls import reverse

from audits.models import AuditAgency, ReturnStatus
from audits.selectors.parta import return_role
from audits.services.parta import (
    ReturnNotAllowed,
    return_accept,
    return_send_back,
    return_submit,
    return_unlock,
)
from audits.tests.parta_support import complete, load

pytestmark = pytest.mark.django_db

OWN = "you do not review your own work"


@pytest.fixture
def lead_as_auditor(lead_officer, audit, agency_a):
    """The audit's lead officer, moved to agency A and named its auditor for the audit."""
    lead_officer.agency = agency_a
    lead_officer.save()
    AuditAgency.objects.filter(audit=audit, agency=agency_a).update(auditor=lead_officer)
    return lead_officer


@pytest.fixture
def own_submitted(lead_as_auditor, ret, layout):
    assert return_submit(
        user=lead_as_auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout)
    ).submitted
    return load(ret.pk)


def test_the_lead_officer_does_not_accept_or_send_back_the_return_they_submitted(lead_as_auditor, own_submitted):
    role = return_role(lead_as_auditor, own_submitted)
    assert role.is_reviewer and role.own_return and not role.can_decide
    for review in (
        lambda: return_accept(user=lead_as_auditor, ret=own_submitted, based_on_version=own_submitted.version),
        lambda: return_send_back(
            user=lead_as_auditor, ret=own_submitted, based_on_version=own_submitted.version, comment="Fine."
        ),
    ):
        with pytest.raises(ReturnNotAllowed) as refused:
            review()
        assert OWN in refused.value.message
    assert load(own_submitted.pk).status == ReturnStatus.SUBMITTED


def test_the_review_page_says_why_and_offers_no_button_and_a_post_is_refused(
    client, lead_as_auditor, own_submitted, qa_manager
):
    client.force_login(lead_as_auditor)
    url = reverse("audits:return_review", args=[own_submitted.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="own-return-note"' in html and OWN in html
    assert "Accept return" not in html and 'value="send_back"' not in html

    refused = client.post(url, {"action": "accept", "version": str(own_submitted.version)})
    assert refused.status_code == 403
    assert load(own_submitted.pk).status == ReturnStatus.SUBMITTED

    # The QA manager does it.
    client.force_login(qa_manager)
    assert "Accept return" in client.get(url).content.decode()
    return_accept(user=qa_manager, ret=own_submitted, based_on_version=own_submitted.version)
    assert load(own_submitted.pk).status == ReturnStatus.ACCEPTED


def test_having_named_someone_else_since_does_not_make_it_reviewable_by_its_submitter(
    lead_as_auditor, own_submitted, audit, agency_a, colleague
):
    AuditAgency.objects.filter(audit=audit, agency=agency_a).update(auditor=colleague)
    with pytest.raises(ReturnNotAllowed):
        return_accept(user=lead_as_auditor, ret=own_submitted, based_on_version=own_submitted.version)


def test_an_auditor_made_qa_manager_does_not_unlock_their_own_accepted_return(auditor, submitted, qa_manager):
    return_accept(user=qa_manager, ret=submitted, based_on_version=submitted.version)
    accepted = load(submitted.pk)
    auditor.role = "qa_manager"
    auditor.agency = None
    auditor.save()
    assert not return_role(auditor, accepted).can_unlock
    with pytest.raises(ReturnNotAllowed) as refused:
        return_unlock(user=auditor, ret=accepted, based_on_version=accepted.version, reason="Reopen it.")
    assert OWN in refused.value.message
    assert return_role(qa_manager, accepted).can_unlock


def test_someone_elses_return_is_still_reviewed_by_the_lead_officer(lead_officer, submitted):
    role = return_role(lead_officer, submitted)
    assert role.can_decide and not role.own_return
    return_accept(user=lead_officer, ret=submitted, based_on_version=submitted.version)
    assert load(submitted.pk).status == ReturnStatus.ACCEPTED
