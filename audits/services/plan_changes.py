"""E-mails about changes to an audit's plan after people were told of it.

Part A's opening e-mail gives each named auditor the due date, Part B's the session's date and venue,
and the lead officer has led the audit since Part A opened. A later change of these tells them:

- Part A's due date, moved while Part A is open: each agency's named auditor able to act with returns
  still to send (the rule of Part A's opening e-mail);
- the Part B session's date or venue, changed while Part A or Part B is open and before the session
  has happened (its new date is today or later, or it has none and had none or a date still to come):
  each named auditor able to act and the lead officer;
- the lead officer, changed in Part A, Part B or Reporting (where the lead still runs the audit: its
  reporting and briefings): the new lead, that they now lead it (its stage, what is planned and the
  link), and the previous one, that they no longer do.

Nobody is e-mailed in Planning (nobody was told yet), nor once the audit is closed or cancelled. One
e-mail per person per save, whatever changed in it, through the outbox once the change commits
(`run_once`; the save queues one message, whatever the number of people, and the worker one e-mail per
person), never to who made the change, and checked again when it goes: each part of it is left
out if it no longer holds (the person replaced or unable to act, the audit moved on, the value changed
again: that later change has an e-mail of its own), and nothing is sent if no part is left. No case
content: the audit's title, dates, the venue and a link.

Called in the change's transaction, after the change is saved: the Planning admin (audits/admin.py,
AuditAdmin.save_model) and the session page (audits.services.partb.session_update). The change itself
is in the access log as those record it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.mail import mail_day, portal_mail_send, reply_address
from agencies.models import User
from agencies.outbox import enqueue
from audits.models import Audit, AuditStatus, PartAReturn, PartBSession
from audits.selectors.parta import SUBMITTED_STATUSES

# Where each change is told: Part A's due date while Part A is open; the session while it is still to
# come; the lead officer while the audit is being run.
DUE_TOLD = (AuditStatus.PART_A,)
SESSION_TOLD = (AuditStatus.PART_A, AuditStatus.PART_B)
LEAD_TOLD = (AuditStatus.PART_A, AuditStatus.PART_B, AuditStatus.REPORTING)

NAMED, REMOVED = "named", "removed"


@dataclass(frozen=True)
class Plan:
    """What people were told of an audit's plan, as it stands before or after a change."""

    status: str
    part_a_due: datetime.date | None
    session_date: datetime.date | None
    venue: str
    lead_officer_id: int | None


def plan_of(audit: Audit, session: PartBSession | None) -> Plan:
    """The plan of `audit` with its Part B session (None: not made yet). The session's date, else the
    audit's Part B date, as Part B's opening e-mail says it."""
    return Plan(
        status=audit.status,
        part_a_due=audit.part_a_due,
        session_date=(session.date if session else None) or audit.part_b_date,
        venue=session.venue if session else "",
        lead_officer_id=audit.lead_officer_id,
    )


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _day(iso: str) -> datetime.date | None:
    return datetime.date.fromisoformat(iso) if iso else None


def _session_to_come(date: datetime.date | None, before: datetime.date | None, today: datetime.date) -> bool:
    """Whether a session now on `date` (it was on `before`) has not happened yet: a change recorded
    after the event, or to a past date, tells nobody."""
    if date is not None:
        return date >= today
    return before is None or before >= today


def plan_changed_notify(*, audit: Audit, before: Plan, after: Plan, user=None) -> bool:
    """Queue the e-mails about what changed from `before` to `after` that is told (the module's rules), as
    one message whatever the number of people: the worker writes one per person (plan_changed_fanout),
    leaving out `user`, who made the change. True when queued."""
    changes: dict[str, list] = {}
    if after.status in DUE_TOLD and before.part_a_due != after.part_a_due:
        changes["due"] = [_iso(before.part_a_due), _iso(after.part_a_due)]
    if (
        after.status in SESSION_TOLD
        and (before.session_date, before.venue) != (after.session_date, after.venue)
        and _session_to_come(after.session_date, before.session_date, timezone.localdate())
    ):
        changes["session"] = [_iso(before.session_date), before.venue, _iso(after.session_date), after.venue]
    if after.status in LEAD_TOLD and before.lead_officer_id != after.lead_officer_id:
        changes["lead"] = [before.lead_officer_id, after.lead_officer_id]
    if not changes or not _parts(audit, changes, getattr(user, "pk", None), due_only_outstanding=True):
        return False  # nobody it concerns (no auditor with returns to send, only who made the change…)
    enqueue("audits.tasks.notify_plan_changed", audit.pk, changes, getattr(user, "pk", None))
    return True


def plan_changed_fanout(*, audit_id: int, changes: dict, by_id: int | None) -> int:
    """In the worker (notify_plan_changed, run once): one e-mail per person through the outbox, with the
    parts of `changes` (plan_changed_notify) that concern them: Part A's due date, each named auditor; the
    session, each named auditor and the lead officer; the lead officer, the new one and the previous one.
    Not to `by_id`, who made the change. Returns how many were queued."""
    audit = Audit.objects.filter(pk=audit_id).first()
    if audit is None:
        return 0
    parts = _parts(audit, changes, by_id)
    for person_id in sorted(parts):
        enqueue("audits.tasks.email_plan_changed", audit.pk, person_id, parts[person_id], by_id)
    return len(parts)


def _parts(audit: Audit, changes: dict, by_id: int | None, *, due_only_outstanding: bool = False) -> dict[int, dict]:
    """Who is told what of `changes`, by person id (email_plan_changed checks each again when it goes).
    `due_only_outstanding`: the due date only to the auditors of agencies with returns still to send (one
    query more), as the e-mail is, so that the save says whether anybody will be told."""
    auditors = _auditor_ids(audit)
    parts: dict[int, dict] = {}
    if "due" in changes:
        due_auditors = auditors
        if due_only_outstanding:
            waiting = PartAReturn.objects.filter(audit=audit).exclude(status__in=SUBMITTED_STATUSES).values("agency_id")
            due_auditors = list(
                audit.participants.filter(auditor__isnull=False, agency_id__in=waiting).values_list(
                    "auditor_id", flat=True
                )
            )
        for auditor_id in due_auditors:
            parts.setdefault(auditor_id, {})["due"] = changes["due"]
    if "session" in changes:
        for person_id in auditors + ([audit.lead_officer_id] if audit.lead_officer_id else []):
            parts.setdefault(person_id, {})["session"] = changes["session"]
    if "lead" in changes:
        old_id, new_id = changes["lead"]
        if new_id:
            parts.setdefault(new_id, {})["lead"] = NAMED
        if old_id:
            parts.setdefault(old_id, {})["lead"] = REMOVED
    parts.pop(by_id, None)
    return parts


def _auditor_ids(audit: Audit) -> list[int]:
    return list(
        audit.participants.filter(auditor__isnull=False).order_by("auditor_id").values_list("auditor_id", flat=True)
    )


def _long(day: datetime.date | None) -> str:
    return mail_day(day) if day else ""


def email_plan_changed(*, audit_id: int, person_id: int, changes: dict, by_id: int | None = None) -> bool:
    """The e-mail plan_changed_fanout queued, with what still holds of `changes` ("due": Part A's due
    date [before, after]; "session": [date before, venue before, date after, venue after]; "lead":
    named or removed). False, and nothing sent, when nothing does, or the person cannot read case
    content (inactive, an administrator) or has no e-mail address."""
    audit = Audit.objects.filter(pk=audit_id).first()
    person = User.objects.filter(pk=person_id).first()
    if audit is None or person is None or not person.email or not person.has_case_access:
        return False
    session = PartBSession.objects.filter(audit=audit).first()
    now = plan_of(audit, session)
    # The agencies the person is the named auditor of, able to act (participants._auditor_mail_context).
    able = [
        p for p in audit.participants.select_related("agency", "auditor").filter(auditor=person) if not p.auditor_unable
    ]
    is_lead = audit.lead_officer_id == person.pk
    context: dict = {"person": person, "audit": audit, "stage": audit.get_status_display()}

    if "due" in changes and now.status in DUE_TOLD and now.part_a_due == _day(changes["due"][1]) and able:
        outstanding = (
            PartAReturn.objects.filter(audit=audit, agency_id__in=[p.agency_id for p in able])
            .exclude(status__in=SUBMITTED_STATUSES)
            .count()
        )
        if outstanding:
            context.update(
                due_changed=True,
                due=_long(now.part_a_due),
                due_before=_long(_day(changes["due"][0])),
                outstanding=outstanding,
            )

    if "session" in changes:
        old_date, old_venue, date, venue = changes["session"]
        if (
            now.status in SESSION_TOLD
            and (now.session_date, now.venue) == (_day(date), venue)
            and _session_to_come(_day(date), _day(old_date), timezone.localdate())
            and (able or is_lead)
        ):
            context.update(
                session=True,
                session_date=_long(_day(date)),
                venue=venue,
                session_date_before=_long(_day(old_date)),
                venue_before=old_venue,
            )

    lead = changes.get("lead")
    if lead and now.status in LEAD_TOLD and (lead == NAMED) == is_lead:
        context["lead"] = lead
        if lead == NAMED:
            # What is planned now: Part A's due date while it is open, and the session.
            due_now = _long(now.part_a_due) if now.status == AuditStatus.PART_A else ""
            # The session only while it is still to come: once held, it is not "on" a past date.
            to_come = now.session_date is not None and now.session_date >= timezone.localdate()
            context.update(
                due_now=due_now,
                session_date_now=_long(now.session_date) if to_come else "",
                venue_now=now.venue if to_come else "",
            )
        elif audit.lead_officer_id:
            context["new_lead"] = audit.lead_officer

    told = [part for part in ("due_changed", "session", "lead") if part in context]
    if not told:
        return False
    url = reverse("audits:dashboard", args=[audit.slug]) if is_lead else reverse("audits:my_returns")
    # Who changed it, to whom a reply goes when it can reach them; else the partnership's contact address.
    by = User.objects.filter(pk=by_id).exclude(pk=person.pk).first() if by_id else None
    changed_by = by if reply_address(by) else None
    context.update(
        is_lead=is_lead, url=f"{settings.SITE_URL}{url}", show_link=is_lead or bool(able), changed_by=changed_by
    )
    if told == ["due_changed"]:
        subject = _("Part A's due date has changed: %(audit)s")
    elif told == ["session"]:
        subject = _("The Part B session has changed: %(audit)s")
    elif context.get("lead") == NAMED:
        subject = _("You now lead the audit: %(audit)s")
    elif told == ["lead"]:
        subject = _("You no longer lead the audit: %(audit)s")
    else:
        subject = _("Changes to the audit: %(audit)s")
    body = render_to_string("emails/plan_changed.txt", context)
    portal_mail_send(subject=subject % {"audit": audit.title}, body=body, to=[person.email], reply_to_person=changed_by)
    return True
