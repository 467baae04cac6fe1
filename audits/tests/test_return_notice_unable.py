"""A return sent back for amendment (or unlocked) e-mails its agency's named auditor only if they can
amend it, by the rule of the Part A opening and reminder e-mails (AuditAgency.auditor_unable): not
one moved to another agency, deactivated or given another role, for whom the link is a page they may
not open. The reviewer is told the truth: nobody was e-mailed, and the agency needs an auditor."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from audits.models import ReturnStatus
from audits.services.parta import email_auditor_about_return
from audits.tests.parta_support import load

pytestmark = pytest.mark.django_db


def send_back(client, ret, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("audits:return_review", args=[ret.pk]),
            {"action": "send_back", "version": str(ret.version), "comment": "Add the dates."},
        )
    assert response.status_code == 302
    assert load(ret.pk).status == ReturnStatus.RETURNED
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_auditor_moved_to_another_agency_is_not_emailed_and_the_reviewer_is_told(
    client_for, submitted, auditor, agency_c, django_capture_on_commit_callbacks
):
    auditor.agency = agency_c
    auditor.save()

    said = send_back(client_for("qa_manager"), submitted, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert not email_auditor_about_return(return_id=submitted.pk, event="returned")
    assert said == [
        f"Sent back for amendment, but nobody was e-mailed: {auditor} no longer works for Sussex Police. "
        "Sussex Police needs an auditor who can amend it: name one with “Change auditor” on the audit's page, "
        "and tell them."
    ]


def test_an_auditor_who_can_amend_it_is_emailed_as_before(
    client_for, submitted, auditor, django_capture_on_commit_callbacks
):
    said = send_back(client_for("lead_officer"), submitted, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    assert said == [
        "Returned to the auditor for amendment. They are e-mailed within a few minutes to read your comment on "
        "the return, in one e-mail with any others of theirs you send back meanwhile."
    ]


def test_an_unlock_nobody_could_be_told_of_is_called_an_unlock(
    client_for, submitted, auditor, agency_c, django_capture_on_commit_callbacks
):
    submitted.status = ReturnStatus.ACCEPTED
    submitted.save()
    auditor.agency = agency_c
    auditor.save()
    ret = load(submitted.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("qa_manager").post(
            reverse("audits:return_review", args=[ret.pk]),
            {"action": "unlock", "version": str(ret.version), "comment": "The dates are wrong."},
        )
    assert response.status_code == 302 and load(ret.pk).status == ReturnStatus.RETURNED
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert mail.outbox == []
    assert said == [
        f"Unlocked and sent back for amendment, but nobody was e-mailed: {auditor} no longer works for Sussex "
        "Police. Sussex Police needs an auditor who can amend it: name one with “Change auditor” on the audit's "
        "page, and tell them."
    ]
