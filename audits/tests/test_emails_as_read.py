"""The portal's e-mails as their recipients read them: what each says of their audit in plain words, with
the numbers, pronouns and dates right whatever the audit's size or dates. Rendered through the real
service functions into Django's locmem outbox."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from audits.models import AuditAgency, AuditStatus, PartAReturn
from audits.services.insights import email_recommendation_assigned
from audits.services.parta import reminder_send, return_accept, return_submit
from audits.services.partb import audit_transition, session_update
from audits.services.participants import email_auditor_unable, email_lead_part_a_open
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, RecommendationFactory
from audits.tests.parta_support import complete, load

pytestmark = pytest.mark.django_db


def body(message) -> str:
    return " ".join(message.body.split())


@pytest.mark.parametrize(
    "agencies, cases, said",
    [
        (1, 3, "1 agency reviews its records of 3 cases, by Monday 1 March 2027."),
        (2, 1, "2 agencies review their records of 1 case, by Monday 1 March 2027."),
        (1, 1, "1 agency reviews its records of 1 case, by Monday 1 March 2027."),
    ],
)
def test_the_lead_officers_part_a_e_mail_says_its_or_their_by_the_agencies_not_the_cases(
    agencies, cases, said, lead_officer, agency_a, agency_b, auditor, other_auditor, qa_manager
):
    """It read "1 agency reviews their records of 3 cases" and "2 agencies review its records of 1 case": the
    pronoun followed the number of cases."""
    audit = AuditFactory(
        title="Neglect audit",
        slug="neglect",
        lead_officer=lead_officer,
        status=AuditStatus.PLANNING,
        part_a_due="2027-03-01",
    )
    AuditAgencyFactory(audit=audit, agency=agency_a, auditor=auditor)
    if agencies == 2:
        AuditAgencyFactory(audit=audit, agency=agency_b, auditor=other_auditor)
    for n in range(1, cases + 1):
        CaseFactory(audit=audit, reference=f"Case {n}", order=n)
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PART_A)

    assert email_lead_part_a_open(audit_id=audit.pk, lead_officer_id=lead_officer.pk)
    [message] = mail.outbox
    assert said in body(message)


def test_an_owner_told_of_a_recommendation_without_a_due_date_is_not_promised_reminders(audit):
    """A recommendation recorded before due dates were required may have none, and is never reminded of (the
    digests list those due within 14 days or overdue): its owner's e-mail said "From 14 days before its due
    date until it is complete, you will receive a weekly reminder"."""
    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    rec = RecommendationFactory(audit=audit, due_date=None, owner_email="owner@example.org")
    assert email_recommendation_assigned(recommendation_id=rec.pk, to="owner@example.org")
    said = body(mail.outbox[0])
    assert "before its due date until it is complete, you will receive a weekly reminder" not in said
    assert (
        "It has no due date yet, so no reminders: once it has one, you will receive a weekly reminder from 14 days before it until it is complete."
        in said
    )


def test_an_auditor_told_part_a_closed_after_the_session_is_not_told_it_is_on_a_past_date(
    audit, qa_manager, auditor, django_capture_on_commit_callbacks
):
    """An audit recorded after the event (or moved on after its session) told each auditor "The Part B session
    is on 3 November 2026, at Hove Town Hall. There, you read the evidence boards", weeks after it was held."""
    held = timezone.localdate() - dt.timedelta(days=21)
    session_update(user=qa_manager, audit=audit, date=held, venue="Hove Town Hall")
    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PART_B, confirm_missing=True)

    [message] = [m for m in mail.outbox if m.to == [auditor.email]]
    said = body(message)
    when = f"{held:%A} {held.day} {held:%B %Y}"
    assert (
        f"The Part B session was on {when}, at Hove Town Hall. Its evidence boards are linked from your returns:"
        in said
    )
    assert "session is on" not in said and "There, you read" not in said


def test_the_days_to_keep_are_given_with_their_weekday(audit, auditor):
    """Part A's due date (and the Part B session's, a recommendation's due date) was given as "4 December 2026":
    the auditor planning the week read no weekday to put in a diary."""
    audit.part_a_due = dt.date(2026, 11, 27)  # a Friday, in 3 days
    audit.save(update_fields=["part_a_due"])
    assert reminder_send(auditor_id=auditor.pk, today=dt.date(2026, 11, 24))
    assert "2 returns not submitted, due Friday 27 November 2026" in body(mail.outbox[0])


@pytest.mark.parametrize("due, subject", [(dt.date(2026, 11, 27), "due soon"), (dt.date(2026, 11, 20), "overdue")])
def test_the_daily_reminder_of_one_audits_returns_names_it_in_its_subject(audit, auditor, due, subject):
    """It read "Part A returns due soon" (or "overdue") whichever audit it was about, in an inbox where the
    chase, the Part A opening and every other e-mail of the audit name it."""
    audit.part_a_due = due
    audit.save(update_fields=["part_a_due"])
    assert reminder_send(auditor_id=auditor.pk, today=dt.date(2026, 11, 24))
    assert mail.outbox[0].subject.endswith(f": Part A returns {subject}: CSE audit")


def test_the_qa_managers_told_alone_of_an_agency_without_auditor_are_not_greeted_as_its_lead_officer(
    audit, lead_officer, auditor, agency_a, qa_manager
):
    """With a lead officer who has no e-mail address (or may not read case content), the QA managers alone were
    e-mailed "Dear lead officer and QA manager,"."""
    lead_officer.email = ""
    lead_officer.save(update_fields=["email"])
    auditor.is_active = False
    auditor.save(update_fields=["is_active"])
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)
    assert email_auditor_unable(participant_id=participant.pk, auditor_id=auditor.pk)
    [message] = mail.outbox
    assert message.to == [qa_manager.email]
    assert message.body.startswith("Dear QA manager,\n")

    # With the lead officer among its readers, both are greeted.
    mail.outbox.clear()
    lead_officer.email = "lead@example.org"
    lead_officer.save(update_fields=["email"])
    assert email_auditor_unable(participant_id=participant.pk, auditor_id=auditor.pk)
    assert mail.outbox[0].body.startswith("Dear lead officer and QA manager,\n")


def test_an_auditor_whose_one_return_is_accepted_is_not_told_all_1_are(
    audit, auditor, qa_manager, layout, django_capture_on_commit_callbacks
):
    """An audit of one case (or an agency with one return) read "All your Part A returns are accepted" in the
    subject, and "The 1 Part A return of Sussex Police … is accepted"."""
    PartAReturn.objects.filter(audit=audit, case__reference="Case 2").delete()
    ret = PartAReturn.objects.get(audit=audit, agency=auditor.agency)
    changes = complete(layout)
    assert return_submit(user=auditor, ret=load(ret.pk), layout=layout, based_on_version=0, changes=changes).submitted
    with django_capture_on_commit_callbacks(execute=True):
        return_accept(user=qa_manager, ret=load(ret.pk), based_on_version=load(ret.pk).version)

    [message] = [m for m in mail.outbox if m.to == [auditor.email]]
    assert message.subject.endswith(": Your Part A return is accepted: CSE audit")
    assert "The Part A return of Sussex Police for the audit “CSE audit” is accepted." in body(message)


def test_an_auditor_named_after_the_session_is_not_told_to_read_the_boards_at_it(audit, auditor, agency_a, qa_manager):
    """An auditor named (or one no longer able to act) in Part B after its session was held was told "you read
    its evidence boards at the group session" of a session already over."""
    from audits.services.participants import email_new_auditor

    held = timezone.localdate() - dt.timedelta(days=10)
    session_update(user=qa_manager, audit=audit, date=held, venue="Hove Town Hall")
    type(audit).objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)

    assert email_new_auditor(participant_id=participant.pk, auditor_id=auditor.pk)
    said = body(mail.outbox[-1])
    assert f"its group session was held on {held:%A} {held.day} {held:%B %Y}. Its evidence boards" in said
    assert "at the group session" not in said

    auditor.is_active = False
    auditor.save(update_fields=["is_active"])
    assert email_auditor_unable(participant_id=participant.pk, auditor_id=auditor.pk)
    said = body(mail.outbox[-1])
    assert f"its group session was held on {held:%A} {held.day} {held:%B %Y}." in said
    assert "reads its evidence boards at the group session" not in said

    # Before the session, both still say the boards are read at it.
    session_update(user=qa_manager, audit=audit, date=timezone.localdate() + dt.timedelta(days=3), venue="Hove")
    auditor.is_active = True
    auditor.save(update_fields=["is_active"])
    assert email_new_auditor(participant_id=participant.pk, auditor_id=auditor.pk)
    assert "you read its evidence boards at the group session" in body(mail.outbox[-1])
