"""Cancelling an audit that will not go ahead: from Planning, Part A or Part B only, by whoever may move
its status, with a reason; final. Nothing more can be done in it, its work stays readable, each named
auditor and the lead officer are e-mailed once after the commit, the figures leave it out, and it is
purged on the closed audits' clock, counted from its cancellation."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord, OutboxMessage, Partnership
from agencies.tests.factories import AgencyFactory
from audits.models import (
    Audit,
    AuditStatus,
    FindingKind,
    PartAReturn,
    RecommendationStatus,
    ReminderLog,
    ReturnStatus,
)
from audits.selectors.audit_list import AuditListFilters, closed_audits, current_audits
from audits.selectors.insights import agency_profile, recommendation_tracker, theme_trends
from audits.selectors.parta import my_past_audits, my_returns_for
from audits.services.digests import review_digests_queue
from audits.services.insights import recommendation_digests_due, recommendation_digests_queue
from audits.services.parta import (
    InvalidTransition,
    PartAError,
    ReturnLocked,
    auditor_chase,
    reminders_due,
    return_accept,
    return_autosave,
    return_send_back,
    return_submit,
    return_unlock,
)
from audits.services.partb import (
    audit_cancel,
    audit_transition,
    email_audit_cancelled,
    finding_add,
    session_update,
)
from audits.services.retention import audits_expired, retention_date
from audits.tasks import notify_audit_cancelled
from audits.tests.factories import AuditAgencyFactory, RecommendationFactory
from audits.tests.insights_support import audit_in, factor, tag
from audits.tests.parta_support import complete, load

pytestmark = pytest.mark.django_db

REASON = "Overtaken by a rapid review of the same children"


def cancel(audit, user, capture=None, reason=REASON):
    if capture is None:
        return audit_cancel(user=user, audit=audit, reason=reason)
    with capture(execute=True):
        return audit_cancel(user=user, audit=audit, reason=reason)


def at(audit, status):
    Audit.objects.filter(pk=audit.pk).update(status=status)
    audit.refresh_from_db()
    return audit


# --- Which stages, who, and the reason -----------------------------------------------------------


@pytest.mark.parametrize("status", [AuditStatus.PLANNING, AuditStatus.PART_A, AuditStatus.PART_B])
def test_cancelled_from_planning_part_a_or_part_b_with_who_when_and_why_recorded(audit, qa_manager, status):
    at(audit, status)
    before = timezone.now()
    cancel(audit, qa_manager)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.CANCELLED
    assert audit.cancelled_by == qa_manager and audit.cancelled_at >= before and audit.cancel_reason == REASON
    record = AccessRecord.objects.filter(action=AccessAction.CHANGE, object_id=str(audit.pk)).latest("pk")
    assert record.user == qa_manager
    assert record.summary == f"Status changed from {AuditStatus(status).label} to Cancelled"
    assert REASON not in record.summary  # free text: the administrator reads the access log


@pytest.mark.parametrize("status", [AuditStatus.REPORTING, AuditStatus.CLOSED, AuditStatus.CANCELLED])
def test_not_from_reporting_closed_or_cancelled(audit, qa_manager, status):
    at(audit, status)
    with pytest.raises(ValidationError):
        cancel(audit, qa_manager)
    audit.refresh_from_db()
    assert audit.status == status and audit.cancelled_at is None


def test_the_lead_officer_cancels_their_audit_and_nobody_else_but_the_qa_manager(
    audit, lead_officer, other_lead, auditor, administrator
):
    for outsider in (other_lead, auditor, administrator):
        with pytest.raises(PermissionDenied):
            cancel(audit, outsider)
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.PART_A
    cancel(audit, lead_officer)
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.CANCELLED


@pytest.mark.parametrize("reason", ["", "   \n ", "x" * 501, "Child's NHS number 943 476 5919 was wrong"])
def test_a_reason_is_required_short_and_without_identifiers(audit, qa_manager, reason):
    with pytest.raises(ValidationError) as refused:
        cancel(audit, qa_manager, reason=reason)
    assert "reason" in refused.value.message_dict
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.PART_A


def test_the_ordinary_status_moves_never_reach_or_leave_cancelled(audit, qa_manager):
    with pytest.raises(ValidationError):
        audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.CANCELLED)
    cancel(audit, qa_manager)
    assert audit.next_statuses == [] or Audit.objects.get(pk=audit.pk).next_statuses == []
    for status in (AuditStatus.PLANNING, AuditStatus.PART_A, AuditStatus.PART_B, AuditStatus.CLOSED):
        with pytest.raises(ValidationError):
            audit_transition(user=qa_manager, audit=Audit.objects.get(pk=audit.pk), to_status=status)


# --- Who is told -------------------------------------------------------------------------------


def test_each_named_auditor_and_the_lead_officer_get_one_email_only_after_the_commit(
    audit, qa_manager, lead_officer, auditor, other_auditor, settings, django_capture_on_commit_callbacks
):
    Partnership.objects.update(retention_months=24)
    Partnership.clear_cache()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        audit_cancel(user=qa_manager, audit=audit, reason=REASON)
        assert mail.outbox == []  # not inside the transaction
    assert mail.outbox == [] and callbacks
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, other_auditor.email, lead_officer.email])
    audit.refresh_from_db()
    kept = timezone.localtime(audit.cancelled_at) + relativedelta(months=24)
    for message in mail.outbox:
        body = " ".join(message.body.split())
        assert message.subject.endswith("Audit cancelled: CSE audit")
        assert "The audit “CSE audit” was cancelled on" in body and REASON in body
        assert f"kept read-only until {kept:%-d %B %Y}" in body
        assert "Case 1" not in body and "Case 2" not in body  # no case content
    auditor_body = next(m.body for m in mail.outbox if m.to == [auditor.email])
    assert "nothing more for you to do" in " ".join(auditor_body.split())
    assert f"{settings.SITE_URL}{reverse('audits:my_returns')}" in auditor_body
    lead_body = next(m.body for m in mail.outbox if m.to == [lead_officer.email])
    assert f"{settings.SITE_URL}{reverse('audits:dashboard', args=[audit.slug])}" in lead_body


def test_a_lead_officer_also_named_auditor_gets_one_email_and_a_redelivery_sends_nothing(
    audit, qa_manager, lead_officer, agency_c, django_capture_on_commit_callbacks
):
    AuditAgencyFactory(audit=audit, agency=agency_c, auditor=lead_officer)
    cancel(audit, qa_manager, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox].count([lead_officer.email]) == 1
    sent = len(mail.outbox)
    message = OutboxMessage.objects.filter(task="audits.tasks.notify_audit_cancelled").first()
    notify_audit_cancelled.apply(args=message.args, task_id=f"outbox-{message.pk}")  # delivered again
    assert len(mail.outbox) == sent


def test_nobody_is_told_about_an_audit_not_cancelled_or_who_is_no_longer_on_it(audit, qa_manager, auditor, other_lead):
    assert email_audit_cancelled(audit_id=audit.pk, person_id=auditor.pk) is False  # not cancelled
    cancel(audit, qa_manager)
    assert email_audit_cancelled(audit_id=audit.pk, person_id=other_lead.pk) is False  # not on it
    auditor.is_active = False
    auditor.save()
    assert email_audit_cancelled(audit_id=audit.pk, person_id=auditor.pk) is False
    assert mail.outbox == []


# --- Nothing more can be done in it ----------------------------------------------------------------


def test_no_autosave_or_submit(audit, qa_manager, auditor, ret, layout):
    cancel(audit, qa_manager)
    ret = load(ret.pk)
    with pytest.raises(ReturnLocked):
        return_autosave(user=auditor, ret=ret, layout=layout, based_on_version=0, changes={})
    with pytest.raises(ReturnLocked):
        return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout))
    assert load(ret.pk).status == ReturnStatus.NOT_STARTED


def test_the_autosave_endpoint_refuses(client, audit, qa_manager, auditor, ret):
    cancel(audit, qa_manager)
    client.force_login(auditor)
    response = client.post(reverse("audits:return_autosave", args=[ret.pk]), data="{}", content_type="application/json")
    assert response.status_code >= 400


def test_no_review_decisions(audit, qa_manager, submitted):
    cancel(audit, qa_manager)
    ret = load(submitted.pk)
    with pytest.raises(InvalidTransition):
        return_send_back(user=qa_manager, ret=ret, based_on_version=ret.version, comment="Please add more.")
    with pytest.raises(InvalidTransition):
        return_accept(user=qa_manager, ret=load(ret.pk), based_on_version=ret.version)
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.ACCEPTED)
    with pytest.raises(InvalidTransition):
        return_unlock(user=qa_manager, ret=load(ret.pk), based_on_version=ret.version, reason="Reopen")
    assert load(ret.pk).status == ReturnStatus.ACCEPTED


def test_no_part_b_edits(audit, qa_manager):
    at(audit, AuditStatus.PART_B)
    audit = cancel(audit, qa_manager)
    with pytest.raises(ValidationError):
        session_update(user=qa_manager, audit=audit, date=dt.date(2027, 5, 1), venue="Hove")
    with pytest.raises(ValidationError):
        finding_add(user=qa_manager, audit=audit, kind=FindingKind.STRENGTH, heading="Good", body="Shared")


def test_no_chase_and_no_automatic_reminders(audit, qa_manager, auditor):
    Audit.objects.filter(pk=audit.pk).update(part_a_due=timezone.localdate() - dt.timedelta(days=2))
    audit.refresh_from_db()
    assert auditor.pk in reminders_due()  # overdue while Part A is open
    cancel(audit, qa_manager)
    with pytest.raises(PartAError):
        auditor_chase(user=qa_manager, audit=audit, agency_id=auditor.agency_id)
    assert auditor.pk not in reminders_due()
    assert not ReminderLog.objects.filter(audit=audit).exists()


def test_no_review_digest(audit, qa_manager, submitted, django_capture_on_commit_callbacks):
    cancel(audit, qa_manager)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert review_digests_queue() == []
    assert mail.outbox == []


def test_no_recommendation_reminders(audit, qa_manager, django_capture_on_commit_callbacks):
    at(audit, AuditStatus.PART_B)
    rec = RecommendationFactory(
        audit=audit, due_date=timezone.localdate() - dt.timedelta(days=1), owner_email="group@example.org"
    )
    assert rec.pk in [r.pk for recs in recommendation_digests_due().values() for r in recs]
    cancel(audit, qa_manager)
    assert recommendation_digests_due() == {}
    with django_capture_on_commit_callbacks(execute=True):
        assert recommendation_digests_queue() == []


# --- Readable, with the banner -------------------------------------------------------------------


def test_its_pages_say_it_was_cancelled_by_whom_and_why(client, audit, qa_manager, auditor, ret):
    qa_manager.first_name, qa_manager.last_name = "Quinn", "Adams"
    qa_manager.save()
    cancel(audit, qa_manager)
    audit.refresh_from_db()
    when = timezone.localtime(audit.cancelled_at)
    banner = f"This audit was cancelled on {when:%-d %B %Y} by Quinn Adams: {REASON}"
    client.force_login(qa_manager)
    dashboard = client.get(reverse("audits:dashboard", args=[audit.slug]))
    assert dashboard.status_code == 200 and banner in dashboard.content.decode()
    assert 'data-testid="cancel-link"' not in dashboard.content.decode()
    session = client.get(reverse("audits:session", args=[audit.slug])).content.decode()
    assert banner in session and "nothing about its session changes now" in session
    assert "Save session" not in session  # read-only
    client.force_login(auditor)
    page = client.get(reverse("audits:return_detail", args=[ret.pk]))
    assert page.status_code == 200 and banner in page.content.decode()  # read-only, still readable
    assert 'name="autosave"' not in page.content.decode()


def test_my_returns_lists_it_as_cancelled_not_to_do_or_overdue(client, audit, qa_manager, auditor):
    Audit.objects.filter(pk=audit.pk).update(part_a_due=timezone.localdate() - dt.timedelta(days=2))
    assert any(r.overdue for r in my_returns_for(auditor))
    cancel(audit, qa_manager)
    assert my_returns_for(auditor) == []
    [past] = my_past_audits(auditor)
    assert past.status_display == "Cancelled"
    one = my_returns_for(auditor, audit_id=audit.pk)
    assert one and not any(r.overdue for r in one)
    client.force_login(auditor)
    page = client.get(reverse("audits:my_returns")).content.decode()
    assert f'data-testid="past-audit-{audit.pk}"' in page and "Cancelled" in page
    assert "overdue" not in page.lower().replace("not as overdue", "")


# --- Lists and figures ---------------------------------------------------------------------------


def test_the_list_has_a_cancelled_stage_and_it_is_not_current(client, audit, qa_manager):
    cancel(audit, qa_manager)
    assert audit not in current_audits(qa_manager, AuditListFilters())
    assert audit in closed_audits(qa_manager, AuditListFilters())
    client.force_login(qa_manager)
    page = client.get(reverse("audits:audit_list"), {"stage": "cancelled"})
    assert page.status_code == 200
    assert '<option value="cancelled" selected>Cancelled</option>' in page.content.decode()
    assert f'data-testid="audit-row-{audit.pk}"' in page.content.decode()


def test_trends_tracker_and_agency_profile_leave_it_out(qa_manager, lead_officer):
    missing = factor("missing-episodes")
    kept = audit_in(2016, lead_officer=lead_officer)
    gone = audit_in(2017, status=AuditStatus.PART_B, lead_officer=lead_officer)
    tag(kept, FindingKind.THEME, missing)
    tag(gone, FindingKind.THEME, missing)
    police = AgencyFactory(name="Police")
    AuditAgencyFactory(audit=gone, agency=police)
    RecommendationFactory(audit=gone, status=RecommendationStatus.OPEN)
    assert theme_trends(user=qa_manager).years == [2016, 2017]
    assert recommendation_tracker(qa_manager).total == 1
    assert len(agency_profile(qa_manager, police).timings) == 1
    cancel(gone, qa_manager)
    assert theme_trends(user=qa_manager).years == [2016]
    assert theme_trends(user=lead_officer).years == [2016]
    assert recommendation_tracker(qa_manager).total == 0
    assert agency_profile(qa_manager, police).timings == []


# --- Retention -----------------------------------------------------------------------------------


def test_purged_on_the_closed_audits_clock_counted_from_its_cancellation(audit, qa_manager):
    months = Partnership.load().retention_months
    cancel(audit, qa_manager)
    audit.refresh_from_db()
    # On the local calendar (the time of day kept in local time, whatever the clocks did meanwhile).
    assert retention_date(audit) == timezone.localtime(audit.cancelled_at) + relativedelta(months=months)
    assert audit not in audits_expired()
    assert audit not in audits_expired(now=audit.cancelled_at + relativedelta(months=months) - dt.timedelta(days=1))
    assert audit in audits_expired(now=audit.cancelled_at + relativedelta(months=months, days=1))


# --- The page and the admin ----------------------------------------------------------------------


def test_the_confirmation_page_needs_a_reason_then_cancels(client, audit, lead_officer):
    client.force_login(lead_officer)
    url = reverse("audits:audit_cancel", args=[audit.slug])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="confirm-cancel"' in page.content.decode()
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400 and 'data-testid="reason-error"' in refused.content.decode()
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.PART_A
    done = client.post(url, {"reason": REASON})
    assert done.status_code == 302 and done.url == reverse("audits:dashboard", args=[audit.slug])
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.CANCELLED


def test_the_confirmation_page_refuses_an_audit_in_reporting(client, audit, qa_manager):
    at(audit, AuditStatus.REPORTING)
    client.force_login(qa_manager)
    url = reverse("audits:audit_cancel", args=[audit.slug])
    assert 'data-testid="cannot-cancel"' in client.get(url).content.decode()
    refused = client.post(url, {"reason": REASON})
    assert refused.status_code == 400 and 'data-testid="cancel-error"' in refused.content.decode()
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.REPORTING


def test_the_admin_never_moves_status_to_or_from_cancelled(client, audit, qa_manager):
    from audits.tests.admin_support import admin_form_data

    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    data = admin_form_data(client, url)
    data["status"] = AuditStatus.CANCELLED
    client.post(url, data)
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.PART_A
    cancel(audit, qa_manager)
    page = client.get(url)
    assert page.status_code == 200 and REASON in page.content.decode()  # shown, read-only
    assert 'name="title"' not in page.content.decode()
    response = client.post(url, {"status": AuditStatus.PART_A, "title": "Renamed"})
    assert response.status_code == 403
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.CANCELLED


def test_cancelled_in_planning_the_auditors_are_told_they_have_no_returns(
    audit, qa_manager, auditor, django_capture_on_commit_callbacks
):
    PartAReturn.objects.filter(audit=audit).delete()
    at(audit, AuditStatus.PLANNING)
    cancel(audit, qa_manager, django_capture_on_commit_callbacks)
    body = " ".join(next(m.body for m in mail.outbox if m.to == [auditor.email]).split())
    assert "Part A had not opened, so you have no returns for it." in body
    assert "kept read-only" not in body
