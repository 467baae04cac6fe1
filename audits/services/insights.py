"""Writes for insights: recommendation owners' reminders, and PDF reports rendered by a Celery task.

Reminder rule: a recommendation that is open or in progress, has a due date and an owner e-mail
(its own owner_email, else its owner agency's lead_email) is due a reminder from 14 days before its
due date ("due soon") and after it ("overdue"). Its owner gets them in one weekly digest per address
(compared without regard to case): every recommendation of that address due a reminder, at most one
digest in 7 days. Like the e-mail that a recommendation is assigned, the digest holds no case content:
each recommendation's audit, due date, days overdue and status, the partnership's contact and a link to
the owner's page My recommendations (read signed in), never what the recommendation says (an owner address
may be outside the partnership). The digest is recorded per recommendation (RecommendationReminder: the
tracker's "last reminded"), with its e-mail queued through the outbox, in one transaction; the task (run_once)
sends it once. A digest of beat's run goes only within that run's hours on its day
(agencies.working_days.scheduled_run_day): delivered later, it is not sent and its reminders are deleted,
so that the next run sends it.

An owner address of somebody who left (a deactivated account's: departed_addresses) is
sent nothing: not digests, nor that a recommendation is assigned to it or withdrawn. Its reminders go to
the owner agency's lead instead, if there is one, and the tracker names the address, to be changed.

When a recommendation gets an owner address (created with one, or the address added or changed), its
owner is e-mailed once that it is assigned to them, and when it is due: no case content
(recommendation_assigned_notify, called by Part B's recommendation services). The address it leaves is told
it is no longer theirs, and an owner whose recommendation's due date is moved is told the old and new dates.

Reports use the briefings' hardened WeasyPrint renderer (briefings.rendering.SafeURLFetcher, the
same tagged PDF/UA variant): the page queues a task and shows the report's status; the view never
renders a PDF itself.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.mail import mail_day, portal_mail_send
from agencies.models import Agency, OutboxMessage, Partnership
from agencies.outbox import enqueue
from agencies.selectors import deactivated_addresses
from agencies.services import AccessAction, access_record, transaction_lock
from agencies.working_days import scheduled_run_day
from audits.models import (
    Audit,
    AuditStatus,
    AuditTheme,
    InsightReport,
    InsightReportKind,
    InsightReportStatus,
    Recommendation,
    RecommendationReminder,
    RecommendationReminderKind,
    insight_report_upload_to,
)
from audits.selectors.insights import (
    REMINDER_INTERVAL_DAYS,
    REMINDER_LEAD_DAYS,
    departed_addresses,
    owner_email_of,
)
from audits.selectors.partb import OPEN_RECOMMENDATION_STATUSES

logger = logging.getLogger(__name__)

# Where a recommendation is tracked: the audits past Part A (services.partb.RECOMMENDATION_TRACKABLE).
RECOMMENDATION_AUDIT_STATUSES = (AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED)


# --- Recommendation reminders ------------------------------------------------------------------


DIGEST_LOCK = "recommendation-digest:%s"


def _reminder_candidates(today: date):
    # Not a cancelled audit's: nothing more is done in it, so nobody is chased about it.
    return (
        Recommendation.objects.filter(
            status__in=OPEN_RECOMMENDATION_STATUSES,
            due_date__isnull=False,
            due_date__lte=today + timedelta(days=REMINDER_LEAD_DAYS),
        )
        .exclude(audit__status=AuditStatus.CANCELLED)
        .select_related("audit", "owner_agency")
    )


def _digested_since(day: date):
    """Reminders recorded after `day`, with their address in lower case (`address`)."""
    return RecommendationReminder.objects.annotate(address=Lower("sent_to")).filter(sent_on__gt=day)


def _my_recommendations_url() -> str:
    """The owner's page My recommendations, where they read them signed in (sign-in first sends them on there)."""
    return f"{settings.SITE_URL}{reverse('audits:my_recommendations')}"


def recommendation_digests_due(*, today: date | None = None) -> dict[str, list[Recommendation]]:
    """The addresses (lower case) whose owner should get a digest today, each with its recommendations
    due a reminder: none for an address that had a digest in the last 7 days."""
    today = today or timezone.localdate()
    due: dict[str, list[Recommendation]] = defaultdict(list)
    candidates = list(_reminder_candidates(today).order_by("due_date", "pk"))
    departed = departed_addresses(candidates)  # not to somebody who left: their agency's lead, or nobody
    for rec in candidates:
        to = owner_email_of(rec, departed)
        if to:
            due[to.lower()].append(rec)
    recent = set(
        _digested_since(today - timedelta(days=REMINDER_INTERVAL_DAYS)).values_list("address", flat=True).distinct()
    )
    return {address: recs for address, recs in sorted(due.items()) if address not in recent}


def recommendation_digests_queue(*, today: date | None = None, scheduled: bool = False) -> list[str]:
    """Record and queue (through the outbox) today's digests: one per owner address due one, each
    recording a reminder for every recommendation it lists. At most one in 7 days per address: running
    again, or at the same time, queues nothing more. `scheduled`: beat's run, whose digests go only within
    its hours (email_recommendation_digest). Returns the addresses (lower case) queued."""
    today = today or timezone.localdate()
    queued = []
    due = recommendation_digests_due(today=today)
    departed = departed_addresses([rec for recs in due.values() for rec in recs])
    for address, recs in due.items():
        with transaction.atomic():
            # Two runs at once take turns per address; the second, once the first committed, sees the
            # reminders it recorded (a statement after the lock reads what was committed before it).
            transaction_lock(DIGEST_LOCK % address)
            if _digested_since(today - timedelta(days=REMINDER_INTERVAL_DAYS)).filter(address=address).exists():
                continue
            RecommendationReminder.objects.bulk_create(
                RecommendationReminder(
                    recommendation=rec,
                    kind=RecommendationReminderKind.DUE_SOON
                    if today <= rec.due_date
                    else RecommendationReminderKind.OVERDUE,
                    sent_to=owner_email_of(rec, departed),
                    sent_on=today,
                )
                for rec in recs
            )
            enqueue("audits.tasks.send_recommendation_digest", address, today.isoformat(), scheduled=scheduled)
        queued.append(address)
    return queued


def email_recommendation_digest(*, address: str, day: str, scheduled: bool = False) -> bool:
    """Send one recorded digest: the recommendations recorded for `address` on `day` that are still open
    or in progress and still go to that address. False, and nothing sent, when none is left. Each is
    named by its audit, due date, days overdue and status, not by what it says: the address may be
    outside the partnership, and the text is read in the portal (the link to My recommendations).

    A digest of beat's run (`scheduled`) delivered outside the hours of a run on `day` (a retry, or the
    outbox publishing it again, at night, at the weekend, on a bank holiday or a later day): False, nothing
    sent, and the reminders recorded for it deleted (the tracker's "last reminded" no longer says it went),
    so that the next run sends the address a digest as things are then, once (the 7-day rule)."""
    sent_on = date.fromisoformat(day)
    if scheduled and scheduled_run_day() != sent_on:
        with transaction.atomic():
            transaction_lock(DIGEST_LOCK % address.lower())  # as a run recording this address's digest
            RecommendationReminder.objects.annotate(address=Lower("sent_to")).filter(
                address=address.lower(), sent_on=sent_on
            ).delete()
        logger.info("Recommendation digest of %s not sent out of hours: left to the next run", day)
        return False
    reminders = (
        RecommendationReminder.objects.annotate(address=Lower("sent_to"))
        .filter(address=address.lower(), sent_on=sent_on)
        .select_related("recommendation__audit", "recommendation__owner_agency")
        .order_by("recommendation__due_date", "recommendation__pk")
    )
    reminders = list(reminders)
    # The owner's account deactivated since it was recorded: not sent to somebody who left.
    departed = departed_addresses([reminder.recommendation for reminder in reminders])
    items = []
    for reminder in reminders:
        rec = reminder.recommendation
        if (
            rec.status not in OPEN_RECOMMENDATION_STATUSES
            or owner_email_of(rec, departed).lower() != address.lower()
            or rec.audit.status == AuditStatus.CANCELLED  # cancelled since it was recorded
        ):
            continue
        items.append(
            {
                "audit": rec.audit.title,
                "owner": rec.owner_name,
                "status": rec.get_status_display(),
                "due": mail_day(rec.due_date) if rec.due_date else "",
                "overdue": max((sent_on - rec.due_date).days, 0) if rec.due_date else 0,
                "to": reminder.sent_to,
            }
        )
    if not items:
        return False
    overdue = sum(1 for item in items if item["overdue"])
    subject = ngettext(
        "%(n)s recommendation due soon or overdue", "%(n)s recommendations due soon or overdue", len(items)
    ) % {"n": len(items)}
    context = {
        "items": items,
        "overdue": overdue,
        "partnership": Partnership.load(),
        "my_recommendations_url": _my_recommendations_url(),
    }
    body = render_to_string("emails/insights_recommendation_digest.txt", context)
    portal_mail_send(subject=subject, body=body, to=[items[0]["to"]])
    return True


def _previous_owner_email(previous, departed: frozenset[str]) -> str:
    """Where the reminders went before the save just made (`previous`: its history record before it, None when
    it was just created, then ""), as owner_email_of says it: not to an address in `departed`."""
    if previous is None:
        return ""
    if previous.owner_email and previous.owner_email.lower() not in departed:
        return previous.owner_email
    agency = Agency.objects.filter(pk=previous.owner_agency_id).only("lead_email").first()
    return agency.lead_email if agency is not None and agency.lead_email.lower() not in departed else ""


def recommendation_assigned_notify(*, recommendation: Recommendation) -> bool:
    """Called in the transaction that saved the recommendation: when its owner address is new (it was
    created with one, or the address was added or changed), queue (outbox) one e-mail to that address
    that the recommendation is assigned to it. True when queued. Where the reminders went before is said
    as where they go now is, not to somebody who left (departed_addresses): a recommendation whose owner
    left, its agency's lead reminded in their place, saved for anything else tells nobody.

    Owners are told of changes too, while it is open or in progress: the address the reminders went to
    before, when they go to another now (its owner e-mail or owner agency changed), that it is no longer
    theirs (email_recommendation_unassigned); an owner told nothing new of it, when its due date was moved,
    of the old date and the new (email_recommendation_due_moved). Each once, through the outbox; whether the
    e-mails that it is theirs or no longer is go is decided when each goes, by what the address was told
    (_told_it_is_theirs): a slip undone before they went tells nobody anything."""
    previous = recommendation.history.order_by("-history_date", "-history_id")[1:2].first()
    addresses = [recommendation.owner_email, previous.owner_email if previous is not None else ""]
    if recommendation.owner_agency_id:
        addresses.append(recommendation.owner_agency.lead_email)
    if previous is not None and previous.owner_agency_id and previous.owner_agency_id != recommendation.owner_agency_id:
        addresses.append(
            Agency.objects.filter(pk=previous.owner_agency_id).values_list("lead_email", flat=True).first()
        )
    departed = deactivated_addresses([a for a in addresses if a])  # one query, as departed_addresses
    if recommendation.status not in OPEN_RECOMMENDATION_STATUSES:
        return False
    to = owner_email_of(recommendation, departed)
    was = _previous_owner_email(previous, departed)
    if was and was.lower() != to.lower():
        # Named by the due date they knew it by (its due date may be moved with the new owner).
        known_due = previous.due_date.isoformat() if previous.due_date is not None else ""
        enqueue("audits.tasks.notify_recommendation_unassigned", recommendation.pk, was, known_due)
    if not to:
        return False
    if was.lower() == to.lower():
        if previous.due_date is not None and recommendation.due_date not in (None, previous.due_date):
            enqueue(
                "audits.tasks.notify_recommendation_due_moved",
                recommendation.pk,
                to,
                previous.due_date.isoformat(),
                recommendation.due_date.isoformat(),
            )
        return False
    enqueue("audits.tasks.notify_recommendation_assigned", recommendation.pk, to)
    return True


ASSIGNED_TASK = "audits.tasks.notify_recommendation_assigned"
UNASSIGNED_TASK = "audits.tasks.notify_recommendation_unassigned"


def _owner_mail_turn(recommendation_id: int) -> None:
    """The e-mails telling owners that a recommendation is theirs or no longer is take turns (PostgreSQL's advisory
    lock, until the transaction ends: run_once's, which marks each message done or skipped), so that each reads
    what the one before it sent."""
    transaction_lock(f"recommendation-owner-mail-{recommendation_id}")


def _told_it_is_theirs(recommendation_id: int, to: str, *, telling: str) -> bool:
    """Whether the address `to` was told that the recommendation is theirs and not told otherwise since: the last
    of these e-mails sent to it of this recommendation (the outbox's messages, done and not skipped) says which.
    None sent on record: taken to know it is theirs when the first of its messages on record (else the one being
    decided, `telling`: its task's name) tells it that it no longer is: it owned it before these e-mails were sent,
    or before the outbox's purge of messages a week old; not when it is one that it is theirs (still queued, or not
    sent because it was given to another owner first: it was never told)."""
    messages = OutboxMessage.objects.filter(
        task__in=[ASSIGNED_TASK, UNASSIGNED_TASK], args__0=recommendation_id, args__1__iexact=to
    )
    last_sent = (
        messages.filter(done_at__isnull=False, skipped=False)
        .order_by("-done_at", "-pk")
        .values_list("task", flat=True)
        .first()
    )
    if last_sent is not None:
        return last_sent == ASSIGNED_TASK
    return (messages.order_by("pk").values_list("task", flat=True).first() or telling) == UNASSIGNED_TASK


def email_recommendation_assigned(*, recommendation_id: int, to: str) -> bool:
    """The owner's e-mail that a recommendation of the audit is assigned to them, when it is due, the
    partnership's contact and a link to their page My recommendations: no case content (not what it says).
    False, and nothing sent, when it is no longer open or in progress, its audit is not past Part A, or its
    owner address changed since; or when the address knows it is theirs already (_told_it_is_theirs): given
    to another owner by a slip and given back before they were told it is no longer theirs."""
    _owner_mail_turn(recommendation_id)
    rec = Recommendation.objects.select_related("audit", "owner_agency").filter(pk=recommendation_id).first()
    if (
        rec is None
        or rec.status not in OPEN_RECOMMENDATION_STATUSES
        or rec.audit.status not in RECOMMENDATION_AUDIT_STATUSES
        or owner_email_of(rec, departed_addresses([rec])).lower() != to.lower()
        or _told_it_is_theirs(recommendation_id, to, telling=ASSIGNED_TASK)
    ):
        return False
    context = {
        "audit": rec.audit.title,
        "owner": rec.owner_name,
        "due": mail_day(rec.due_date) if rec.due_date else "",
        "partnership": Partnership.load(),
        "lead_days": REMINDER_LEAD_DAYS,
        "my_recommendations_url": _my_recommendations_url(),
    }
    subject = _("A recommendation is assigned to you: %(audit)s") % {"audit": rec.audit.title}
    body = render_to_string("emails/insights_recommendation_assigned.txt", context)
    portal_mail_send(subject=subject[:200], body=body, to=[to])
    return True


def email_recommendation_unassigned(*, recommendation_id: int, to: str, due: str | None = None) -> bool:
    """Tell the owner whose reminders a recommendation's were (maybe outside the partnership) that it is no
    longer theirs and whom to ask: named by its audit and the due date they knew it by (`due`, ISO; "" when it
    had none; None, a message queued before it was given: the due date it has now), never by what it says.
    False, and nothing sent, when it is theirs again, or they left since (departed_addresses), or they were
    never told it was theirs (_told_it_is_theirs: given to them by a slip undone before their e-mail went),
    or were told it no longer is already."""
    _owner_mail_turn(recommendation_id)
    rec = Recommendation.objects.select_related("audit", "owner_agency").filter(pk=recommendation_id).first()
    if rec is None or to.lower() in deactivated_addresses([to]):
        return False
    if owner_email_of(rec, departed_addresses([rec])).lower() == to.lower():
        return False
    if not _told_it_is_theirs(recommendation_id, to, telling=UNASSIGNED_TASK):
        return False
    known = rec.due_date if due is None else _iso_day(due)
    context = {
        "audit": rec.audit.title,
        "due": mail_day(known) if known else "",
        "partnership": Partnership.load(),
    }
    subject = _("A recommendation is no longer assigned to you: %(audit)s") % {"audit": rec.audit.title}
    body = render_to_string("emails/recommendation_unassigned.txt", context)
    portal_mail_send(subject=subject[:200], body=body, to=[to])
    return True


def _iso_day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def email_recommendation_due_moved(*, recommendation_id: int, to: str, was: str, now: str) -> bool:
    """Tell a recommendation's owner that its due date was moved from `was` to `now` (ISO dates), when
    their reminders start and the partnership's contact: no case content. False, and nothing sent, when it
    is no longer open or in progress, or no longer theirs, or its due date was moved again since (that move
    is told in its turn)."""
    rec = Recommendation.objects.select_related("audit", "owner_agency").filter(pk=recommendation_id).first()
    new_due = date.fromisoformat(now)
    if (
        rec is None
        or rec.status not in OPEN_RECOMMENDATION_STATUSES
        or rec.audit.status not in RECOMMENDATION_AUDIT_STATUSES
        or rec.due_date != new_due
        or owner_email_of(rec, departed_addresses([rec])).lower() != to.lower()
    ):
        return False
    context = {
        "audit": rec.audit.title,
        "owner": rec.owner_name,
        "was": mail_day(date.fromisoformat(was)),
        "due": mail_day(new_due),
        "partnership": Partnership.load(),
        "lead_days": REMINDER_LEAD_DAYS,
        "my_recommendations_url": _my_recommendations_url(),
    }
    subject = _("A recommendation's due date was moved: %(audit)s") % {"audit": rec.audit.title}
    body = render_to_string("emails/recommendation_due_moved.txt", context)
    portal_mail_send(subject=subject[:200], body=body, to=[to])
    return True


def _open_recommendations_by_address(audit_id: int) -> dict[str, list[Recommendation]]:
    """The audit's open and in-progress recommendations by their owner's address (lower case): those
    whose owners were told they are assigned to them (recommendation_assigned_notify), not those of somebody
    who left (departed_addresses). Two queries."""
    recs = list(
        Recommendation.objects.filter(audit_id=audit_id, status__in=OPEN_RECOMMENDATION_STATUSES).select_related(
            "owner_agency"
        )
    )
    departed = departed_addresses(recs)
    by_address: dict[str, list[Recommendation]] = {}
    for rec in recs:
        if address := owner_email_of(rec, departed):
            by_address.setdefault(address.lower(), []).append(rec)
    return by_address


def recommendations_cancelled_notify(*, audit: Audit, exclude: set[str] = frozenset()) -> int:
    """Called in the transaction that cancels the audit (services.partb.audit_cancel): queue (outbox)
    one e-mail per owner address of its open recommendations, which will not be taken forward; their
    reminders and digests stop (they leave out a cancelled audit's). Not to the addresses in `exclude`
    (lower case: the audit team told otherwise, who cancelled it). Returns how many were queued."""
    addresses = sorted(set(_open_recommendations_by_address(audit.pk)) - set(exclude))
    for address in addresses:
        enqueue("audits.tasks.notify_recommendations_cancelled", audit.pk, address)
    return len(addresses)


def email_recommendations_cancelled(*, audit_id: int, to: str) -> bool:
    """Tell an owner (maybe outside the partnership) that the audit was cancelled, so the recommendations
    of it assigned to them will not be taken forward and they will have no more reminders: how many, and
    the partnership's contact; not what they say nor the reason (free text about the audit's cases).
    False, and nothing sent, when the audit is not cancelled or none of them is theirs any more."""
    audit = Audit.objects.filter(pk=audit_id, status=AuditStatus.CANCELLED).first()
    recs = _open_recommendations_by_address(audit_id).get(to.lower(), []) if audit else []
    if not recs:
        return False
    context = {
        "audit": audit.title,
        "count": len(recs),
        "cancelled_on": date_format(timezone.localtime(audit.cancelled_at), "j F Y"),
        "partnership": Partnership.load(),
    }
    subject = _("Audit cancelled, its recommendations withdrawn: %(audit)s") % {"audit": audit.title}
    body = render_to_string("emails/recommendations_cancelled.txt", context)
    portal_mail_send(subject=subject[:200], body=body, to=[to])
    return True


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

    made_from: dict[str, list[int]] = {}

    def render(report: InsightReport):
        result = render_report(report)
        # The audits report_context read it from, and those whose findings in progress it printed.
        made_from.update(audit_ids=report.audit_ids, findings_audit_ids=report.findings_audit_ids)
        return result

    def keep_audits(report: InsightReport) -> None:
        # With the row marked done, in its transaction: the report opens only while its owner can still
        # see each audit it was made from as it showed it (selectors.may_see_report).
        report.audit_ids = list(made_from.get("audit_ids", []))
        report.findings_audit_ids = list(made_from.get("findings_audit_ids", []))
        report.save(update_fields=["audit_ids", "findings_audit_ids"])

    return render_to_file(
        InsightReport,
        report_id,
        statuses=InsightReportStatus,
        render=render,
        file_name=lambda report: insight_report_upload_to(report, "report.pdf"),
        done_label="Report rendered",
        too_long=_("The report took longer than the time limit allows."),
        recorded_user=lambda report: report.requested_by,
        on_done=keep_audits,
    )
