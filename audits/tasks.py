"""Celery tasks. Thin: they take ids, call a service, and retry when the mail server fails.

Part A tasks come first; Part B tasks go below them.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from agencies.outbox import MAIL_RETRY, enqueue, mails_failed_supersede, run_once

logger = logging.getLogger(__name__)


def _day_off(today: str | None, scheduled: bool) -> bool:
    """Whether a run of a periodic e-mail task is to send nothing: one sent by beat (scheduled=True,
    settings.CELERY_BEAT_SCHEDULE) on a day that is not a working day, a bank holiday or a closure day
    (agencies.working_days, settings.BANK_HOLIDAYS, Partnership.closure_days). The crontab is Monday to Friday and knows no bank
    holiday. Nothing is recorded, so the next working day's run sends what is due then, as on a Monday after
    the weekend. Run by hand (scheduled=False, the default), the task sends on any day."""
    if not scheduled:
        return False
    from agencies.working_days import day_off_reason, is_working_day

    day = _run_day(today, scheduled) or timezone.localdate()
    if is_working_day(day):
        return False
    logger.info("Scheduled e-mails not sent on %s: %s", day.isoformat(), day_off_reason(day))
    return True


def _run_day(today: str | None, scheduled: bool) -> date | None:
    """The day a run of a periodic e-mail task is for: the one given (by hand), or for beat's run the day of the
    scheduled run it is (agencies.working_days.scheduled_run_day), which is the day before when beat makes an
    evening hour's run late after midnight (SCHEDULED_EMAIL_HOURS 22: Thursday's made at 00:30 on Friday).
    Taken as the day it is, such a run recorded its digests for Friday and dropped each as delivered outside
    Friday's hours, or sent nothing, Friday's date being a Saturday's. None: today (timezone.localdate)."""
    if today:
        return date.fromisoformat(today)
    if not scheduled:
        return None
    from agencies.working_days import scheduled_run_day

    return scheduled_run_day()


def _in_hours_only(today: str | None, scheduled: bool) -> bool:
    """Whether the e-mails of a run of a periodic e-mail task go only within the hours of a scheduled run
    (agencies.working_days.scheduled_run_day: with SCHEDULED_EMAIL_HOURS 8,13, 08:00 to 12:00 and 13:00 to 17:00
    on a working day): those of beat's runs (scheduled=True, for the day it is). Such an e-mail can reach a
    worker hours later: retried over a mail server that did not answer, published again by the outbox after
    Redis lost it (hourly, for up to a day), or left queued while the workers were down. Sent then, it would
    reach people at night, at the weekend or on a bank holiday: it is not sent, its record is undone, and the
    next scheduled run sends what is due then, once (each person's once-a-day or once-a-week rule). A run given
    its day (by hand) sends its e-mails whenever they are delivered."""
    return scheduled and not today


# --- Part A ------------------------------------------------------------------------------------


@shared_task(name="audits.tasks.send_part_a_reminders")
def send_part_a_reminders(today: str | None = None, scheduled: bool = False) -> list[int]:
    """Periodic (settings.CELERY_BEAT_SCHEDULE): one reminder per auditor due one today, each queued through the
    outbox, so that one the mail relay refuses for good is listed for the administrator and tried again from
    there (agencies.outbox.mail_failed); none on a bank holiday (_day_off). An auditor's earlier reminder listed
    as not sent leaves the list for this one (mails_failed_supersede): one entry per auditor, the latest."""
    from audits.services.parta import reminders_due

    if _day_off(today, scheduled):
        return []
    auditor_ids = reminders_due(today=_run_day(today, scheduled))
    with transaction.atomic():
        mails_failed_supersede(task_name="audits.tasks.send_part_a_reminder", first_args=auditor_ids)
        for auditor_id in auditor_ids:
            enqueue("audits.tasks.send_part_a_reminder", auditor_id, today, scheduled=_in_hours_only(today, scheduled))
    return auditor_ids


@shared_task(name="audits.tasks.send_part_a_reminder", **MAIL_RETRY)
@run_once
def send_part_a_reminder(auditor_id: int, today: str | None = None, scheduled: bool = False) -> bool:
    """One auditor's reminder. Of beat's run (scheduled=True), only within its hours (_in_hours_only), as
    that day's reminder: later, nothing is sent or recorded, and the next run reminds them. At most one a day
    however often it is delivered or tried again (reminder_send's day row; run_once for its message)."""
    from agencies.working_days import scheduled_run_day
    from audits.services.parta import reminder_send

    day = date.fromisoformat(today) if today else None
    if scheduled:
        day = scheduled_run_day()
        if day is None:
            logger.info("Part A reminder to auditor %s not sent out of hours: left to the next run", auditor_id)
            return False
    return reminder_send(auditor_id=auditor_id, today=day) is not None


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
def notify_new_auditor(participant_id: int, auditor_id: int, by_id: int | None = None) -> bool:
    """E-mail the person just named an agency's auditor (audits.services.participants). `by_id`, who named them
    (a reply goes to them), is absent from a message queued before it was given."""
    from audits.services.participants import email_new_auditor

    return email_new_auditor(participant_id=participant_id, auditor_id=auditor_id, by_id=by_id)


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
    return review_digests_queue(today=_run_day(today, scheduled), scheduled=_in_hours_only(today, scheduled))


@shared_task(name="audits.tasks.send_review_digest", **MAIL_RETRY)
@run_once
def send_review_digest(reminder_id: int, scheduled: bool = False) -> bool:
    from audits.services.digests import email_review_digest

    return email_review_digest(reminder_id=reminder_id, scheduled=scheduled)


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
def email_plan_changed(audit_id: int, person_id: int, changes: dict, by_id: int | None = None) -> bool:
    """E-mail a named auditor or a lead officer what changed in the audit's plan: Part A's due date, the Part B
    session's date or venue, its lead officer (services.plan_changes). `by_id`, who changed it (a reply goes to
    them), is absent from a message queued before it was given."""
    from audits.services.plan_changes import email_plan_changed

    return email_plan_changed(audit_id=audit_id, person_id=person_id, changes=changes, by_id=by_id)


# --- Insights ----------------------------------------------------------------------------------


@shared_task(name="audits.tasks.send_recommendation_reminders")
def send_recommendation_reminders(today: str | None = None, scheduled: bool = False) -> list[str]:
    """Periodic (settings.CELERY_BEAT_SCHEDULE): today's owners' digests, one per address due one, each
    recorded and queued through the outbox (audits.services.insights); none on a bank holiday (_day_off)."""
    from audits.services.insights import recommendation_digests_queue

    if _day_off(today, scheduled):
        return []
    return recommendation_digests_queue(today=_run_day(today, scheduled), scheduled=_in_hours_only(today, scheduled))


@shared_task(name="audits.tasks.send_recommendation_digest", **MAIL_RETRY)
@run_once
def send_recommendation_digest(address: str, day: str, scheduled: bool = False) -> bool:
    from audits.services.insights import email_recommendation_digest

    return email_recommendation_digest(address=address, day=day, scheduled=scheduled)


@shared_task(name="audits.tasks.notify_recommendation_assigned", **MAIL_RETRY)
@run_once
def notify_recommendation_assigned(recommendation_id: int, to: str) -> bool:
    """E-mail a recommendation's owner that it is assigned to them (audits.services.insights)."""
    from audits.services.insights import email_recommendation_assigned

    return email_recommendation_assigned(recommendation_id=recommendation_id, to=to)


@shared_task(name="audits.tasks.notify_recommendation_unassigned", **MAIL_RETRY)
@run_once
def notify_recommendation_unassigned(recommendation_id: int, to: str, due: str | None = None) -> bool:
    """E-mail a recommendation's previous owner that it is no longer theirs (audits.services.insights). `due`:
    the due date they knew it by (ISO, "" for none); None in a message queued before it was given."""
    from audits.services.insights import email_recommendation_unassigned

    return email_recommendation_unassigned(recommendation_id=recommendation_id, to=to, due=due)


@shared_task(name="audits.tasks.notify_recommendation_due_moved", **MAIL_RETRY)
@run_once
def notify_recommendation_due_moved(recommendation_id: int, to: str, was: str, now: str) -> bool:
    """E-mail a recommendation's owner that its due date was moved (audits.services.insights)."""
    from audits.services.insights import email_recommendation_due_moved

    return email_recommendation_due_moved(recommendation_id=recommendation_id, to=to, was=was, now=now)


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
