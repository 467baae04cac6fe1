"""An auditor leaves in the middle of Part A with one of the agency's returns returned for amendment: the
reviewer's e-mail about it went to them (or, once their account was deactivated, to nobody). The person named
to continue is told, in the e-mail that names them, how many of the returns are waiting for amendment and
where the reviewer's comment is, not only how many are not submitted yet.

`audit` (conftest.py, "CSE audit") is in Part A: Sussex Police named `auditor`, two cases."""

import pytest
from django.core import mail

from agencies.models import User
from audits.models import PartAReturn
from audits.services.parta import return_send_back, return_submit
from audits.services.participants import participant_auditor_change
from audits.tests.parta_support import complete, load

pytestmark = [pytest.mark.usefixtures("partnership")]


def named_email(colleague) -> str:
    [message] = [m for m in mail.outbox if m.to == [colleague.email] and "You are now the auditor" in m.subject]
    return " ".join(message.body.split())


def test_the_new_auditor_is_told_of_a_return_waiting_for_amendment(
    qa_manager, audit, agency_a, auditor, colleague, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        return_send_back(user=qa_manager, ret=submitted, based_on_version=submitted.version, comment="Add the meeting.")
    User.objects.filter(pk=auditor.pk).update(is_active=False)  # left
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    body = named_email(colleague)
    assert "2 returns are not submitted yet." in body  # test_participants
    assert "1 of them was returned for amendment: the reviewer's comment" in body
    assert "Add the meeting." not in body  # free text about a case: read on the return


def test_without_one_returned_nothing_is_said_of_amendment(
    qa_manager, audit, agency_a, colleague, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    body = named_email(colleague)
    assert "1 return is not submitted yet." in body
    assert "amendment" not in body


def test_two_returned_are_counted(
    qa_manager, audit, agency_a, auditor, colleague, layout, submitted, django_capture_on_commit_callbacks
):
    other = load(PartAReturn.objects.get(audit=audit, agency=agency_a, case__reference="Case 2").pk)
    assert return_submit(user=auditor, ret=other, layout=layout, based_on_version=0, changes=complete(layout)).submitted
    for ret in (submitted, load(other.pk)):
        return_send_back(user=qa_manager, ret=ret, based_on_version=ret.version, comment="Amend it.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    assert "2 of them were returned for amendment" in named_email(colleague)
