"""Celery tasks. Thin: they take ids, call a service, and retry when the mail server fails.

Part A tasks come first; Part B tasks go below them.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from agencies.outbox import MAIL_RETRY, run_once

logger = logging.getLogger(__name__)


def _day_off(today: str | None, scheduled: bool) -> bool:
    """Whether a run of a periodic e-mail task is to send nothing: one sent by beat (scheduled=True,
    settings.CELERY_BEAT_SCHEDULE) on a day that is not a working day, a bank holiday
    (agencies.working_days, settings.BANK_HOLIDAYS). The crontab is Monday to Friday and knows no bank
    holiday. Nothing is recorded, so the next working day's run sends what is due then, as on a Monday after
    the weekend. Run by hand (scheduled=False, the default), the task sends on any day."""
    if not scheduled:
        return False
    from agencies.working_days import bank_holiday, is_working_day

    day = date.fromisoformat(today) if today else timezone.localdate()
    if is_working_day(day):
        return False
    logger.info("Scheduled e-mails not sent on %s: %s", day.isoformat(), bank_holiday(day) or "not a working day")
    return True


# --- Part A ------------------------------------------------------------------------------------


@shared_task(name="audits.tasks.send_part_a_reminders")
def send_part_a_reminders(today: str | None = None, scheduled: bool = False) -> list[int]:
    """Periodic (settings.CELERY_BEAT_SCHEDULE): one reminder task per auditor due one today; none on a
    bank holiday (_day_off)."""
    from audits.services.parta import reminders_due

    if _day_off(today, scheduled):
        return []
    day = date.fromisoformat(today) if today else None
    auditor_ids = reminders_due(today=day)
    for auditor_id in auditor_ids:
        send_part_a_reminder.delay(auditor_id, today)
    return auditor_ids


@shared_task(name="audits.tasks.send_part_a_reminder", **MAIL_RETRY)
def send_part_a_reminder(auditor_id: int, today: str | None = None) -> bool:
    from audits.services.parta import reminder_send

    return reminder_send(auditor_id=auditor_id, today=date.fromisoformat(today) if today else None) is not None


@shared_task(name="audits.tasks.notify_auditor", bind=True, **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per event, however often delivered
def notify_auditor(self, return_id: int, event: str) -> bool:
    """E-mail the auditor that their return was returned for amendment or unlocked, with the others of their
    agency's in the audit sent back since, or that all are accepted.

    A return sent back is told of RETURN_NOTICE_DELAY after its send-back: run earlier (at once, from the
    outbox), the task is retried then, its outbox message not done meanwhile (run_once's transaction is rolled
    back), so that it is published again if Redis loses it. Run eagerly (no worker: the demo), it does not
    wait: each send-back is e-mailed at once."""
    from audits.services.parta import ReturnNoticeNotDue, email_auditor_about_return

    try:
        return email_auditor_about_return(return_id=return_id, event=event, wait=not self.request.is_eager)
    except ReturnNoticeNotDue as not_due:
        raise self.retry(countdown=not_due.countdown) from None


@shared_task(name="audits.tasks.send_chase", **MAIL_RETRY)
@run_once
def send_chase(reminder_id: int) -> bool:
    from audits.services.parta import email_chase

    return email_chase(reminder_id=reminder_id)


@shared_task(name="audits.tasks.notify_new_auditor", **MAIL_RETRY)
@run_once
def notify_new_auditor(participant_id: int, auditor_id: int) -> bool:
    """E-mail the person just named an agency's auditor (audits.services.participants)."""
    from audits.services.participants import email_new_auditor

    return email_new_auditor(participant_id=participant_id, auditor_id=auditor_id)


@shared_task(name="audits.tasks.notify_part_a_open", **MAIL_RETRY)
@run_once
def notify_part_a_open(participant_id: int, auditor_id: int) -> bool:
    """E-mail an agency's named auditor that Part A is open (audits.services.participants)."""
    from audits.services.participants import email_part_a_open

    return email_part_a_open(participant_id=participant_id, auditor_id=auditor_id)


@shared_task(name="audits.tasks.notify_lead_part_a_open", **MAIL_RETRY)
@run_once
def notify_lead_part_a_open(audit_id: int, lead_officer_id: int) -> bool:
    """E-mail the audit's lead officer that Part A is open (audits.services.participants)."""
    from audits.services.participants import email_lead_part_a_open

    return email_lead_part_a_open(audit_id=audit_id, lead_officer_id=lead_officer_id)


@shared_task(name="audits.tasks.send_review_digests")
def send_review_digests(today: str | None = None, scheduled: bool = False) -> list[int]:
    """Periodic (settings.CELERY_BEAT_SCHEDULE): today's digests of returns awaiting review, each
    recorded and queued through the outbox (audits.services.digests); none on a bank holiday (_day_off)."""
    from audits.services.digests import review_digests_queue

    if _day_off(today, scheduled):
        return []
    return review_digests_queue(today=date.fromisoformat(today) if today else None)


@shared_task(name="audits.tasks.send_review_digest", **MAIL_RETRY)
@run_once
def send_review_digest(reminder_id: int) -> bool:
    from audits.services.digests import email_review_digest

    return email_review_digest(reminder_id=reminder_id)


# --- Part B ------------------------------------------------------------------------------------


@shared_task(name="audits.tasks.notify_part_b_open", **MAIL_RETRY)
@run_once
def notify_part_b_open(participant_id: int, auditor_id: int) -> bool:
    """E-mail an agency's named auditor that Part A is closed and the audit is in Part B (services.partb)."""
    from audits.services.partb import email_part_b_open

    return email_part_b_open(participant_id=participant_id, auditor_id=auditor_id)


@shared_task(name="audits.tasks.notify_audit_cancelled", **MAIL_RETRY)
@run_once
def notify_audit_cancelled(audit_id: int, person_id: int) -> bool:
    """E-mail a named auditor or the lead officer that the audit was cancelled (services.partb)."""
    from audits.services.partb import email_audit_cancelled

    return email_audit_cancelled(audit_id=audit_id, person_id=person_id)


@shared_task(name="audits.tasks.notify_plan_changed", ignore_result=True)
@run_once
def notify_plan_changed(audit_id: int, changes: dict, by_id: int | None) -> int:
    """Queue the e-mails about a change to the audit's plan after people were told of it, one per person,
    once (services.plan_changes.plan_changed_fanout)."""
    from audits.services.plan_changes import plan_changed_fanout

    return plan_changed_fanout(audit_id=audit_id, changes=changes, by_id=by_id)


@shared_task(name="audits.tasks.email_plan_changed", **MAIL_RETRY)
@run_once
def email_plan_changed(audit_id: int, person_id: int, changes: dict) -> bool:
    """E-mail a named auditor or a lead officer what changed in the audit's plan: Part A's due date, the Part B
    session's date or venue, its lead officer (services.plan_changes)."""
    from audits.services.plan_changes import email_plan_changed

    return email_plan_changed(audit_id=audit_id, person_id=person_id, changes=changes)


# --- Insights ----------------------------------------------------------------------------------


@shared_task(name="audits.tasks.send_recommendation_reminders")
def send_recommendation_reminders(today: str | None = None, scheduled: bool = False) -> list[str]:
    """Periodic (settings.CELERY_BEAT_SCHEDULE): today's owners' digests, one per address due one, each
    recorded and queued through the outbox (audits.services.insights); none on a bank holiday (_day_off)."""
    from audits.services.insights import recommendation_digests_queue

    if _day_off(today, scheduled):
        return []
    return recommendation_digests_queue(today=date.fromisoformat(today) if today else None)


@shared_task(name="audits.tasks.send_recommendation_digest", **MAIL_RETRY)
@run_once
def send_recommendation_digest(address: str, day: str) -> bool:
    from audits.services.insights import email_recommendation_digest

    return email_recommendation_digest(address=address, day=day)


@shared_task(name="audits.tasks.notify_recommendation_assigned", **MAIL_RETRY)
@run_once
def notify_recommendation_assigned(recommendation_id: int, to: str) -> bool:
    """E-mail a recommendation's owner that it is assigned to them (audits.services.insights)."""
    from audits.services.insights import email_recommendation_assigned

    return email_recommendation_assigned(recommendation_id=recommendation_id, to=to)


@shared_task(name="audits.tasks.notify_recommendations_cancelled", **MAIL_RETRY)
@run_once
def notify_recommendations_cancelled(audit_id: int, to: str) -> bool:
    """E-mail a recommendation owner that the audit was cancelled (audits.services.insights)."""
    from audits.services.insights import email_recommendations_cancelled

    return email_recommendations_cancelled(audit_id=audit_id, to=to)


@shared_task(
    name="audits.tasks.render_insight_report",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def render_insight_report(report_id: int) -> str | None:
    """Render a board report or an agency profile PDF. Idempotent per report."""
    from audits.services.insights import insight_report_render

    report = insight_report_render(report_id=report_id)
    return report.status if report is not None else None


@shared_task(name="audits.tasks.requeue_stalled_reports", ignore_result=True)
def requeue_stalled_reports() -> list[int]:
    """Periodic: reports whose message was lost, or left rendering by a worker that died, are queued
    again, or failed."""
    from audits.services.insights import insight_reports_requeue_stalled

    return insight_reports_requeue_stalled()


# --- Retention ---------------------------------------------------------------------------------


@shared_task(name="audits.tasks.purge_expired_audits")
def purge_expired_audits() -> list[str]:
    """Periodic: remove case-level detail of closed and cancelled audits past the retention period."""
    from audits.services.retention import purge_expired

    return [result.audit.slug for result in purge_expired()]
