"""An administrator's change that leaves an agency in an audit under way (Part A or Part B) without an
auditor able to complete its returns (AuditAgency.auditor_unable: the account deactivated, moved to
another agency, given a role that cannot audit) is not silent: the admin page names the audits and
agencies, and each audit's lead officer and the QA managers get one e-mail per audit with the link to
change the auditor. The agency's reminders stop, so without it the lead officer found out at the due
date. Through the real outbox and run_once code, with Django's test mail outbox.

`audit` (conftest.py, "CSE audit") is in Part A: Sussex Police named `auditor`."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import OutboxMessage, Role
from agencies.outbox import outbox_send
from agencies.tasks import notify_auditor_unable
from agencies.tests.factories import UserFactory
from agencies.tests.test_admin import user_form
from audits.models import AuditAgency, AuditStatus
from audits.services.participants import email_auditor_unable, participant_auditor_change
from audits.tests.factories import AuditAgencyFactory, AuditFactory

pytestmark = pytest.mark.django_db

TASK = "agencies.tasks.notify_auditor_unable"


@pytest.fixture
def named_auditor(auditor):
    auditor.first_name, auditor.last_name = "Aled", "Morgan"
    auditor.save()
    return auditor


@pytest.fixture
def part_b(audit):
    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    return audit


def save(client, person, callbacks, **fields):
    """The administrator saves the person's account with these fields changed; the page shown after."""
    with callbacks(execute=True):
        response = client.post(
            reverse("admin:agencies_user_change", args=[person.pk]), user_form(person, **fields), follow=True
        )
    assert response.status_code == 200 and response.redirect_chain
    return response.content.decode()


def notices() -> list:
    return [m for m in mail.outbox if "needs a new auditor" in m.subject]


def test_deactivating_a_named_auditor_warns_the_administrator_and_tells_the_lead_and_qa_manager(
    signed_in, qa_manager, lead_officer, audit, agency_a, named_auditor, settings, django_capture_on_commit_callbacks
):
    form = user_form(named_auditor)
    form.pop("is_active")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("admin:agencies_user_change", args=[named_auditor.pk]), form, follow=True)
    html = response.content.decode()

    assert "Aled Morgan was the named auditor of 1 audit in Part A or Part B" in html
    assert "Sussex Police in “CSE audit”" in html
    assert "its lead officer and the QA manager are being e-mailed to name another auditor" in html
    [notice] = notices()
    assert notice.to == [lead_officer.email, qa_manager.email]
    assert notice.subject.endswith("Sussex Police needs a new auditor: CSE audit")
    body = " ".join(notice.body.split())
    assert (
        "Sussex Police needs a new auditor for the audit “CSE audit”: Aled Morgan, its named auditor, is no "
        "longer able to complete its returns (their account was deactivated)." in body
    )
    assert "2 returns are not submitted yet, and the agency's reminders have stopped." in body
    change = reverse("audits:participant_auditor", args=[audit.slug, agency_a.pk])
    assert f"{settings.SITE_URL}{change}" in notice.body
    assert "Case 1" not in notice.body  # no case content
    assert OutboxMessage.objects.get(task=TASK).done_at is not None


def test_moving_them_to_another_agency_in_part_b_says_so(
    signed_in, qa_manager, part_b, agency_c, named_auditor, django_capture_on_commit_callbacks
):
    html = save(signed_in, named_auditor, django_capture_on_commit_callbacks, agency=agency_c.pk)

    assert "Sussex Police in “CSE audit”" in html
    [notice] = notices()
    body = " ".join(notice.body.split())
    assert "(they were moved to another agency)" in body
    assert "The audit is in Part B" in body


def test_a_role_that_cannot_audit_tells_the_others_not_the_person(
    signed_in, qa_manager, lead_officer, audit, named_auditor, django_capture_on_commit_callbacks
):
    save(signed_in, named_auditor, django_capture_on_commit_callbacks, role=Role.QA_MANAGER, agency="")

    [notice] = notices()
    assert "(their role changed to QA manager)" in " ".join(notice.body.split())
    assert notice.to == [lead_officer.email, qa_manager.email]  # not the new QA manager themselves


def test_one_email_per_audit_and_one_warning_naming_them_all(
    signed_in, qa_manager, audit, agency_a, named_auditor, django_capture_on_commit_callbacks
):
    other_lead = UserFactory(username="lead.two", role=Role.MANAGER, agency=agency_a)
    second = AuditFactory(
        title="Neglect audit", slug="neglect-audit", lead_officer=other_lead, status=AuditStatus.PART_B
    )
    AuditAgencyFactory(audit=second, agency=agency_a, auditor=named_auditor)
    done = AuditFactory(title="Closed audit", slug="closed-audit", status=AuditStatus.REPORTING)
    AuditAgencyFactory(audit=done, agency=agency_a, auditor=named_auditor)  # after Part B: nobody to tell

    html = save(signed_in, named_auditor, django_capture_on_commit_callbacks, role=Role.ADMINISTRATOR)

    assert "named auditor of 2 audits in Part A or Part B" in html
    assert "Sussex Police in “CSE audit”; Sussex Police in “Neglect audit”" in html
    assert "Closed audit" not in html
    assert sorted(m.subject.rsplit(": ", 1)[1] for m in notices()) == ["CSE audit", "Neglect audit"]
    [neglect] = [m for m in notices() if m.subject.endswith("Neglect audit")]
    assert neglect.to == [other_lead.email, qa_manager.email]


@pytest.mark.parametrize(
    "change",
    [
        {"job_title": "Detective sergeant"},  # nothing that stops them auditing
        {"role": Role.MANAGER},  # a manager audits too
    ],
)
def test_a_change_that_leaves_them_able_tells_nobody(
    signed_in, qa_manager, audit, named_auditor, change, django_capture_on_commit_callbacks
):
    html = save(signed_in, named_auditor, django_capture_on_commit_callbacks, **change)

    assert "was the named auditor" not in html
    assert not OutboxMessage.objects.filter(task=TASK).exists()
    assert notices() == []


def test_an_auditor_already_unable_or_an_audit_in_planning_tells_nobody(
    signed_in, qa_manager, audit, agency_c, named_auditor, django_capture_on_commit_callbacks
):
    named_auditor.is_active = False
    named_auditor.save()
    form_change = {"agency": agency_c.pk}  # moved as well, but they could not complete the returns already
    form = user_form(named_auditor, **form_change)
    form.pop("is_active")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[named_auditor.pk]), form)
    assert not OutboxMessage.objects.filter(task=TASK).exists()

    named_auditor.refresh_from_db()
    named_auditor.is_active, named_auditor.agency = True, audit.participants.first().agency
    named_auditor.save()
    audit.status = AuditStatus.PLANNING  # Planning names its auditors in the admin, and says so there
    audit.save(update_fields=["status"])
    html = save(signed_in, named_auditor, django_capture_on_commit_callbacks, role=Role.ADMINISTRATOR)
    assert "was the named auditor" not in html
    assert not OutboxMessage.objects.filter(task=TASK).exists()


def test_not_sent_once_it_no_longer_holds(
    signed_in, qa_manager, audit, agency_a, named_auditor, colleague, django_capture_on_commit_callbacks
):
    save(signed_in, named_auditor, django_capture_on_commit_callbacks, role=Role.ADMINISTRATOR)
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)
    message = OutboxMessage.objects.get(task=TASK)
    assert len(notices()) == 1

    # Delivered again: not sent again (run_once).
    notify_auditor_unable.apply(args=[participant.pk, named_auditor.pk], task_id=f"outbox-{message.pk}")
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk) is True
    assert len(notices()) == 1

    # A late copy after the role was put back, or another auditor named: nothing to say.
    named_auditor.role = Role.PRACTITIONER
    named_auditor.save()
    assert email_auditor_unable(participant_id=participant.pk, auditor_id=named_auditor.pk) is False
    named_auditor.role = Role.ADMINISTRATOR
    named_auditor.save()
    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    assert email_auditor_unable(participant_id=participant.pk, auditor_id=named_auditor.pk) is False
    assert len(notices()) == 1


def test_a_lead_officer_without_case_access_or_address_is_left_out(
    qa_manager, audit, agency_a, lead_officer, named_auditor
):
    lead_officer.email = ""
    lead_officer.save()
    named_auditor.is_active = False
    named_auditor.save()
    participant = AuditAgency.objects.get(audit=audit, agency=agency_a)

    assert email_auditor_unable(participant_id=participant.pk, auditor_id=named_auditor.pk) is True
    assert [m.to for m in notices()] == [[qa_manager.email]]

    qa_manager.is_active = False
    qa_manager.save()
    assert email_auditor_unable(participant_id=participant.pk, auditor_id=named_auditor.pk) is False  # nobody
    assert len(notices()) == 1
