"""Changes to an audit's plan after people were told of it tell them (audits.services.plan_changes): Part A's
due date moved while Part A is open (each named auditor able to act with returns to send), the Part B
session's date or venue changed in Part A or Part B before it happens (the named auditors and the lead
officer), the lead officer changed past Planning (the new one and the previous one). One e-mail per person
per save, through the outbox once committed, not to who made the change, checked again when it goes; never
in Planning, nor when nothing changed; no case content."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessRecord, OutboxMessage
from agencies.tests.factories import UserFactory
from audits.models import Audit, AuditStatus, PartAReturn, PartBSession, ReturnStatus
from audits.services.partb import session_update
from audits.services.plan_changes import email_plan_changed
from audits.tests.admin_support import admin_form_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=10)
NEW_DUE = TODAY + datetime.timedelta(days=17)
SESSION = TODAY + datetime.timedelta(days=24)
NEW_SESSION = TODAY + datetime.timedelta(days=31)


def long(day: datetime.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def at(audit, status, **fields) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=status, **fields)
    audit.refresh_from_db()
    return audit


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def body_to(email: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [email]]
    return " ".join(message.body.split())


def admin_save(client, user, audit, capture, **changes):
    """The Planning admin's change form of `audit`, posted back as shown with `changes`, by `user`."""
    client.force_login(user)
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    data = admin_form_data(client, url)
    data.update({name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in changes.items()})
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def no_case_content(body: str) -> None:
    assert "Case 1" not in body and "Case 2" not in body


# --- Part A's due date -------------------------------------------------------------------------------


def test_moving_part_a_due_date_tells_each_named_auditor_once(
    client, audit, qa_manager, lead_officer, auditor, other_auditor, settings, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=DUE, part_b_date=SESSION)

    response = admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=NEW_DUE)

    assert Audit.objects.get(pk=audit.pk).part_a_due == NEW_DUE
    page = client.get(response.url).content.decode()
    assert "The people this change concerns are being e-mailed it." in page
    assert recipients() == sorted([auditor.email, other_auditor.email])  # not the lead, not the QA manager
    [message] = [m for m in mail.outbox if m.to == [auditor.email]]
    assert message.subject.endswith("Part A's due date has changed: CSE audit")
    body = body_to(auditor.email)
    assert (
        f"The due date of Part A of the audit “CSE audit” has changed: your agency's returns are now due "
        f"{long(NEW_DUE)}, instead of {long(DUE)}. 2 returns are waiting for you." in body
    )
    assert f"{settings.SITE_URL}{reverse('audits:my_returns')}" in body
    no_case_content(body)
    # The admin's change is in the access log once, as every Planning change is.
    assert AccessRecord.objects.filter(summary="Planning: changed CSE audit").count() == 1


def test_the_due_date_is_not_told_in_planning_nor_when_it_did_not_change(
    client, audit, qa_manager, auditor, other_auditor, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=DUE)
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=DUE, title="CSE audit 2")
    assert mail.outbox == []
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=NEW_DUE)
    assert recipients() == sorted([auditor.email, other_auditor.email])  # changed: told, once
    mail.outbox.clear()

    at(audit, AuditStatus.PART_B)  # Part A closed: its due date no longer counts
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=NEW_DUE)
    assert mail.outbox == []

    PartAReturn.objects.filter(audit=audit).delete()
    at(audit, AuditStatus.PLANNING)  # nobody was told yet
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=DUE)
    assert mail.outbox == []
    assert Audit.objects.get(pk=audit.pk).part_a_due == DUE


def test_the_due_date_is_not_told_to_an_auditor_unable_to_act_or_with_every_return_sent(
    client, audit, qa_manager, auditor, other_auditor, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=DUE)
    other_auditor.is_active = False  # deactivated after being named
    other_auditor.save()
    sent = PartAReturn.objects.filter(audit=audit, agency=auditor.agency, case__reference="Case 1")
    sent.update(status=ReturnStatus.SUBMITTED)

    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=NEW_DUE)

    assert recipients() == [auditor.email]
    assert "1 return is waiting for you." in body_to(auditor.email)
    mail.outbox.clear()
    PartAReturn.objects.filter(audit=audit, agency=auditor.agency).update(status=ReturnStatus.SUBMITTED)
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=DUE)
    assert mail.outbox == []  # every return sent: nothing is due from them


def test_a_due_date_moved_again_before_the_email_went_is_told_by_the_later_one(audit, auditor):
    at(audit, AuditStatus.PART_A, part_a_due=NEW_DUE + datetime.timedelta(days=1))
    assert (
        email_plan_changed(
            audit_id=audit.pk, person_id=auditor.pk, changes={"due": [DUE.isoformat(), NEW_DUE.isoformat()]}
        )
        is False
    )
    at(audit, AuditStatus.PART_A, part_a_due=NEW_DUE)
    assert email_plan_changed(
        audit_id=audit.pk, person_id=auditor.pk, changes={"due": [DUE.isoformat(), NEW_DUE.isoformat()]}
    )
    at(audit, AuditStatus.PART_B)  # Part A closed before it went
    assert not email_plan_changed(
        audit_id=audit.pk, person_id=auditor.pk, changes={"due": [DUE.isoformat(), NEW_DUE.isoformat()]}
    )
    assert len(mail.outbox) == 1


# --- The Part B session --------------------------------------------------------------------------------


def test_the_session_page_tells_the_auditors_and_the_lead_of_a_new_date_and_venue_once(
    audit, qa_manager, lead_officer, auditor, other_auditor, settings, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_B, part_a_due=DUE, part_b_date=SESSION)
    PartBSession.objects.create(audit=audit, date=SESSION, venue="Hove Town Hall")

    with django_capture_on_commit_callbacks(execute=True):
        session_update(user=qa_manager, audit=audit, date=NEW_SESSION, venue="Brighton Library")

    assert recipients() == sorted([auditor.email, other_auditor.email, lead_officer.email])
    # One message in the save, whatever the number of people; the worker queues one e-mail each.
    assert OutboxMessage.objects.filter(task="audits.tasks.notify_plan_changed").count() == 1
    assert OutboxMessage.objects.filter(task="audits.tasks.email_plan_changed").count() == 3
    [message] = [m for m in mail.outbox if m.to == [auditor.email]]
    assert message.subject.endswith("The Part B session has changed: CSE audit")
    body = body_to(auditor.email)
    assert (
        f"The Part B session of the audit “CSE audit” has changed. It is now on {long(NEW_SESSION)}, at "
        f"Brighton Library. It was on {long(SESSION)}, at Hove Town Hall." in body
    )
    assert f"{settings.SITE_URL}{reverse('audits:my_returns')}" in body
    no_case_content(body)
    lead_body = body_to(lead_officer.email)
    assert f"It is now on {long(NEW_SESSION)}, at Brighton Library." in lead_body
    assert f"{settings.SITE_URL}{reverse('audits:dashboard', args=[audit.slug])}" in lead_body
    no_case_content(lead_body)
    assert AccessRecord.objects.filter(summary="Part B session of CSE audit").count() == 1

    # Saved again as it is, or with only its notes changed: nobody is told again.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session_update(user=qa_manager, audit=audit, date=NEW_SESSION, venue="Brighton Library")
        session_update(user=qa_manager, audit=audit, date=NEW_SESSION, venue="Brighton Library", notes="Agenda.")
    assert mail.outbox == []

    # The venue alone: told too.
    with django_capture_on_commit_callbacks(execute=True):
        session_update(user=qa_manager, audit=audit, date=NEW_SESSION, venue="Room 2")
    assert len(mail.outbox) == 3
    assert f"It is now on {long(NEW_SESSION)}, at Room 2. It was on" in body_to(auditor.email)


def test_the_session_page_in_part_a_through_the_page_leaves_out_who_changed_it(
    client, audit, lead_officer, auditor, other_auditor, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=DUE, part_b_date=SESSION)
    other_auditor.is_active = False  # deactivated: not told
    other_auditor.save()
    client.force_login(lead_officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("audits:session", args=[audit.slug]), {"date": NEW_SESSION.isoformat(), "venue": "Hove"}
        )

    assert response.status_code == 302
    assert recipients() == [auditor.email]  # not the lead who changed it, not the deactivated auditor
    body = body_to(auditor.email)
    assert f"It is now on {long(NEW_SESSION)}, at Hove. It was on {long(SESSION)}." in body
    no_case_content(body)


def test_the_session_is_not_told_in_planning_reporting_or_once_it_has_happened(
    audit, qa_manager, django_capture_on_commit_callbacks
):
    for status in (AuditStatus.PLANNING, AuditStatus.REPORTING):
        at(audit, status, part_b_date=SESSION)
        with django_capture_on_commit_callbacks(execute=True):
            session_update(user=qa_manager, audit=audit, date=NEW_SESSION, venue=f"Venue {status}")
    assert mail.outbox == []
    # In Part B, recorded after the event: the date it was held, or a venue corrected afterwards.
    past = TODAY - datetime.timedelta(days=1)
    at(audit, AuditStatus.PART_B, part_a_due=None, part_b_date=None)
    PartBSession.objects.filter(audit=audit).update(date=None, venue="")
    with django_capture_on_commit_callbacks(execute=True):
        session_update(user=qa_manager, audit=audit, date=past, venue="Hove")
        session_update(user=qa_manager, audit=audit, date=past, venue="Hove Town Hall")
    assert mail.outbox == []
    # Postponed to a day still to come: told.
    with django_capture_on_commit_callbacks(execute=True):
        session_update(user=qa_manager, audit=audit, date=NEW_SESSION, venue="Hove Town Hall")
    assert len(mail.outbox) == 3


def test_the_part_b_date_moved_in_planning_admin_tells_the_auditors_and_the_lead(
    client, audit, qa_manager, lead_officer, auditor, other_auditor, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=DUE, part_b_date=SESSION)
    PartBSession.objects.create(audit=audit, date=SESSION, venue="Hove Town Hall")

    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_b_date=NEW_SESSION)

    assert PartBSession.objects.get(audit=audit).date == NEW_SESSION  # the session page shows the same date
    assert recipients() == sorted([auditor.email, other_auditor.email, lead_officer.email])
    body = body_to(other_auditor.email)
    assert f"It is now on {long(NEW_SESSION)}, at Hove Town Hall. It was on {long(SESSION)}, at Hove" in body
    no_case_content(body)

    # Both dates moved in one save: one e-mail per auditor, saying both.
    mail.outbox.clear()
    later = NEW_SESSION + datetime.timedelta(days=7)
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=NEW_DUE, part_b_date=later)
    assert recipients() == sorted([auditor.email, other_auditor.email, lead_officer.email])
    [message] = [m for m in mail.outbox if m.to == [auditor.email]]
    assert message.subject.endswith("Changes to the audit: CSE audit")
    body = body_to(auditor.email)
    assert f"now due {long(NEW_DUE)}, instead of {long(DUE)}" in body
    assert f"It is now on {long(later)}, at Hove Town Hall." in body
    assert "due" not in body_to(lead_officer.email)  # the due date is the auditors'


# --- The lead officer ----------------------------------------------------------------------------------


def test_a_new_lead_officer_is_told_they_lead_it_and_the_previous_one_that_they_no_longer_do(
    client, audit, qa_manager, lead_officer, auditor, settings, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_B, part_a_due=DUE, part_b_date=SESSION)
    new_lead = UserFactory(username="new.lead", first_name="Nia", last_name="Okafor", agency=lead_officer.agency)

    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, lead_officer=new_lead.pk)

    assert recipients() == sorted([new_lead.email, lead_officer.email])  # not the auditors
    [named] = [m for m in mail.outbox if m.to == [new_lead.email]]
    assert named.subject.endswith("You now lead the audit: CSE audit")
    body = body_to(new_lead.email)
    assert "You now lead the audit “CSE audit”, which is at the Part B stage." in body
    assert f"The Part B session is on {long(SESSION)}." in body
    assert f"{settings.SITE_URL}{reverse('audits:dashboard', args=[audit.slug])}" in body
    no_case_content(body)
    [removed] = [m for m in mail.outbox if m.to == [lead_officer.email]]
    assert removed.subject.endswith("You no longer lead the audit: CSE audit")
    body = body_to(lead_officer.email)
    assert "You no longer lead the audit “CSE audit”. Nia Okafor leads it now." in body
    assert reverse("audits:dashboard", args=[audit.slug]) not in body
    no_case_content(body)

    # Saved again unchanged: nobody told.
    mail.outbox.clear()
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, lead_officer=new_lead.pk)
    assert mail.outbox == []


def test_the_lead_officer_change_is_told_in_reporting_but_not_in_planning_or_once_closed(
    client, audit, qa_manager, lead_officer, other_lead, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.REPORTING)
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, lead_officer=other_lead.pk)
    assert recipients() == sorted([other_lead.email, lead_officer.email])
    assert "which is at the Reporting stage" in body_to(other_lead.email)

    mail.outbox.clear()
    at(audit, AuditStatus.CLOSED)
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, lead_officer=lead_officer.pk)
    PartAReturn.objects.filter(audit=audit).delete()
    at(audit, AuditStatus.PLANNING)
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, lead_officer=other_lead.pk)
    assert mail.outbox == []


def test_a_new_lead_and_a_new_session_date_in_one_save_is_one_email_each(
    client, audit, qa_manager, lead_officer, other_lead, auditor, other_auditor, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=DUE, part_b_date=SESSION)
    lead_officer.is_active = False  # the previous lead, deactivated: not told
    lead_officer.save()

    admin_save(
        client,
        qa_manager,
        audit,
        django_capture_on_commit_callbacks,
        lead_officer=other_lead.pk,
        part_b_date=NEW_SESSION,
    )

    assert recipients() == sorted([other_lead.email, auditor.email, other_auditor.email])
    body = body_to(other_lead.email)
    assert f"You now lead the audit “CSE audit”, which is at the Part A open stage. Part A is due {long(DUE)}." in body
    assert f"It is now on {long(NEW_SESSION)}; its venue is not set yet. It was on {long(SESSION)}." in body


def test_a_lead_named_and_replaced_again_before_the_emails_went_is_told_nothing(audit, lead_officer, other_lead):
    at(audit, AuditStatus.PART_B, lead_officer=other_lead)
    assert email_plan_changed(audit_id=audit.pk, person_id=other_lead.pk, changes={"lead": "named"})
    assert email_plan_changed(audit_id=audit.pk, person_id=lead_officer.pk, changes={"lead": "removed"})
    assert len(mail.outbox) == 2
    at(audit, AuditStatus.PART_B, lead_officer=lead_officer)  # named back before the e-mails went
    assert not email_plan_changed(audit_id=audit.pk, person_id=other_lead.pk, changes={"lead": "named"})
    assert not email_plan_changed(audit_id=audit.pk, person_id=lead_officer.pk, changes={"lead": "removed"})
    assert len(mail.outbox) == 2


def test_a_new_lead_after_the_session_is_not_told_it_is_on_a_past_date(
    client, audit, qa_manager, other_lead, django_capture_on_commit_callbacks
):
    held = TODAY - datetime.timedelta(days=5)
    at(audit, AuditStatus.REPORTING, part_b_date=held)
    PartBSession.objects.create(audit=audit, date=held, venue="Room 1")
    admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, lead_officer=other_lead.pk)
    body = body_to(other_lead.email)
    assert "which is at the Reporting stage" in body and "The Part B session is on" not in body


def test_planning_does_not_say_anybody_is_e_mailed_when_nobody_is(
    client, audit, qa_manager, django_capture_on_commit_callbacks
):
    at(audit, AuditStatus.PART_A, part_a_due=DUE, part_b_date=SESSION)
    PartAReturn.objects.filter(audit=audit).update(status=ReturnStatus.SUBMITTED)  # every return sent
    response = admin_save(client, qa_manager, audit, django_capture_on_commit_callbacks, part_a_due=NEW_DUE)
    assert "The people this change concerns are being e-mailed it." not in client.get(response.url).content.decode()
    assert mail.outbox == [] and not OutboxMessage.objects.filter(task="audits.tasks.notify_plan_changed").exists()
