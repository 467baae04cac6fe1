"""Writes for insights: recommendation owners' reminders, and PDF reports rendered by a Celery task.

Reminder rule: a recommendation that is open or in progress, has a due date and an owner e-mail
(its own owner_email, else its owner agency's lead_email) gets a reminder from 14 days before its
due date ("due soon") and after it ("overdue"), at most once every 7 days. Every send is recorded
(RecommendationReminder); the e-mail goes inside the transaction that writes the record, so a failed
send leaves no record and the next run tries again.

Reports use the briefings' hardened WeasyPrint renderer (briefings.rendering.SafeURLFetcher, the
same tagged PDF/UA variant): the page queues a task and shows the report's status; the view never
renders a PDF itself.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.mail import portal_mail_send
from agencies.models import Agency, Partnership
from agencies.outbox import enqueue
from agencies.services import AccessAction, access_record
from audits.models import (
    AuditTheme,
    InsightReport,
    InsightReportKind,
    InsightReportStatus,
    Recommendation,
    RecommendationReminder,
    RecommendationReminderKind,
    insight_report_upload_to,
)
from audits.selectors.insights import REMINDER_INTERVAL_DAYS, REMINDER_LEAD_DAYS, owner_email_of
from audits.selectors.partb import OPEN_RECOMMENDATION_STATUSES

logger = logging.getLogger(__name__)


# --- Recommendation reminders ------------------------------------------------------------------


def _reminder_candidates(today: date):
    return (
        Recommendation.objects.filter(
            status__in=OPEN_RECOMMENDATION_STATUSES,
            due_date__isnull=False,
            due_date__lte=today + timedelta(days=REMINDER_LEAD_DAYS),
        )
        .exclude(reminders__sent_on__gt=today - timedelta(days=REMINDER_INTERVAL_DAYS))
        .select_related("audit", "owner_agency")
    )


def recommendation_reminders_due(*, today: date | None = None) -> list[int]:
    """Recommendations whose owner should be reminded today (and who has an e-mail address)."""
    today = today or timezone.localdate()
    return sorted(rec.pk for rec in _reminder_candidates(today) if owner_email_of(rec))


def recommendation_reminder_send(*, recommendation_id: int, today: date | None = None) -> RecommendationReminder | None:
    """E-mail one recommendation's owner, unless it is not due a reminder. At most once in 7 days."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # The row lock makes two overlapping runs take turns. The query that waited for the lock
        # was answered from its own start (PostgreSQL re-reads only the locked row, which the first
        # run did not change), so it cannot see the reminder the first run recorded: a second
        # query, after the lock, does.
        rec = _reminder_candidates(today).select_for_update(of=("self",)).filter(pk=recommendation_id).first()
        if rec is None or not _reminder_candidates(today).filter(pk=rec.pk).exists():
            return None
        to = owner_email_of(rec)
        if not to:
            return None
        kind = RecommendationReminderKind.DUE_SOON if today <= rec.due_date else RecommendationReminderKind.OVERDUE
        reminder = RecommendationReminder.objects.create(recommendation=rec, kind=kind, sent_to=to, sent_on=today)
        _send_reminder_email(rec, kind, to, today)
    return reminder


def _send_reminder_email(rec: Recommendation, kind: str, to: str, today: date) -> None:
    partnership = Partnership.load()
    context = {
        "rec": rec,
        "audit": rec.audit.title,
        "owner": rec.owner_name,
        "due": date_format(rec.due_date, "j F Y"),
        "overdue": kind == RecommendationReminderKind.OVERDUE,
        "days": abs((rec.due_date - today).days),
        "partnership": partnership,
    }
    subject = (
        _("Recommendation overdue: %(audit)s") if context["overdue"] else _("Recommendation due soon: %(audit)s")
    ) % {"audit": rec.audit.title}
    body = render_to_string("emails/insights_recommendation_reminder.txt", context)
    portal_mail_send(subject=subject[:200], body=body, to=[to])


# --- Reports -----------------------------------------------------------------------------------


def insight_report_request(
    *,
    request: HttpRequest | None = None,
    user,
    kind: str,
    agency: Agency | None = None,
    theme: AuditTheme | None = None,
) -> InsightReport:
    """Queue a report. The view has checked that the user may see what the report holds; the task
    builds it with the same user's permissions when it runs."""
    if kind == InsightReportKind.AGENCY and agency is None:
        raise ValueError("An agency profile report names its agency.")
    with transaction.atomic():
        now = timezone.now()
        report = InsightReport.objects.create(
            kind=kind,
            agency=agency if kind == InsightReportKind.AGENCY else None,
            theme=theme,
            requested_by=user,
            requested_at=now,
            queued_at=now,
        )
        access_record(
            request=request, user=user, action=AccessAction.CHANGE, obj=report, summary=f"Report asked for: {report}"
        )
        _enqueue_render(report.pk)
    return report


def insight_report_retry(*, request: HttpRequest | None = None, user, report: InsightReport) -> InsightReport:
    """Queue a failed report again, or one still queued or rendering that waits too long (Retry now:
    its message lost, its worker dead), as briefing versions are (briefings' render_retry). The person
    who asked for it only: the view checks. A done report is left as it is."""
    from briefings.services import render_retry

    return render_retry(
        InsightReport,
        report.pk,
        statuses=InsightReportStatus,
        user=user,
        request=request,
        label="Report retried",
        enqueue=_enqueue_render,
    )


def _enqueue_render(report_id: int) -> None:
    # Through the outbox: written in the caller's transaction, published once it commits, and
    # published later (outbox_flush) if the broker is down now. The render is idempotent.
    enqueue("audits.tasks.render_insight_report", report_id)


def insight_reports_requeue_stalled() -> list[int]:
    """Reports left "Queued" by a lost message (Redis down or flushed after the report was saved) or
    "Rendering" by a worker that died (killed at the hard time limit, an OOM kill, a host restart):
    queued again through the outbox, or, after briefings.services.MAX_ATTEMPTS, failed with the reason,
    so the page offers Retry. Periodic (settings.CELERY_BEAT_SCHEDULE): briefings' requeue_stalled, as
    for briefing versions."""
    from briefings.services import requeue_stalled

    return requeue_stalled(
        InsightReport,
        statuses=InsightReportStatus,
        enqueue=_enqueue_render,
        gave_up=_("The report did not finish after %(n)s attempts."),
    )


def insight_report_render(*, report_id: int) -> InsightReport | None:
    """Render one report's PDF (called by the Celery task): briefings' render_to_file, so the same
    guarantees. Idempotent: a done report is left as it is."""
    from audits.reports import render_report
    from briefings.services import render_to_file

    return render_to_file(
        InsightReport,
        report_id,
        statuses=InsightReportStatus,
        render=render_report,
        file_name=lambda report: insight_report_upload_to(report, "report.pdf"),
        done_label="Report rendered",
        too_long=_("The report took longer than the time limit allows."),
        recorded_user=lambda report: report.requested_by,
    )
