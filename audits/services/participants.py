"""Writes about an audit's participating agencies after Planning: changing an agency's named auditor.

In Planning the agencies and their auditors are set in the admin (audits/admin.py). Once Part A is
open, the agencies stay, but the person an agency named can change (e.g. the auditor is off sick):
the QA manager or the audit's lead officer names someone else here, without sending the whole
audit back to Planning.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.mail import mail_day, portal_mail_send, reply_address
from agencies.models import Agency, Role, User
from agencies.outbox import enqueue
from agencies.passwords import link_lifetime
from agencies.services import AccessAction, access_record
from audits.models import Audit, AuditAgency, AuditStatus, PartAReturn, PartBSession, ReturnStatus
from audits.selectors.parta import SUBMITTED_STATUSES
from audits.selectors.partb import last_change
from audits.selectors.participants import AUDITOR_ROLES, shown_auditor

logger = logging.getLogger(__name__)

# Part A, and Part B, where the named auditors read the evidence boards at the session. Before, the
# plan changes in Planning; after, nobody works as the agency's auditor any more.
AUDITOR_CHANGEABLE = (AuditStatus.PART_A, AuditStatus.PART_B)


def auditor_change_refusal(audit: Audit, user=None) -> str:
    """Why the audit's auditors cannot be changed at its stage, or "" when they can. In Planning, said to
    `user` as who opens Planning: a QA manager; not the audit's lead officer (audits/planning.py), who is
    told to ask one."""
    if audit.status in AUDITOR_CHANGEABLE:
        return ""
    if audit.status == AuditStatus.PLANNING:
        if user is not None and not user.is_qa_manager:
            return _(
                "The audit is in Planning: its agencies and their auditors are set in Planning, which a QA "
                "manager opens: ask a QA manager to change the agency's auditor in Planning."
            )
        return _(
            "The audit is in Planning: its agencies and their auditors are set in Planning, on the audit's page there."
        )
    return _(
        "An agency's auditor changes only while the audit is in Part A or Part B. This audit is at the "
        "%(status)s stage."
    ) % {"status": audit.get_status_display()}


def _auditor_refusal(auditor, agency: Agency) -> str:
    """Why this person cannot be the agency's auditor, or "" when they can."""
    if not auditor.is_active:
        return _("%(name)s's account is not active.") % {"name": auditor}
    if auditor.agency_id != agency.pk:
        return _("%(name)s does not work for %(agency)s.") % {"name": auditor, "agency": agency.name}
    if auditor.role not in AUDITOR_ROLES:
        return _("An auditor is one of the agency's managers or practitioners: %(name)s is not.") % {"name": auditor}
    return ""


class AuditorChangedMeanwhile(ValidationError):
    """The agency's auditor is no longer the one the page showed: somebody else changed it since."""


def participant_auditor_change(
    *, audit: Audit, agency: Agency, auditor, user, request: HttpRequest | None = None, shown: str = ""
) -> AuditAgency:
    """Name `auditor` as `agency`'s auditor for `audit`, in Part A or Part B.

    The agency's Part A returns stay as they are, drafts included. They belong to the agency, and who
    may edit them and read their history follows the assignment (audits.selectors.parta.return_role),
    so they become the new auditor's to continue; the old auditor keeps what any colleague in the
    agency may read. The new auditor is e-mailed, and the one replaced told who continues, through the outbox. Raises PermissionDenied for
    anyone but the QA manager and the audit's lead officer, ValidationError for a change refused.

    `shown`: the auditor the person's page showed (audits.selectors.participants.shown_auditor), when it
    posted one: if somebody else named another since, nothing changes (AuditorChangedMeanwhile, saying who
    is the auditor now, named by whom and when), rather than replacing, unseen, the person just named.
    """
    if not Audit.objects.managed_by(user).filter(pk=audit.pk).exists():
        raise PermissionDenied(_("Only the QA manager and the audit's lead officer change its auditors."))
    with transaction.atomic():
        # Under the audit's row lock: a concurrent move to Reporting waits, or is waited for.
        audit = Audit.objects.select_for_update().get(pk=audit.pk)
        refusal = auditor_change_refusal(audit, user)
        if refusal:
            raise ValidationError(refusal)
        participant = (
            AuditAgency.objects.select_for_update(of=("self",))
            .select_related("auditor")
            .filter(audit=audit, agency=agency)
            .first()
        )
        if participant is None:
            raise ValidationError(_("%(agency)s is not part of this audit.") % {"agency": agency.name})
        if shown and shown != shown_auditor(participant):
            raise AuditorChangedMeanwhile(_changed_meanwhile(participant, agency))
        refusal = _auditor_refusal(auditor, agency)
        if refusal:
            raise ValidationError({"auditor": refusal})
        if participant.auditor_id == auditor.pk:
            raise ValidationError(
                {"auditor": _("%(name)s is already %(agency)s's auditor.") % {"name": auditor, "agency": agency.name}}
            )
        old = participant.auditor
        participant.auditor = auditor
        participant.save(update_fields=["auditor"])
        # Usernames and the agency only: the administrator reads the access log.
        old_name = old.get_username() if old is not None else "(none)"
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=participant,
            summary=f"Auditor for {agency.short_name} changed: {old_name} → {auditor.get_username()}",
        )
        # Who made the change, to whom a reply goes ("I can't do it": _who_acted).
        by_id = getattr(user, "pk", None)
        enqueue("audits.tasks.notify_new_auditor", participant.pk, auditor.pk, by_id)
        if old is not None:  # their next save of a draft is refused: told why, and who has the returns now
            enqueue("agencies.tasks.notify_replaced_auditor", participant.pk, old.pk, by_id)
    return participant


def _changed_meanwhile(participant: AuditAgency, agency: Agency) -> str:
    change = last_change(participant)
    now = participant.auditor or _("nobody")
    if change is None:
        return _(
            "Nothing was changed: %(agency)s's auditor is now %(now)s, not the person this page showed when you "
            "opened it. Check the choice below, then choose “Change the auditor” again if it still stands."
        ) % {"agency": agency.name, "now": now}
    return _(
        "Nothing was changed: while you had this page open, %(who)s named %(now)s as %(agency)s's auditor (at "
        "%(at)s). Check the choice below, then choose “Change the auditor” again if it still stands."
    ) % {
        "who": change.who,
        "now": now,
        "agency": agency.name,
        "at": date_format(timezone.localtime(change.at), "j M Y, H:i"),
    }


def _auditor_mail_context(participant_id: int, auditor_id: int) -> dict | None:
    """What an e-mail to an agency's named auditor says of their returns, or None when there is nobody to
    tell: the person is no longer the one named (replaced again before the e-mail went), or cannot complete
    the returns (inactive, or moved to another agency), or has no e-mail address."""
    participant = (
        AuditAgency.objects.select_related("audit", "agency", "auditor")
        .filter(pk=participant_id, auditor_id=auditor_id)
        .first()
    )
    if participant is None:
        return None
    auditor, audit = participant.auditor, participant.audit
    if not auditor.email or participant.auditor_unable:
        logger.warning("Audit agency %s: no auditor able to complete the returns to tell", participant_id)
        return None
    outstanding = (
        PartAReturn.objects.filter(audit=audit, agency_id=participant.agency_id)
        .exclude(status__in=SUBMITTED_STATUSES)
        .count()
    )
    return {
        "auditor": auditor,
        "audit": audit,
        "agency": participant.agency,
        "part_a_open": audit.status == AuditStatus.PART_A,
        "outstanding": outstanding,
        "due": mail_day(audit.part_a_due) if audit.part_a_due else "",
        "session_held": _session_held(audit),
        "url": f"{settings.SITE_URL}{reverse('audits:my_returns')}",
    }


def _session_held(audit: Audit) -> str:
    """The Part B session's day, as e-mails give it, when it has been held (before today); else "". An auditor
    named, or one no longer able to act, after the session is not told that its boards are read "at the group
    session" (as audits.services.partb's Part B e-mail says a past session was on its date)."""
    if audit.status != AuditStatus.PART_B:
        return ""
    session = PartBSession.objects.filter(audit=audit).only("date").first()
    day = (session.date if session else None) or audit.part_b_date
    return mail_day(day) if day and day < timezone.localdate() else ""


def _who_acted(by_id: int | None, told: User) -> User | None:
    """Who named or replaced an auditor, when a reply to the e-mail can reach them (agencies.mail.reply_address)
    and they are not the person told; else None, and a reply goes to the partnership's contact address."""
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return by if by is not None and by.pk != told.pk and reply_address(by) else None


def email_new_auditor(*, participant_id: int, auditor_id: int, by_id: int | None = None) -> bool:
    """Tell the person just named an agency's auditor, if they still are. False if nobody to tell. A reply goes
    to `by_id`, who named them, when it can reach them."""
    context = _auditor_mail_context(participant_id, auditor_id)
    if context is None:
        return False
    context["named_by"] = _who_acted(by_id, context["auditor"])
    # The reviewer's e-mail about these went to the auditor replaced (or to nobody, once they had left).
    context["returned"] = (
        PartAReturn.objects.filter(
            audit=context["audit"], agency=context["agency"], status=ReturnStatus.RETURNED
        ).count()
        if context["part_a_open"]
        else 0
    )
    subject = _("You are now the auditor for %(agency)s: %(audit)s") % {
        "agency": context["agency"].name,
        "audit": context["audit"].title,
    }
    body = render_to_string("emails/auditor_named.txt", context)
    portal_mail_send(subject=subject, body=body, to=[context["auditor"].email], reply_to_person=context["named_by"])
    return True


def part_a_opened_notify(*, audit: Audit, opened_by=None) -> int:
    """On opening Part A (audits.services.partb.audit_transition, in its transaction): one e-mail per
    named auditor whose agency has returns to complete, and one to the audit's lead officer unless they
    opened it themselves, sent through the outbox once the move is committed. An audit taken back to
    Planning and opened again tells them again: the returns may be new (a case or an agency added).
    Returns how many were queued."""
    participants = audit.participants.filter(auditor__isnull=False).values_list("pk", "auditor_id")
    for participant_id, auditor_id in participants:
        enqueue("audits.tasks.notify_part_a_open", participant_id, auditor_id)
    lead_told = bool(audit.lead_officer_id) and audit.lead_officer_id != getattr(opened_by, "pk", None)
    if lead_told:
        enqueue("audits.tasks.notify_lead_part_a_open", audit.pk, audit.lead_officer_id)
    return len(participants) + lead_told


def email_lead_part_a_open(*, audit_id: int, lead_officer_id: int) -> bool:
    """Tell the audit's lead officer that Part A is open: how many agencies and cases, the due date, which
    agencies have no auditor able to complete their returns, and the link to the progress page. False,
    and nothing sent, when they are no longer its lead officer, cannot read its case content (inactive,
    an administrator), have no e-mail address, or Part A closed before it went. No case content."""
    audit = Audit.objects.select_related("lead_officer").filter(pk=audit_id, lead_officer_id=lead_officer_id).first()
    if audit is None or audit.status != AuditStatus.PART_A:
        return False
    lead = audit.lead_officer
    if not lead.email or not lead.has_case_access:
        return False
    participants = list(audit.participants.select_related("agency", "auditor").order_by("agency__name"))
    context = {
        "lead": lead,
        "audit": audit,
        "agencies": len(participants),
        "cases": audit.cases.count(),
        "without_auditor": [p.agency.name for p in participants if not p.auditor_id or p.auditor_unable],
        "due": mail_day(audit.part_a_due) if audit.part_a_due else "",
        "url": f"{settings.SITE_URL}{reverse('audits:dashboard', args=[audit.slug])}",
    }
    subject = _("Part A is open: %(audit)s") % {"audit": audit.title}
    portal_mail_send(subject=subject, body=render_to_string("emails/parta_open_lead.txt", context), to=[lead.email])
    return True


def email_part_a_open(*, participant_id: int, auditor_id: int) -> bool:
    """Tell an agency's named auditor that Part A is open, with their returns and the due date. False,
    and nothing sent, when there is nobody to tell (_auditor_mail_context), Part A closed before it
    went, or every return of the agency is already sent. An auditor who never chose a password is told how
    to get a new link to choose one."""
    context = _auditor_mail_context(participant_id, auditor_id)
    if context is None or not context["part_a_open"] or not context["outstanding"]:
        return False
    auditor = context["auditor"]
    if not auditor.has_usable_password() and auditor.last_login is None:
        # Invited and never chose a password: the invitation's link works for a few days only, and the returns
        # are opened by signing in. "Forgotten your password?" e-mails a new link to exactly such an account
        # (agencies.passwords.accounts_with_email); not to one whose password was turned off after use.
        context["no_password"] = {
            "lifetime": link_lifetime(),
            "sign_in_url": f"{settings.SITE_URL}{reverse('login')}",
        }
    subject = _("Part A is open: %(audit)s") % {"audit": context["audit"].title}
    body = render_to_string("emails/parta_open.txt", context)
    portal_mail_send(subject=subject, body=body, to=[context["auditor"].email])
    return True


def _replaced_mail_context(participant_id: int, old_id: int) -> dict | None:
    """What the e-mail to a replaced auditor says, or None when there is nobody to tell: their account is
    inactive or has no e-mail address, or they are the agency's auditor again (named back before it went)."""
    participant = AuditAgency.objects.select_related("audit", "agency", "auditor").filter(pk=participant_id).first()
    if participant is None or participant.auditor_id in (None, old_id):
        return None
    old = User.objects.filter(pk=old_id, is_active=True).exclude(email="").first()
    if old is None:
        return None
    return {
        "old": old,
        "auditor": participant.auditor,  # whoever is named now: a later change is the one that counts
        "audit": participant.audit,
        "agency": participant.agency,
        "url": f"{settings.SITE_URL}{reverse('audits:my_returns')}",
    }


def email_replaced_auditor(*, participant_id: int, old_id: int, by_id: int | None = None) -> bool:
    """Tell the auditor just replaced (participant_auditor_change) who continues the agency's returns, so
    that their next save of an open draft is not refused unexplained. False if nobody to tell. A reply goes to
    `by_id`, who replaced them, when it can reach them."""
    context = _replaced_mail_context(participant_id, old_id)
    if context is None:
        return False
    context["changed_by"] = _who_acted(by_id, context["old"])
    subject = _("You are no longer the auditor for %(agency)s: %(audit)s") % {
        "agency": context["agency"].name,
        "audit": context["audit"].title,
    }
    body = render_to_string("emails/auditor_replaced.txt", context)
    portal_mail_send(subject=subject, body=body, to=[context["old"].email], reply_to_person=context["changed_by"])
    return True


def auditor_unable_notify(*, person: User, before: User) -> list[AuditAgency]:
    """After an administrator's change to `person` (`before`: the account as it was), the audits in Part A or
    Part B of which they were an agency's named auditor able to complete its returns, and no longer are
    (deactivated, moved to another agency, given a role that cannot audit: AuditAgency.auditor_unable).
    The agency's reminders stop, so each audit's lead officer and the QA managers are e-mailed, one e-mail
    an audit, through the outbox once the change commits (the audits the person led and no longer can are
    lead_unable_notify's, which the same save calls). Called in the change's transaction. Returns the
    participations affected (with `audit` and `agency`), for the administrator's warning."""
    participants = AuditAgency.objects.filter(auditor_id=person.pk, audit__status__in=AUDITOR_CHANGEABLE)
    participants = participants.select_related("audit", "agency").order_by("audit__title", "agency__name")
    affected = _newly_unable(participants, "auditor", "auditor_unable", person=person, before=before)
    for participant in affected:
        enqueue("agencies.tasks.notify_auditor_unable", participant.pk, person.pk)
    return affected


def _newly_unable(rows, field: str, unable: str, *, person: User, before: User) -> list:
    """The rows naming `person` in `field` whose `unable` property is true of the person now and was not of
    `before` (the account as it was before the administrator's change)."""
    newly = []
    for row in rows:
        setattr(row, field, before)
        was_unable = getattr(row, unable)
        setattr(row, field, person)
        if getattr(row, unable) and not was_unable:
            newly.append(row)
    return newly


# Where an audit's lead officer still leads it: its Part A, Part B and reporting (plan_changes.LEAD_TOLD).
LEAD_NEEDED = (AuditStatus.PART_A, AuditStatus.PART_B, AuditStatus.REPORTING)


def lead_unable_notify(*, person: User, before: User) -> list[Audit]:
    """After an administrator's change to `person` (`before`: the account as it was), the audits under way
    (Part A to Reporting) they lead and no longer can (deactivated, made an administrator:
    Audit.lead_officer_unable). The QA managers, who still run them, are e-mailed to name another lead officer,
    one e-mail an audit, through the outbox once the change commits. Called in the change's transaction (by
    the administrator's save of a person, with auditor_unable_notify). Returns the audits affected, by title,
    for the administrator's warning."""
    audits = Audit.objects.filter(lead_officer_id=person.pk, status__in=LEAD_NEEDED).order_by("title", "pk")
    affected = _newly_unable(audits, "lead_officer", "lead_officer_unable", person=person, before=before)
    for audit in affected:
        enqueue("agencies.tasks.notify_lead_unable", audit.pk, person.pk)
    return affected


def email_lead_unable(*, audit_id: int, lead_id: int) -> bool:
    """The notice of lead_unable_notify: to the active QA managers with an e-mail address (not the person
    themselves), the link to the audit's plan to name another lead officer. False, and nothing sent, when it
    no longer holds (another lead officer was named, the person can lead again, the audit is closed or
    cancelled) or there is nobody to tell. No case content."""
    audit = (
        Audit.objects.select_related("lead_officer")
        .filter(pk=audit_id, lead_officer_id=lead_id, status__in=LEAD_NEEDED)
        .first()
    )
    if audit is None or not audit.lead_officer_unable:
        return False
    qa_managers = User.objects.filter(role=Role.QA_MANAGER, is_active=True).exclude(email="").exclude(pk=lead_id)
    to = list(qa_managers.order_by("pk").values_list("email", flat=True))
    if not to:
        logger.warning("Audit %s: its lead officer cannot lead it and no QA manager to tell", audit_id)
        return False
    lead = audit.lead_officer
    context = {
        "person": lead,
        "reason": _("their account was deactivated")
        if not lead.is_active
        else _("their role changed to %(role)s") % {"role": lead.get_role_display()},
        "audit": audit,
        "stage": audit.get_status_display(),
        "url": f"{settings.SITE_URL}{reverse('admin:audits_audit_change', args=[audit.pk])}",
    }
    subject = _("The audit needs a new lead officer: %(audit)s") % {"audit": audit.title}
    portal_mail_send(subject=subject, body=render_to_string("emails/lead_unable.txt", context), to=to)
    return True


def _unable_because(participant: AuditAgency) -> str:
    """auditor_unable's reason, said without the names the e-mail gives already."""
    auditor = participant.auditor
    if not auditor.is_active:
        return _("their account was deactivated")
    if auditor.role not in AUDITOR_ROLES:  # first: a QA manager or an administrator often has no agency either
        return _("their role changed to %(role)s") % {"role": auditor.get_role_display()}
    return _("they were moved to another agency")


def email_auditor_unable(*, participant_id: int, auditor_id: int) -> bool:
    """The notice of auditor_unable_notify: to the audit's lead officer (if they may read its case content
    and have an e-mail address) and the active QA managers, not the person themselves. False, and nothing
    sent, when it no longer holds: another auditor was named, the person is able again, or the audit has
    left Part A and Part B; or when there is nobody to tell. No case content."""
    participant = (
        AuditAgency.objects.select_related("audit__lead_officer", "agency", "auditor")
        .filter(pk=participant_id, auditor_id=auditor_id, audit__status__in=AUDITOR_CHANGEABLE)
        .first()
    )
    if participant is None or not participant.auditor_unable:
        return False
    audit, lead = participant.audit, participant.audit.lead_officer
    to = [lead.email] if lead is not None and lead.has_case_access and lead.email else []
    qa_managers = User.objects.filter(role=Role.QA_MANAGER, is_active=True).exclude(email="").exclude(pk=auditor_id)
    to += [email for email in qa_managers.order_by("pk").values_list("email", flat=True) if email not in to]
    if not to:
        logger.warning("Audit agency %s: its auditor cannot complete the returns and nobody to tell", participant_id)
        return False
    outstanding = 0
    if audit.status == AuditStatus.PART_A:
        outstanding = (
            PartAReturn.objects.filter(audit=audit, agency_id=participant.agency_id)
            .exclude(status__in=SUBMITTED_STATUSES)
            .count()
        )
    context = {
        "person": participant.auditor,
        "lead_told": lead is not None and lead.email in to,  # greeted as one of the e-mail's readers
        "reason": _unable_because(participant),
        "audit": audit,
        "agency": participant.agency,
        "part_a_open": audit.status == AuditStatus.PART_A,
        "outstanding": outstanding,
        "due": mail_day(audit.part_a_due) if audit.part_a_due else "",
        "session_held": _session_held(audit),
        "url": f"{settings.SITE_URL}{reverse('audits:participant_auditor', args=[audit.slug, participant.agency_id])}",
    }
    subject = _("%(agency)s needs a new auditor: %(audit)s") % {"agency": participant.agency.name, "audit": audit.title}
    portal_mail_send(subject=subject, body=render_to_string("emails/auditor_unable.txt", context), to=to)
    return True
