"""What the portal's e-mails say, rendered through the real service functions into Django's locmem outbox:
each names the partnership, comes from DEFAULT_FROM_EMAIL (replies to the partnership's contact when it has
one), links absolutely to pages its recipient may open, and leaks no template syntax, "None" or HTML entity."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from agencies.models import Partnership
from agencies.services import email_account_change, email_address_change
from audits.models import (
    AuditAgency,
    AuditStatus,
    PartAReturn,
    ReminderKind,
    ReminderLog,
    ReturnNotice,
    ReturnNoticeEvent,
    ReturnStatus,
)
from audits.services.insights import (
    email_recommendation_assigned,
    email_recommendation_digest,
    recommendation_digests_queue,
)
from audits.services.parta import (
    email_auditor_about_return,
    email_chase,
    reminder_send,
    return_send_back,
)
from audits.services.participants import email_new_auditor
from audits.tests.factories import RecommendationFactory
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db
NAME = "West Sussex Safeguarding Children Partnership"


def partnership(contact: str = "") -> None:
    p = Partnership.load()
    p.name, p.contact_email = NAME, contact
    p.save()


def chase(audit, auditor, by) -> None:
    log = ReminderLog.objects.create(
        auditor=auditor, audit=audit, kind=ReminderKind.CHASE, sent_on=timezone.localdate(), sent_by=by
    )
    assert email_chase(reminder_id=log.pk)


def send_every_email(audit, auditor, qa_manager, agency_a, administrator) -> None:
    audit.title = "O'Brien & family's audit"
    audit.part_a_due = timezone.localdate() + dt.timedelta(days=2)
    audit.save()
    returns = list(PartAReturn.objects.filter(audit=audit, agency=agency_a))
    for ret in returns:
        ret.amendment_comment = "Please add the child's GP <details> & dates."
        ret.status = ReturnStatus.RETURNED
        ret.save()
    ret = returns[0]
    # As return_send_back and return_unlock record them: one return, then both (one e-mail listing them).
    ReturnNotice.objects.create(ret=ret, event=ReturnNoticeEvent.RETURNED)
    assert email_auditor_about_return(return_id=ret.pk, event="returned")
    ReturnNotice.objects.create(ret=ret, event=ReturnNoticeEvent.UNLOCKED)
    assert email_auditor_about_return(return_id=ret.pk, event="unlocked")
    ReturnNotice.objects.bulk_create(
        [ReturnNotice(ret=returns[0], event=ReturnNoticeEvent.UNLOCKED)]
        + [ReturnNotice(ret=other, event=ReturnNoticeEvent.RETURNED) for other in returns[1:]]
    )
    assert email_auditor_about_return(return_id=ret.pk, event="returned")
    assert reminder_send(auditor_id=auditor.pk)
    chase(audit, auditor, qa_manager)
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)
    assert email_new_auditor(participant_id=participant.pk, auditor_id=auditor.pk)
    rec = RecommendationFactory(
        audit=audit, due_date=timezone.localdate() - dt.timedelta(days=1), owner_email="owner@example.org"
    )
    assert recommendation_digests_queue() == ["owner@example.org"]
    assert email_recommendation_digest(address="owner@example.org", day=timezone.localdate().isoformat())
    audit.status = AuditStatus.PART_B  # a recommendation is assigned once Part A is over
    audit.save()
    assert email_recommendation_assigned(recommendation_id=rec.pk, to="owner@example.org")
    assert email_account_change(person_id=auditor.pk, change="password", by_id=administrator.pk)
    at = timezone.now().isoformat()
    assert email_address_change(person_id=auditor.pk, old_email="old@example.org", new_email="", by_id=None, at=at)
    assert len(mail.outbox) == 10


@pytest.mark.parametrize("contact", ["scp@example.gov.uk", ""])
def test_every_email_names_the_partnership_and_its_sender(
    contact, audit, auditor, qa_manager, agency_a, administrator, client
):
    partnership(contact)
    send_every_email(audit, auditor, qa_manager, agency_a, administrator)
    client.force_login(auditor)
    for message in mail.outbox:
        assert message.subject.startswith(f"{NAME}: "), message.subject
        assert message.from_email == settings.DEFAULT_FROM_EMAIL
        if "a reminder from" in message.subject:  # a chase: a reply goes to who chased (test_reply_to_who_acted)
            assert message.reply_to == [qa_manager.email]
        else:
            assert message.reply_to == ([contact] if contact else [])
        body = message.body
        for leak in ("None", "{%", "{{", "&#", "&amp;", "&lt;", "<br", "<p>"):
            assert leak not in body, (message.subject, leak)
        for url in re.findall(r"\S+://\S+", body):
            assert url.startswith(settings.SITE_URL), url
            if message.to == [auditor.email]:
                path = url.removeprefix(settings.SITE_URL) or "/"
                assert client.get(path, follow=True).status_code == 200, url
    assert "Please add the child's GP" not in mail.outbox[0].body  # read on the return, not e-mailed
    assert "Please add the child's GP" not in mail.outbox[2].body  # nor in the e-mail listing several
    assert all("O'Brien & family's audit" in message.body for message in mail.outbox[:7])  # not O&#x27;Brien


def test_a_chase_says_it_is_one_and_which_audit(audit, auditor, qa_manager, agency_a):
    """It read "Part A returns due soon", the subject of the daily automatic reminder, even for an audit with
    no due date, and did not say which audit or that a person had asked."""
    audit.part_a_due = None
    audit.save()
    chase(audit, auditor, qa_manager)
    subject = mail.outbox[0].subject
    assert "due soon" not in subject and "overdue" not in subject
    assert audit.title in subject and qa_manager.get_full_name() in subject


def test_an_overdue_chase_says_so(audit, auditor, qa_manager):
    audit.part_a_due = timezone.localdate() - dt.timedelta(days=1)
    audit.save()
    chase(audit, auditor, qa_manager)
    assert "overdue" in mail.outbox[0].subject.lower() and audit.title in mail.outbox[0].subject


def test_a_return_sent_back_by_the_lead_officer_is_not_put_down_to_the_qa_manager(audit, agency_a, lead_officer):
    """The e-mail said "Comment from the QA manager:" whoever wrote it; the lead officer reviews returns too."""
    ret = complete_return(PartAReturn.objects.filter(audit=audit, agency=agency_a).first())
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    return_send_back(user=lead_officer, ret=ret, based_on_version=ret.version, comment="Add the dates.")
    assert email_auditor_about_return(return_id=ret.pk, event="returned")
    body = mail.outbox[0].body
    assert "Comment from the QA manager" not in body  # the lead officer sent it back
    assert "Add the dates." not in body  # read on the return, not e-mailed


def test_the_sign_in_change_notice_gives_the_partnerships_contact(auditor, administrator):
    """Like the address-change notice: "tell your partnership's QA manager" named nobody, though the
    partnership's contact address was set."""
    partnership("scp@example.gov.uk")
    assert email_account_change(person_id=auditor.pk, change="authenticator", by_id=administrator.pk)
    assert "contact scp@example.gov.uk and your IT service desk" in mail.outbox[0].body
