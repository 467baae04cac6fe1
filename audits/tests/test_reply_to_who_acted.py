"""A reply to an e-mail sent on a person's action goes to that person: an auditor chased by the QA manager or the
audit's lead officer who answers "I'm off sick, can X do it?" reaches who chased them, not the partnership's
contact address (every e-mail's Reply-To before). So does a reply to a return sent back or unlocked (to its
reviewer) and to an audit's cancellation (to who cancelled it). A leaver or somebody with no e-mail address
cannot read one: the reply goes to the contact address, as it does for the system e-mails (reminders, digests)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import Partnership
from audits.models import AuditAgency, PartAReturn, ReminderKind, ReminderLog
from audits.services.parta import (
    email_auditor_about_return,
    email_chase,
    reminder_send,
    return_accept,
    return_send_back,
    return_unlock,
)
from audits.services.partb import audit_cancel
from audits.services.participants import participant_auditor_change
from audits.services.plan_changes import email_plan_changed
from audits.tasks import notify_new_auditor
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db
CONTACT = "qa.team@scp.example.gov.uk"


@pytest.fixture(autouse=True)
def contact(db):
    partnership = Partnership.load()
    partnership.contact_email = CONTACT
    partnership.save()
    Partnership.clear_cache()


def body_of(message) -> str:
    return " ".join(message.body.split())


def chase(audit, auditor, by):
    log = ReminderLog.objects.create(
        auditor=auditor, audit=audit, kind=ReminderKind.CHASE, sent_on=timezone.localdate(), sent_by=by
    )
    assert email_chase(reminder_id=log.pk)
    return mail.outbox[-1]


@pytest.mark.parametrize("who", ["qa_manager", "lead_officer"])
def test_a_reply_to_a_chase_goes_to_who_chased(request, who, audit, auditor):
    chaser = request.getfixturevalue(who)
    message = chase(audit, auditor, chaser)
    assert message.reply_to == [chaser.email]
    assert f"reply to this e-mail: your reply goes to {chaser}, who chased you." in body_of(message)


@pytest.mark.parametrize("change", ["deactivated", "no_email"])
def test_a_chaser_who_left_or_has_no_address_is_not_replied_to(change, audit, auditor, lead_officer):
    assert chase(audit, auditor, lead_officer).reply_to == [lead_officer.email]
    if change == "deactivated":
        lead_officer.is_active = False
    else:
        lead_officer.email = ""
    lead_officer.save()
    message = chase(audit, auditor, lead_officer)
    assert message.reply_to == [CONTACT]
    assert "your reply goes to" not in body_of(message)
    assert f"{lead_officer} asks you to complete" in body_of(message)  # still says who chased


def test_the_daily_reminder_still_replies_to_the_contact_address_and_a_chase_to_the_chaser(audit, auditor, qa_manager):
    audit.part_a_due = timezone.localdate() + dt.timedelta(days=2)
    audit.save()
    assert reminder_send(auditor_id=auditor.pk)
    reminder = mail.outbox[-1]
    assert reminder.reply_to == [CONTACT]
    assert "your reply goes to" not in body_of(reminder)
    assert chase(audit, auditor, qa_manager).reply_to == [qa_manager.email]


def submitted(audit, agency):
    rets = []
    for ret in PartAReturn.objects.filter(audit=audit, agency=agency).order_by("case__order"):
        complete_return(ret)
        ret.refresh_from_db()
        rets.append(ret)
    return rets


def test_a_reply_to_a_return_sent_back_goes_to_its_reviewer(audit, agency_a, lead_officer):
    ret = submitted(audit, agency_a)[0]
    return_send_back(user=lead_officer, ret=ret, based_on_version=ret.version, comment="Add the dates.")
    assert email_auditor_about_return(return_id=ret.pk, event="returned")
    message = mail.outbox[-1]
    assert message.reply_to == [lead_officer.email]
    assert f"your reply goes to {lead_officer}, who sent it back." in body_of(message)


def test_a_reply_to_an_unlocked_return_goes_to_the_qa_manager_who_unlocked_it(audit, agency_a, qa_manager):
    ret = submitted(audit, agency_a)[0]
    ret = return_accept(user=qa_manager, ret=ret, based_on_version=ret.version)
    return_unlock(user=qa_manager, ret=ret, based_on_version=ret.version, reason="The grade is wrong.")
    assert email_auditor_about_return(return_id=ret.pk, event="unlocked")
    message = mail.outbox[-1]
    assert message.reply_to == [qa_manager.email]
    assert f"your reply goes to {qa_manager}, who unlocked it." in body_of(message)


def test_returns_sent_back_together_reply_to_their_reviewer_only_when_one_sent_them_all_back(
    audit, agency_a, agency_b, auditor, other_auditor, qa_manager, lead_officer
):
    first, second = submitted(audit, agency_a)
    for ret in (first, second):
        return_send_back(user=qa_manager, ret=ret, based_on_version=ret.version, comment="Add the dates.")
    assert email_auditor_about_return(return_id=first.pk, event="returned")
    assert len(mail.outbox) == 1  # one e-mail lists both
    assert mail.outbox[0].reply_to == [qa_manager.email]
    assert f"your reply goes to {qa_manager}, who sent them back." in body_of(mail.outbox[0])

    # Agency B's: one sent back by the QA manager, one by the lead officer. Neither is the one to ask.
    first, second = submitted(audit, agency_b)
    return_send_back(user=qa_manager, ret=first, based_on_version=first.version, comment="Add the dates.")
    return_send_back(user=lead_officer, ret=second, based_on_version=second.version, comment="Add the grade.")
    assert email_auditor_about_return(return_id=first.pk, event="returned")
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [other_auditor.email]
    assert mail.outbox[1].reply_to == [CONTACT]
    assert "your reply goes to" not in body_of(mail.outbox[1])


def test_a_reply_about_an_auditor_resending_goes_to_the_reviewer_not_the_auditor(audit, agency_a, lead_officer):
    """The auditor's own saves after the send-back are in the return's history too: it is the send-back's
    writer who is replied to, read from the latest send-back, not the latest save."""
    ret = submitted(audit, agency_a)[0]
    return_send_back(user=lead_officer, ret=ret, based_on_version=ret.version, comment="Add the dates.")
    ret = PartAReturn.objects.get(pk=ret.pk)
    ret.strengths = "Amended."
    ret._history_user = ret.audit.participants.get(agency=agency_a).auditor
    ret.save()
    assert email_auditor_about_return(return_id=ret.pk, event="returned")
    assert mail.outbox[-1].reply_to == [lead_officer.email]


def test_a_reply_to_a_cancellation_goes_to_who_cancelled(
    audit, qa_manager, auditor, lead_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_cancel(user=qa_manager, audit=audit, reason="Overtaken by a rapid review")
    to_auditor = next(m for m in mail.outbox if m.to == [auditor.email])
    assert to_auditor.reply_to == [qa_manager.email]
    assert f"your reply goes to {qa_manager}, who cancelled it." in body_of(to_auditor)


def test_a_reply_to_being_named_or_replaced_as_auditor_goes_to_who_made_the_change(
    audit, agency_a, auditor, colleague, lead_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant_auditor_change(user=lead_officer, audit=audit, agency=agency_a, auditor=colleague)
    named = next(m for m in mail.outbox if m.to == [colleague.email])
    replaced = next(m for m in mail.outbox if m.to == [auditor.email])
    assert named.reply_to == replaced.reply_to == [lead_officer.email]
    assert f"your reply goes to {lead_officer}, who named you." in body_of(named)
    assert f"your reply goes to {lead_officer}, who made the change." in body_of(replaced)
    assert "contact the audit's lead officer or the QA manager" not in body_of(replaced)


def test_a_message_queued_before_who_acted_was_given_replies_to_the_contact_address(audit, agency_a, auditor):
    """An outbox message queued before a deployment holds no `by_id`: its e-mail goes as before."""
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)
    assert notify_new_auditor.apply(args=[participant.pk, auditor.pk]).get()
    assert mail.outbox[-1].reply_to == [CONTACT]
    assert "your reply goes to" not in body_of(mail.outbox[-1])
    assert notify_new_auditor.apply(args=[participant.pk, auditor.pk, audit.lead_officer_id]).get() is not None


def test_a_reply_to_a_change_of_plan_goes_to_who_changed_it(audit, auditor, qa_manager):
    due = timezone.localdate() + dt.timedelta(days=10)
    audit.part_a_due = due
    audit.save()
    assert email_plan_changed(
        audit_id=audit.pk, person_id=auditor.pk, changes={"due": ["", due.isoformat()]}, by_id=qa_manager.pk
    )
    message = mail.outbox[-1]
    assert message.reply_to == [qa_manager.email]
    assert f"your reply goes to {qa_manager}, who made the change." in body_of(message)
