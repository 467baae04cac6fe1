"""The reviewers' daily digest: returns awaiting review.

A submitted (or resubmitted) return waits for the QA manager or the audit's lead officer to accept it
or return it for amendment, but submitting one e-mails nobody. Once a working day (settings.CELERY_BEAT_SCHEDULE,
at the local hours of SCHEDULED_EMAIL_HOURS), each audit in Part A or Part B with returns awaiting review
gets one digest per reviewer — every active QA manager, and the audit's lead officer if they may read its
case content — on a day when a return was submitted since that reviewer's last digest about it (ReminderLog,
kind REVIEW_DIGEST): nothing new, nothing sent. The digest gives counts per agency and the link to the
audit's returns: no case content. A digest of beat's run goes only within that run's hours on its day
(agencies.working_days.scheduled_run_day): delivered later (a retry, the outbox publishing it again after
Redis lost it), it is not sent and its row is deleted, so that the next run sends it, once.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.mail import portal_mail_send
from agencies.models import Role, User
from agencies.outbox import enqueue
from agencies.working_days import scheduled_run_day
from audits.models import Audit, AuditStatus, PartAReturn, ReminderKind, ReminderLog, ReturnStatus

logger = logging.getLogger(__name__)

# A return can be accepted during Part A and Part B (selectors.parta.ACCEPT_AUDIT_STATUSES).
REVIEW_AUDIT_STATUSES = (AuditStatus.PART_A, AuditStatus.PART_B)


def _awaiting():
    """The returns awaiting review: submitted (or resubmitted), in an audit where they can be accepted."""
    return PartAReturn.objects.filter(audit__status__in=REVIEW_AUDIT_STATUSES, status=ReturnStatus.SUBMITTED)


def _reviewers(audit: Audit, qa_managers: list[User]) -> list[User]:
    """Who reviews the audit's returns and can be e-mailed: the active QA managers, and its lead officer
    if they may read its case content (not an administrator, not a deactivated account)."""
    people = [person for person in qa_managers if person.email]
    lead = audit.lead_officer
    if lead is not None and lead.has_case_access and lead.email and lead.pk not in {p.pk for p in people}:
        people.append(lead)
    return people


def review_digests_queue(*, today: date | None = None, scheduled: bool = False) -> list[int]:
    """Record and queue (through the outbox) today's digests: one per reviewer of each audit in Part A or
    Part B with a return submitted since that reviewer's last digest about it. At most one a day per
    reviewer and audit (the ReminderLog constraint): running again the same day queues nothing more.
    `scheduled`: beat's run, whose digests go only within its hours (email_review_digest).
    Returns the ids of the ReminderLog rows written."""
    today = today or timezone.localdate()
    latest = dict(_awaiting().values("audit_id").annotate(last=Max("submitted_at")).values_list("audit_id", "last"))
    if not latest:
        return []
    audits = Audit.objects.filter(pk__in=latest).select_related("lead_officer").order_by("pk")
    qa_managers = list(User.objects.filter(role=Role.QA_MANAGER, is_active=True).order_by("pk"))
    digests = ReminderLog.objects.filter(kind=ReminderKind.REVIEW_DIGEST, audit_id__in=latest)
    last_told = {
        (row["audit_id"], row["auditor_id"]): (row["last"], row["today"])
        for row in digests.values("audit_id", "auditor_id").annotate(
            last=Max("sent_at"), today=Count("pk", filter=Q(sent_on=today))
        )
    }
    written = []
    for audit in audits:
        for reviewer in _reviewers(audit, qa_managers):
            last, told_today = last_told.get((audit.pk, reviewer.pk), (None, 0))
            if told_today or (last is not None and (latest[audit.pk] is None or latest[audit.pk] <= last)):
                continue
            try:
                with transaction.atomic():
                    # The row is the once-a-day guarantee: a run overlapping this one fails on the
                    # unique constraint and queues nothing.
                    log = ReminderLog.objects.create(
                        auditor=reviewer, audit=audit, kind=ReminderKind.REVIEW_DIGEST, sent_on=today
                    )
                    enqueue("audits.tasks.send_review_digest", log.pk, scheduled=scheduled)
            except IntegrityError:
                continue
            written.append(log.pk)
    return written


def _still_reviews(person: User, audit: Audit) -> bool:
    if not person.email:
        return False
    return person.is_qa_manager or (audit.lead_officer_id == person.pk and person.has_case_access)


def email_review_digest(*, reminder_id: int, scheduled: bool = False) -> bool:
    """Send one recorded digest: how many returns await review, per agency, how many of them resubmitted
    after amendment, and the link to the audit's returns. False, and nothing sent, when there is nothing
    to review any more (all reviewed, or the audit left Part A and Part B), or the person no longer
    reviews the audit's returns (no longer a QA manager or its lead officer, deactivated, an
    administrator) or has no e-mail address.

    A digest of beat's run (`scheduled`) delivered outside the hours of a run on the day it was recorded
    for (a retry, or the outbox publishing it again, at night, at the weekend, on a bank holiday or the next
    day): False, nothing sent, and its row deleted, so that the next run finds the reviewer not told since
    their last digest and sends one with the counts as they are then (the once-a-day rule keeps it to one)."""
    log = (
        ReminderLog.objects.select_related("auditor", "audit")
        .filter(pk=reminder_id, kind=ReminderKind.REVIEW_DIGEST)
        .first()
    )
    if log is not None and scheduled and scheduled_run_day() != log.sent_on:
        logger.info("Review digest %s of %s not sent out of hours: left to the next run", log.pk, log.sent_on)
        log.delete()
        return False
    if log is None or log.audit is None or not _still_reviews(log.auditor, log.audit):
        return False
    audit, reviewer = log.audit, log.auditor
    rows = (
        _awaiting()
        .filter(audit=audit)
        .values("agency__name")
        .annotate(n=Count("pk"), resubmitted=Count("pk", filter=~Q(amendment_comment="")))
        .order_by("agency__name")
    )
    agencies = [{"name": row["agency__name"], "n": row["n"], "resubmitted": row["resubmitted"]} for row in rows]
    total = sum(a["n"] for a in agencies)
    if not total:
        return False
    context = {
        "reviewer": reviewer,
        "audit": audit,
        "total": total,
        "resubmitted": sum(a["resubmitted"] for a in agencies),
        "agencies": agencies,
        "part_a_open": audit.status == AuditStatus.PART_A,
        "url": f"{settings.SITE_URL}{reverse('audits:audit_returns', args=[audit.slug])}",
    }
    subject = _("Part A returns awaiting review: %(audit)s") % {"audit": audit.title}
    body = render_to_string("emails/parta_review_digest.txt", context)
    portal_mail_send(subject=subject, body=body, to=[reviewer.email])
    return True
