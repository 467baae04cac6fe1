"""Writes for Part B: the audit's status, the session, consensus judgements, findings, recommendations.

Every function is keyword-only, runs in one transaction and writes one access record
(AccessAction.CHANGE) naming who changed what. A record's summary says what was done to which
object (its number, the case reference, the stage, the kind of finding), never a grade or any
free text: the administrator, who has no access to case content, reads the access log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from agencies.mail import mail_day, portal_mail_send, reply_address
from agencies.models import AGENCY_STAFF_ROLES, Agency, Role, User
from agencies.outbox import enqueue
from agencies.selectors import published_identifier_keys
from agencies.services import AccessAction, access_record
from audits.identifiers import IdentifierMatch, find_identifiers, identifier_key
from audits.models import (
    AGENCY_FINDING_KINDS,
    CANCEL_REASON_MAX,
    AnswerType,
    Attendance,
    AttendanceStatus,
    Audit,
    AuditAgency,
    AuditStatus,
    Case,
    CaseJudgement,
    Finding,
    FindingKind,
    Grade,
    PartAReturn,
    PartBSession,
    Recommendation,
    RecommendationStatus,
    ReturnStatus,
    RiskFactor,
    Section,
    Standard,
    audit_dates_problem,
    far_ahead_problem,
)
from audits.selectors.partb import (
    PROMOTIONS,
    RECEIVED_STATUSES,
    STATUS_HISTORY_PREFIX,
    board_index,
    consensus_marker,
    edit_marker,
    finding_siblings,
    is_received,
    judgement_marker,
    missing_returns,
    promoted_text,
)
from audits.services.insights import recommendation_assigned_notify, recommendations_cancelled_notify
from audits.services.parta import returns_create_for_audit
from audits.services.participants import _auditor_mail_context, part_a_opened_notify
from audits.services.plan_changes import plan_changed_notify, plan_of
from audits.services.retention import retention_date

# Part B work (the session, judgements, findings, what a recommendation says) is recorded while the
# audit is in Part B or Reporting; a closed audit is read-only, apart from tracking its
# recommendations to closure (their status and evidence of impact: recommendation_transition).
PART_B_EDITABLE = (AuditStatus.PART_B, AuditStatus.REPORTING)
RECOMMENDATION_TRACKABLE = (AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED)
RECOMMENDATION_FIXED = _lazy(
    "A recommendation's text, owner and findings are changed while the audit is in Part B or Reporting. Once "
    "the audit is closed, only its status and evidence of impact are tracked, with its due date (more time "
    "given) and where the owner's reminders go."
)
SESSION_EDITABLE = (AuditStatus.PLANNING, AuditStatus.PART_A, AuditStatus.PART_B, AuditStatus.REPORTING)


class MissingReturnsError(Exception):
    """Moving to Part B while returns are still awaited needs an explicit confirmation."""

    def __init__(self, missing: list[PartAReturn]):
        super().__init__(f"{len(missing)} Part A returns are still missing")
        self.missing = missing


def _require_status(audit: Audit, allowed: Iterable[str], what: str) -> None:
    if audit.status not in allowed:
        raise ValidationError(
            _("%(what)s cannot be changed while the audit is %(status)s.")
            % {"what": what, "status": audit.get_status_display().lower()}
        )


def _locked_audit(audit: Audit) -> Audit:
    """Re-read the audit under a row lock, so that two people cannot change its status at once."""
    return Audit.objects.select_for_update().get(pk=audit.pk)


class EditConflict(Exception):
    """A save refused because somebody else changed a field the person changed too, after the
    person's page showed it. `current`: each such field's value now (by the form's field name), to
    show next to what the person typed; `obj`: the record, for who changed it (selectors.last_change)."""

    def __init__(self, current: dict[str, Any], obj=None):
        super().__init__(", ".join(current))
        self.current, self.obj = current, obj

    def merge(self, other: EditConflict) -> None:
        self.current.update(other.current)


def changed_fields(
    posted: dict[str, Any], stored: dict[str, Any], shown: dict[str, str] | None, obj=None
) -> dict[str, Any]:
    """Of the fields posted, those to write: the ones the person changed (what they post differs from
    what their page showed: `shown`, edit markers by field name). A field they left as it was keeps
    whatever is stored now, even if somebody else changed it meanwhile. A field both changed (to
    different values) raises EditConflict: never overwritten unseen. `shown` None (a post that does
    not say what its page showed, or a field it does not name): written as posted."""
    if shown is None:
        return dict(posted)
    changes, conflicts = {}, {}
    for name, value in posted.items():
        seen, mine, now = shown.get(name), edit_marker(value), edit_marker(stored[name])
        if seen is None:
            changes[name] = value
        elif mine in (seen, now):
            continue  # not changed here, or changed to what it already is
        elif now != seen:
            conflicts[name] = stored[name]
        else:
            changes[name] = value
    if conflicts:
        raise EditConflict(conflicts, obj)
    return changes


# --- The identifier guard on Part B's free text ------------------------------------------------

# What a save refuses in Part B's free text (audits/identifiers.py), said next to the field, with what
# was typed kept in it. %(found)s names each flagged detail: "an NHS number (“943 476 5919”)".
IDENTIFIER_REFUSALS = {
    "recommendation": _lazy(
        "The recommendation includes what looks like %(found)s. Write it without anything that could identify "
        "a child: it is printed in the briefings and tracked by its owner, who may be outside the partnership. "
        "What you typed is kept here."
    ),
    "impact_evidence": _lazy(
        "The evidence of impact includes what looks like %(found)s. Write it without anything that could "
        "identify a child: it is read on the recommendation tracker and in its exports. What you typed is kept "
        "here."
    ),
    "reasons": _lazy(
        "Not saved: the reasons include what looks like %(found)s. Give the group's reasons without anything "
        "that could identify a child. What you typed is kept here."
    ),
    "notes": _lazy(
        "The notes include what looks like %(found)s. Write them without anything that could identify a "
        "child. What you typed is kept here."
    ),
    "finding": _lazy(
        "The finding includes what looks like %(found)s. Write it without anything that could identify a "
        "child: findings are printed in the briefings. What you typed is kept here."
    ),
    "promoted": _lazy(
        "Not promoted: the text includes what looks like %(found)s, and findings are printed in the briefings. "
        "Add the finding on the findings page instead, written without it."
    ),
}


def flagged_identifiers(text: str) -> list[IdentifierMatch]:
    """What the identifier guard flags in `text` (an NHS number, a postcode, a phone number, a date
    of birth next to a birth cue, an e-mail address, a record number…), but the partnership's own
    published support numbers and addresses (agencies.selectors.published_identifier_keys, however
    written): they identify a service, not a child. No age band: a date of an event in Part B's text
    is not taken for a date of birth unless a birth cue is next to it (the consistency checks, a
    warning before publishing, also look at the case's age band). One query, only when something is
    flagged."""
    found = find_identifiers(text or "")
    if found:
        published = published_identifier_keys()
        found = [match for match in found if identifier_key(match) not in published]
    return found


def identifier_problem(text: str, what: str) -> str:
    """Why `text` cannot be saved as `what` (a key of IDENTIFIER_REFUSALS), naming what was found; ""
    when nothing is flagged."""
    found = flagged_identifiers(text)
    if not found:
        return ""
    named = ", ".join(f"{match.label} (“{match.text}”)" for match in found)
    return str(IDENTIFIER_REFUSALS[what]) % {"found": named}


# --- The audit's status ------------------------------------------------------------------------


def tool_refusal(version, *, audit: Audit | None = None) -> str:
    """Why Part A cannot open with this tool version, or "": the auditors need standards to answer and,
    for a graded standard, a scale of at least two grades to choose from. Once a return is made with the
    version it can no longer be changed, so an empty one would leave the audit with nothing to submit.
    Every stage needs a standard too, or the auditors are given stages with nothing in them (the message
    names them, and where their standards are added, as the version's page in Planning does); not when
    `audit`'s own returns were already made with the version (opened before, taken back to Planning): they
    keep the tool they were answered with, and its stages can no longer be changed."""
    if not Standard.objects.filter(section__version=version).exists():
        return _(
            "Part A cannot open: the audit's tool version, %(version)s, has no standards. Add its stages and "
            "standards in Planning (Audit tools), or choose another version for the audit."
        ) % {"version": version}
    empty = list(
        Section.objects.filter(version=version, standards__isnull=True)
        .order_by("order")
        .values_list("title", flat=True)
    )
    if empty:
        answered = PartAReturn.objects.filter(tool_version=version)
        if audit is None or not answered.filter(audit=audit).exists():
            values = {"version": version, "stages": ", ".join(empty)}
            if answered.exists():  # by another audit: read-only, a copy can be adapted
                return (
                    ngettext(
                        "Part A cannot open: a stage of the audit's tool version, %(version)s, has no standards: "
                        "%(stages)s. The auditors would find it empty. %(version)s is read-only (Part A returns were "
                        "made with it): in Planning (Audit tools), tick it on the list of tool versions and choose "
                        "“Copy as a new version, to adapt it”, add the stage's standards to the copy or delete the "
                        "stage, then choose the copy for the audit.",
                        "Part A cannot open: these stages of the audit's tool version, %(version)s, have no standards: "
                        "%(stages)s. The auditors would find them empty. %(version)s is read-only (Part A returns were "
                        "made with it): in Planning (Audit tools), tick it on the list of tool versions and choose "
                        "“Copy as a new version, to adapt it”, add the stages' standards to the copy or delete the "
                        "stages, then choose the copy for the audit.",
                        len(empty),
                    )
                    % values
                )
            return (
                ngettext(
                    "Part A cannot open: a stage of the audit's tool version, %(version)s, has no standards: "
                    "%(stages)s. The auditors would find it empty. In Planning (Audit tools), open the version and add "
                    "the standards on the stage's page (“Change” by its title), or with “Add stages and standards "
                    "from a spreadsheet” on the version's page; or delete the stage if the audit does not need it.",
                    "Part A cannot open: these stages of the audit's tool version, %(version)s, have no standards: "
                    "%(stages)s. The auditors would find them empty. In Planning (Audit tools), open the version and "
                    "add the standards on each stage's page (“Change” by its title), or with “Add stages and "
                    "standards from a spreadsheet” on the version's page; or delete the stages the audit does not need.",
                    len(empty),
                )
                % values
            )
    graded = Standard.objects.filter(section__version=version, answer_type=AnswerType.GRADE).exists()
    if graded and version.scale.grades.count() < 2:
        return _(
            "Part A cannot open: the grade scale of %(version)s, %(scale)s, has fewer than two grades. Add its "
            "grades in Planning (Grade scales), or choose another version for the audit."
        ) % {"version": version, "scale": version.scale}
    return ""


def returns_waiting_for_an_auditor(audit: Audit) -> list[str]:
    """After Part A opened: for each agency whose returns nobody can complete (no auditor named, or the one
    named cannot: AuditAgency.auditor_unable), a sentence saying so, how many returns wait, and what to do.
    Not a refusal: the auditor is named later, on the audit's page (Change auditor), and is then e-mailed.
    The lead officer's e-mail (participants.email_lead_part_a_open) names the same agencies. One query, two
    when some agency has nobody."""
    participants = [
        p
        for p in audit.participants.select_related("agency", "auditor").order_by("agency__name")
        if not p.auditor_id or p.auditor_unable
    ]
    if not participants:
        return []
    waiting = dict(
        PartAReturn.objects.filter(audit=audit, agency__in=[p.agency_id for p in participants])
        .exclude(status__in=RECEIVED_STATUSES)
        .values("agency")
        .annotate(n=Count("pk"))
        .values_list("agency", "n")
    )
    said = []
    for participant in participants:
        count = waiting.get(participant.agency_id, 0)
        if not count:
            continue  # every return of the agency already sent (opened again): nothing waits
        values = {"agency": participant.agency.name, "count": count, "reason": participant.auditor_unable}
        if not participant.auditor_id:
            text = ngettext(
                "%(agency)s has no auditor: its return waits until you name one (“Change auditor” in the "
                "Auditors table below).",
                "%(agency)s has no auditor: its %(count)d returns wait until you name one (“Change auditor” in "
                "the Auditors table below).",
                count,
            )
        else:
            text = ngettext(
                "%(agency)s's auditor cannot complete its return (%(reason)s): it waits until you name another "
                "(“Change auditor” in the Auditors table below).",
                "%(agency)s's auditor cannot complete its %(count)d returns (%(reason)s): they wait until you "
                "name another (“Change auditor” in the Auditors table below).",
                count,
            )
        said.append(text % values)
    return said


def part_b_left_unfinished(audit: Audit) -> list[str]:
    """After the audit moved on from Part B to Reporting (at the end of the session): what Part B left
    unfinished, a sentence each, with what to do. Not a refusal: a consensus judgement is still recorded in
    Reporting, and the audit can go back to Part B. The cases whose consensus is not complete (a stage or
    the case overall not recorded), and the returns submitted and not accepted, which are accepted only
    during Part A or Part B. Three queries."""
    said = []
    cases, stages = board_index(audit)
    open_cases = [row.case.reference for row in cases if row.overall is None or row.stages_judged < stages]
    if open_cases:
        said.append(
            ngettext(
                "The consensus is not complete for %(cases)s (a stage or the case overall not recorded): it can "
                "still be recorded on its evidence board in Reporting, which the auditors no longer read.",
                "The consensus is not complete for %(cases)s (a stage or the case overall not recorded): it can "
                "still be recorded on their evidence boards in Reporting, which the auditors no longer read.",
                len(open_cases),
            )
            % {"cases": ", ".join(open_cases)}
        )
    unaccepted = [
        f"{ret.case.reference}: {ret.agency.name}"
        for ret in PartAReturn.objects.filter(audit=audit, status=ReturnStatus.SUBMITTED)
        .select_related("case", "agency")
        .order_by("case__order", "case__reference", "agency__name")
    ]
    if unaccepted:
        said.append(
            ngettext(
                "%(count)d return was submitted and not accepted (%(returns)s): a return is accepted only during "
                "Part A or Part B. Go back to Part B to accept it.",
                "%(count)d returns were submitted and not accepted (%(returns)s): a return is accepted only during "
                "Part A or Part B. Go back to Part B to accept them.",
                len(unaccepted),
            )
            % {"count": len(unaccepted), "returns": "; ".join(unaccepted)}
        )
    return said


def _no_cases_or_agencies(audit: Audit, user) -> str:
    """Why Part A cannot open an audit without cases or participating agencies: what it lacks and where they
    are added (the sections of the audit's page in Planning, audits.admin's CaseInline and ParticipantInline),
    as tool_refusal says where a stage's standards are added. A lead officer does not open Planning: a QA
    manager adds them."""
    has_cases, has_agencies = audit.cases.exists(), audit.participants.exists()
    if not has_cases and not has_agencies:
        lacks = _("Part A cannot open: the audit has no cases and no participating agencies yet.")
    elif not has_cases:
        lacks = _("Part A cannot open: the audit has no cases yet.")
    else:
        lacks = _("Part A cannot open: the audit has no participating agencies yet.")
    if user.is_qa_manager:
        where = _(
            "It needs at least one case and one participating agency. Add them in Planning (Audits), on the "
            "audit's page: each case under “Cases” and each agency with its named auditor under “Agencies and "
            "their auditors”; save the plan, then open Part A again."
        )
    else:
        where = _(
            "It needs at least one case and one participating agency. A QA manager adds them in Planning "
            "(Audits), on the audit's page: each case under “Cases” and each agency with its named auditor under "
            "“Agencies and their auditors”."
        )
    return f"{lacks} {where}"


def audit_transition(
    *, request: HttpRequest | None = None, user, audit: Audit, to_status: str, confirm_missing: bool = False
) -> Audit:
    """Move the audit to the next stage (AUDIT_TRANSITIONS). Raises ValidationError for a move that
    is not allowed, MissingReturnsError for a move to Part B with returns still missing."""
    with transaction.atomic():
        audit = _locked_audit(audit)
        old_label = audit.get_status_display()
        if not audit.can_move_to(to_status):
            raise ValidationError(
                _("An audit cannot move from %(old)s to %(new)s.")
                % {"old": old_label, "new": AuditStatus(to_status).label if to_status in AuditStatus else to_status}
            )
        note = ""
        if to_status == AuditStatus.PART_A and audit.status == AuditStatus.PLANNING:
            if not audit.cases.exists() or not audit.participants.exists():
                raise ValidationError(_no_cases_or_agencies(audit, user))
            if refusal := tool_refusal(audit.tool_version, audit=audit):
                if not user.is_qa_manager:
                    # The audit's lead officer opens Part A but not Planning, where the change is made.
                    refusal = f"{refusal} " + _(
                        "A QA manager makes this change in Planning, which the audit's lead officer does not open: "
                        "ask one."
                    )
                raise ValidationError(refusal)
            returns_create_for_audit(audit=audit, user=user, request=request)
            part_a_opened_notify(audit=audit, opened_by=user)  # the auditors and the lead, once committed
        if to_status == AuditStatus.PART_B and audit.status == AuditStatus.PART_A:
            missing = missing_returns(audit)
            if missing and not confirm_missing:
                raise MissingReturnsError(missing)
            if missing:
                note = f" with {len(missing)} returns missing"
            PartBSession.objects.get_or_create(audit=audit, defaults={"date": audit.part_b_date})
            part_b_opened_notify(audit=audit)  # the auditors, once committed
        if to_status == AuditStatus.CLOSED:
            audit.closed_at = timezone.now()
        audit.status = to_status
        audit.save(update_fields=["status", "closed_at"])
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=audit,
            # Not translated: the dashboard finds the status history by this prefix.
            summary=f"{STATUS_HISTORY_PREFIX} from {old_label} to {audit.get_status_display()}{note}",
        )
    return audit


def audit_cancel(*, request: HttpRequest | None = None, user, audit: Audit, reason: str) -> Audit:
    """Cancel an audit that will not go ahead, from Planning, Part A or Part B (CANCELLABLE_STATUSES;
    not from Reporting or Closed, where briefings may exist), giving a reason. Final: nothing more is
    done in it (every service whitelists the statuses it works in), its work stays readable as it is,
    and it is purged on the closed audits' clock, counted from now (services.retention). Whoever may
    move the audit's status may cancel it (the QA manager, the audit's lead officer): PermissionDenied
    for anyone else, ValidationError for no reason or a stage it cannot be cancelled from. Each named
    auditor and the lead officer are e-mailed once, after the commit (audit_cancelled_notify)."""
    if not Audit.objects.managed_by(user).filter(pk=audit.pk).exists():
        raise PermissionDenied(_("Only the QA manager and the audit's lead officer cancel an audit."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the audit is cancelled: the people told are given the reason.")})
    if len(reason) > CANCEL_REASON_MAX:
        raise ValidationError(
            {"reason": _("Write the reason in at most %(limit)d characters.") % {"limit": CANCEL_REASON_MAX}}
        )
    if found := flagged_identifiers(reason):
        # E-mailed and shown on the audit's pages: it must not identify a child (the partnership's own
        # published support lines may be named).
        raise ValidationError(
            {
                "reason": _(
                    "The reason includes what looks like %(found)s. Say why without anything that could identify "
                    "a child: it is e-mailed to the audit team."
                )
                % {"found": ", ".join(f"{match.label} (“{match.text}”)" for match in found)}
            }
        )
    with transaction.atomic():
        audit = _locked_audit(audit)
        old_label = audit.get_status_display()
        if audit.is_cancelled:  # by somebody else meanwhile, or this form sent twice
            raise ValidationError(
                _("This audit was already cancelled, on %(when)s by %(who)s.")
                % {
                    "when": date_format(timezone.localtime(audit.cancelled_at), "j F Y"),
                    "who": audit.cancelled_by or _("somebody no longer on the portal"),
                }
            )
        if not audit.can_cancel:
            raise ValidationError(
                _("An audit is cancelled only in Planning, Part A or Part B. This audit is at the %(status)s stage.")
                % {"status": old_label}
            )
        if published := _published_briefings(audit):
            # Back in Part B after Reporting: a cancelled audit's briefings could be neither corrected nor
            # withdrawn by anyone (its composer is read-only), yet readers would still download them.
            raise ValidationError(
                _(
                    "This audit has a published briefing (%(editions)s). Withdraw it from the audit's briefings "
                    "first, saying why, so that its readers are asked to delete their copies; then cancel the audit."
                )
                % {"editions": ", ".join(published)}
            )
        audit.status = AuditStatus.CANCELLED
        audit.cancelled_at = timezone.now()
        audit.cancelled_by = user
        audit.cancel_reason = reason
        audit.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=audit,
            # Not translated: the dashboard finds the status history by this prefix. Not the reason:
            # free text, and the administrator reads the access log.
            summary=f"{STATUS_HISTORY_PREFIX} from {old_label} to {audit.get_status_display()}",
        )
        audit_cancelled_notify(audit=audit)
    return audit


def _published_briefings(audit: Audit) -> list[str]:
    """The editions of the audit with a version published and not withdrawn, "Managers' briefing version 2"."""
    from briefings.models import BriefingVersion  # briefings build on audits, not the other way round

    versions = (
        BriefingVersion.objects.filter(briefing__audit=audit, withdrawn_at__isnull=True)
        .select_related("briefing")
        .order_by("briefing__edition", "number")
    )
    return [
        _("%(edition)s version %(number)d") % {"edition": v.briefing.get_edition_display(), "number": v.number}
        for v in versions
    ]


def audit_cancelled_notify(*, audit: Audit) -> int:
    """One e-mail per person through the outbox, once the cancellation is committed: each named
    auditor and the lead officer (once, if they are both), not who cancelled it; when the lead officer
    cancelled it, the QA managers instead, who run every audit. Returns how many were queued."""
    people = set(audit.participants.filter(auditor__isnull=False).values_list("auditor_id", flat=True))
    if audit.lead_officer_id:
        people.add(audit.lead_officer_id)
    canceller = audit.cancelled_by
    if canceller is not None and not canceller.is_qa_manager:
        people.update(User.objects.filter(role=Role.QA_MANAGER, is_active=True).values_list("pk", flat=True))
    people.discard(audit.cancelled_by_id)
    for person_id in sorted(people):
        enqueue("audits.tasks.notify_audit_cancelled", audit.pk, person_id)
    # The owners of its open recommendations (Part B's), who were told they are assigned to them: not at an
    # address of somebody told above, nor of who cancelled it.
    team = set(people) | ({audit.cancelled_by_id} if audit.cancelled_by_id else set())
    told = {email.lower() for email in User.objects.filter(pk__in=team).values_list("email", flat=True) if email}
    recommendations_cancelled_notify(audit=audit, exclude=told)
    return len(people)


def email_audit_cancelled(*, audit_id: int, person_id: int) -> bool:
    """Tell a named auditor or the lead officer that the audit was cancelled: why, that there is nothing
    more to do, and that their drafts are kept, read-only, until the retention date. False, and nothing
    sent, when the audit is not cancelled, the person is neither any more, cannot read case content
    (inactive, an administrator) or has no e-mail address. A named auditor who can no longer act for the
    agency (moved to another agency, given a role that cannot audit: AuditAgency.auditor_unable, as
    participants._auditor_mail_context skips for the other auditors' e-mails) is not told either: the
    reason given is free text, which may say something of the cases. No case content otherwise."""
    audit = Audit.objects.select_related("cancelled_by").filter(pk=audit_id, status=AuditStatus.CANCELLED).first()
    person = User.objects.filter(pk=person_id).first()
    if audit is None or person is None or not person.email or not person.is_active or not person.has_case_access:
        return False
    # The QA managers, who run every audit, read it as its lead officer does: told when they lead it, or when
    # the QA managers are (somebody else cancelled it: audit_cancelled_notify), not as a former named auditor.
    canceller = audit.cancelled_by
    qa_told = person.is_qa_manager and (canceller is None or not canceller.is_qa_manager)
    is_lead = audit.lead_officer_id == person.pk or qa_told
    if not is_lead and not (
        person.role in AGENCY_STAFF_ROLES
        and audit.participants.filter(auditor_id=person.pk, agency_id=person.agency_id).exists()
    ):
        return False
    url = reverse("audits:dashboard", args=[audit.slug]) if is_lead else reverse("audits:my_returns")
    context = {
        "person": person,
        "audit": audit,
        "is_lead": is_lead,
        "cancelled_on": date_format(timezone.localtime(audit.cancelled_at), "j F Y"),
        "cancelled_by": audit.cancelled_by or _("somebody no longer on the portal"),
        # A reply ("what of my drafts?") reaches who cancelled it, when they can read it (agencies.mail).
        "reply_to_canceller": bool(reply_address(audit.cancelled_by)),
        "reason": audit.cancel_reason,
        # Cancelled in Planning, before Part A made any return: nothing was written to keep.
        "has_returns": PartAReturn.objects.filter(audit=audit).exists(),
        "kept_until": date_format(timezone.localtime(retention_date(audit)), "j F Y"),
        "url": f"{settings.SITE_URL}{url}",
    }
    subject = _("Audit cancelled: %(audit)s") % {"audit": audit.title}
    portal_mail_send(
        subject=subject,
        body=render_to_string("emails/audit_cancelled.txt", context),
        to=[person.email],
        reply_to_person=audit.cancelled_by,
    )
    return True


def part_b_opened_notify(*, audit: Audit) -> int:
    """On moving from Part A to Part B (audit_transition, in its transaction): one e-mail per agency's
    named auditor, through the outbox once the move is committed: the returns they had not sent are now
    closed, and where and when the session is. Not on a move back to Planning. Returns how many were
    queued."""
    participants = audit.participants.filter(auditor__isnull=False).values_list("pk", "auditor_id")
    for participant_id, auditor_id in participants:
        enqueue("audits.tasks.notify_part_b_open", participant_id, auditor_id)
    return len(participants)


def email_part_b_open(*, participant_id: int, auditor_id: int) -> bool:
    """Tell an agency's named auditor that Part A is closed: how many of the agency's returns were sent and
    how many were not (closed now), the Part B session's date and venue if set, and the link to their
    returns (and, from there, the evidence boards). False, and nothing sent, when there is nobody to tell
    (participants._auditor_mail_context: replaced, unable to act, no e-mail address) or the audit is no
    longer in Part B when it goes. No case content."""
    context = _auditor_mail_context(participant_id, auditor_id)
    if context is None or context["audit"].status != AuditStatus.PART_B:
        return False
    audit = context["audit"]
    session = PartBSession.objects.filter(audit=audit).first()
    session_date = (session.date if session else None) or audit.part_b_date
    returns = PartAReturn.objects.filter(audit=audit, agency=context["agency"]).count()
    context.update(
        {
            "sent": returns - context["outstanding"],
            "not_sent": context["outstanding"],
            "session_date": mail_day(session_date) if session_date else "",
            # An audit recorded after the event, or moved on after its session: not "the session is on" a past
            # date, as the e-mail that every return is accepted says too (parta._email_all_accepted).
            "session_past": session_date is not None and session_date < timezone.localdate(),
            "venue": session.venue if session else "",
        }
    )
    subject = _("Part A is closed: %(audit)s") % {"audit": audit.title}
    body = render_to_string("emails/partb_open.txt", context)
    portal_mail_send(subject=subject, body=body, to=[context["auditor"].email])
    return True


# --- Part B session ----------------------------------------------------------------------------


def session_update(
    *,
    request: HttpRequest | None = None,
    user,
    audit: Audit,
    date: datetime.date | None,
    venue: str,
    notes: str = "",
    chair: str | None = None,
    other_attendees: str | None = None,
    shown: dict[str, str] | None = None,
) -> PartBSession:
    """The session's details. The chair and the other attendees (one a line) are left as they are
    when not given (None). `shown`: what the page showed of each (edit markers): only what the
    person changed is written, and EditConflict raised for what somebody else changed meanwhile.
    Changed notes are refused while the identifier guard flags something in them (ValidationError by
    "notes"). A changed date or venue is e-mailed to the named auditors and the lead officer while Part A
    or Part B is open and the session is still to come (services.plan_changes)."""
    with transaction.atomic():
        _require_status(audit, SESSION_EDITABLE, _("The Part B session"))
        session, _created = PartBSession.objects.select_for_update().get_or_create(
            audit=audit, defaults={"date": audit.part_b_date}
        )
        before = plan_of(audit, session)
        posted = {"date": date, "venue": venue, "notes": notes, "chair": chair, "other_attendees": other_attendees}
        posted = {name: value for name, value in posted.items() if value is not None or name == "date"}
        stored = {name: getattr(session, name) for name in posted}
        changes = changed_fields(posted, stored, shown, session)
        if "notes" in changes and (problem := identifier_problem(changes["notes"], "notes")):
            raise ValidationError({"notes": problem})
        for name, value in changes.items():
            setattr(session, name, value)
        problem = audit_dates_problem(audit.part_a_due, session.date)
        if problem:
            raise ValidationError({"date": problem})
        session.full_clean(exclude=["audit"])
        session.save()
        # The audit's own Part B date is what briefings print: keep the two the same.
        Audit.objects.filter(pk=audit.pk).update(part_b_date=session.date)
        audit.part_b_date = session.date
        access_record(
            request=request, user=user, action=AccessAction.CHANGE, obj=session, summary=f"Part B session of {audit}"
        )
        # Told only when the date or venue changed, once committed, leaving out who changed it.
        plan_changed_notify(audit=audit, before=before, after=plan_of(audit, session), user=user)
    return session


def attendance_record(
    *,
    request: HttpRequest | None = None,
    user,
    audit: Audit,
    statuses: dict[int, str],
    shown: dict[str, str] | None = None,
) -> PartBSession:
    """Record who attended: {AuditAgency id: present | apologies | "" (not recorded)}. `shown`:
    what the page showed for each agency (edit markers by the form's field name, participant_<id>):
    only what the person changed is written, and EditConflict raised for what somebody else changed
    meanwhile. A status written records the agency's named auditor then as its attendee; a status
    left as it was keeps the person it was recorded for, even if the agency's auditor was changed
    since (the record of the session names who attended, not who finished the returns)."""
    with transaction.atomic():
        _require_status(audit, PART_B_EDITABLE, _("Attendance"))
        session, _created = PartBSession.objects.get_or_create(audit=audit, defaults={"date": audit.part_b_date})
        participants = {p.pk: p for p in AuditAgency.objects.filter(audit=audit).select_related("auditor")}
        for participant_id, status in statuses.items():
            if participant_id not in participants:
                raise ValidationError(_("That agency does not take part in this audit."))
            if status and status not in AttendanceStatus.values:
                raise ValidationError(_("Unknown attendance status."))
        recorded = dict(
            Attendance.objects.select_for_update().filter(session=session).values_list("participant_id", "status")
        )
        posted = {f"participant_{pk}": status for pk, status in statuses.items()}
        stored = {f"participant_{pk}": recorded.get(pk, "") for pk in statuses}
        changes = changed_fields(posted, stored, shown, session)
        for participant_id, status in statuses.items():
            if f"participant_{participant_id}" not in changes or status == recorded.get(participant_id, ""):
                continue  # not changed: the person it was recorded for stays named
            recorded[participant_id] = status
            if status:
                attendee = Attendance.name_of(participants[participant_id].auditor)
                Attendance.objects.update_or_create(
                    session=session, participant_id=participant_id, defaults={"status": status, "attendee": attendee}
                )
            else:
                Attendance.objects.filter(session=session, participant_id=participant_id).delete()
        present = sum(1 for s in recorded.values() if s == AttendanceStatus.PRESENT)
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=session,
            summary=f"Attendance recorded: {present} of {len(participants)} agencies present",
        )
    return session


def session_record(
    *,
    request: HttpRequest | None = None,
    user,
    audit: Audit,
    details: dict | None,
    statuses: dict[int, str] | None,
    attendance_shown: dict[str, str] | None = None,
) -> PartBSession:
    """The session page's one save: its details (the keywords of session_update: date, venue,
    notes, chair, other attendees, what the page showed of them; None: left as they are) and which
    agencies attended (as attendance_record; None: left as it is), together. EditConflict names
    every field of both that somebody else changed meanwhile; nothing is saved then."""
    conflict = None
    with transaction.atomic():
        if details is not None:
            try:
                session_update(request=request, user=user, audit=audit, **details)
            except EditConflict as found:
                conflict = found
        if statuses is not None:
            try:
                attendance_record(request=request, user=user, audit=audit, statuses=statuses, shown=attendance_shown)
            except EditConflict as found:
                if conflict is None:
                    conflict = found
                else:
                    conflict.merge(found)
        if conflict is not None:
            raise conflict
        return PartBSession.objects.get_or_create(audit=audit, defaults={"date": audit.part_b_date})[0]


# --- Consensus judgements ----------------------------------------------------------------------


def judgement_record(
    *,
    request: HttpRequest | None = None,
    user,
    case: Case,
    section: Section | None,
    grade: Grade,
    reasons: str,
    check_reasons: bool = True,
) -> CaseJudgement:
    """The group's consensus for one journey stage of a case, or for the case overall (section None).
    Reasons the identifier guard flags are refused (ValidationError by "reasons", naming what was found)
    when they are written (`check_reasons`: False when they are the ones recorded before the guard,
    left as they were while the grade changes)."""
    audit = case.audit
    with transaction.atomic():
        _require_status(audit, PART_B_EDITABLE, _("Consensus judgements"))
        if section is not None and section.version_id != audit.tool_version_id:
            raise ValidationError(_("That stage is not in this audit's tool."))
        if grade.scale_id != audit.tool_version.scale_id:
            raise ValidationError(_("That grade is not on this audit's scale."))
        if check_reasons and (problem := identifier_problem(reasons, "reasons")):
            raise ValidationError({"reasons": problem})
        judgement, _created = CaseJudgement.objects.update_or_create(
            case=case, section=section, defaults={"grade": grade, "reasons": reasons.strip(), "recorded_by": user}
        )
        stage = section.title if section else "overall"
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=judgement,
            summary=f"Consensus judgement recorded for {case.reference} ({stage})",
        )
    return judgement


@dataclass
class ConsensusEntry:
    """One stage's consensus (section None: the case overall's) as posted from the evidence board."""

    section: Section | None
    prefix: str  # the fields' prefix: stage-<pk> or overall
    label: str  # the stage's title, or "the case overall"
    grade: Grade | None = None
    grade_id: int | None = None  # the grade as posted, to show it again
    reasons: str = ""
    # judgement_marker of the judgement the page showed (None: not checked). After a conflict the
    # board keeps posting it, so that saving again (for another stage, say) never replaces theirs
    # unless the person ticks "replace" (`replace`: the marker of the judgement they were shown then).
    shown: str | None = None
    replace: str | None = None
    outcome: str = ""  # one of the CONSENSUS_* below ("" until judgements_record has looked at it)
    error: str = ""  # why it was not saved, printed next to its fields


CONSENSUS_SAVED, CONSENSUS_UNCHANGED = "saved", "unchanged"
CONSENSUS_CONFLICT, CONSENSUS_NO_GRADE, CONSENSUS_INVALID = "conflict", "no_grade", "invalid"
CONSENSUS_IDENTIFIER = "identifier"  # reasons the identifier guard flags (identifier_problem)
CONSENSUS_REFUSED = "refused"  # the whole save refused (consensus_refused): the audit moved on meanwhile


def reasons_written(existing: CaseJudgement | None, reasons: str) -> bool:
    """Whether a save writes these reasons: new, or not those recorded (a grade changed alone keeps
    reasons recorded before the identifier guard, which are checked once they are next changed)."""
    return existing is None or reasons != (existing.reasons or "").strip()


CONSENSUS_CONFLICT_ERROR = _lazy(
    "Not saved: somebody else recorded this judgement after you opened the board. Theirs is shown above; "
    "what you typed is kept here. To record yours instead, tick “Replace their judgement with mine” and save."
)


def judgements_record(
    *, request: HttpRequest | None = None, user, case: Case, entries: list[ConsensusEntry]
) -> list[ConsensusEntry]:
    """Every consensus judgement posted from a case's evidence board, in one transaction. Only the
    stages the person changed (what they post differs from what the page showed them) are looked
    at: each is recorded (judgement_record: one access record each) unless somebody else recorded
    that stage after the page was opened (conflict: never overwritten unseen), its reasons hold
    what the identifier guard flags (identifier: the error names it) or it has reasons without a
    grade (no_grade). The others are left as they are (unchanged), whatever was recorded
    for them meanwhile. The board shows the text of a conflict, identifier or no_grade entry again,
    unsaved, with its `error`."""
    with transaction.atomic():
        # The audit's row locked first: a save of the same board at the same moment waits for this one and
        # then sees its judgements (a first judgement of a stage has no row to lock), and the audit's
        # status cannot move meanwhile.
        _require_status(_locked_audit(case.audit), PART_B_EDITABLE, _("Consensus judgements"))
        current = {j.section_id: j for j in CaseJudgement.objects.select_for_update().filter(case=case)}
        for entry in entries:
            existing = current.get(entry.section.pk if entry.section else None)
            reasons = entry.reasons.strip()
            posted = consensus_marker(entry.grade.pk if entry.grade else None, reasons)
            recorded = judgement_marker(existing)
            # What the page showed, or, with "replace" ticked, the judgement it showed as theirs.
            shown = entry.replace if entry.replace is not None else entry.shown
            if posted == recorded or (shown is not None and posted == shown):
                entry.outcome = CONSENSUS_UNCHANGED  # not changed by this person: nothing to record
            elif shown is not None and shown != recorded:
                entry.outcome, entry.error = CONSENSUS_CONFLICT, str(CONSENSUS_CONFLICT_ERROR)
            elif reasons_written(existing, reasons) and (problem := identifier_problem(reasons, "reasons")):
                entry.outcome, entry.error = CONSENSUS_IDENTIFIER, problem
            elif entry.grade is None:
                entry.outcome = CONSENSUS_NO_GRADE
                entry.error = _("Not saved: choose a consensus grade to record this judgement. Your reasons are kept.")
            else:
                judgement_record(
                    request=request,
                    user=user,
                    case=case,
                    section=entry.section,
                    grade=entry.grade,
                    reasons=reasons,
                    check_reasons=reasons_written(existing, reasons),
                )
                entry.outcome = CONSENSUS_SAVED
    return entries


def consensus_refused(entries: list[ConsensusEntry], reason: str) -> list[ConsensusEntry]:
    """After judgements_record refused a board's save as a whole (ValidationError, `reason`: the audit
    is no longer in Part B or Reporting), nothing recorded: the entries to show again as typed, each
    with why. Those the person changed (what they post differs from what the page showed) or that
    could not be read (their own error); the others are left out, as unchanged."""
    refused = []
    for entry in entries:
        posted = consensus_marker(entry.grade.pk if entry.grade else None, entry.reasons.strip())
        if entry.error:
            refused.append(entry)
        elif posted != (entry.shown or ""):
            entry.outcome = CONSENSUS_REFUSED
            entry.error = _("Not saved: %(reason)s What you typed is kept here.") % {"reason": reason}
            refused.append(entry)
        else:
            entry.outcome = CONSENSUS_UNCHANGED
    return refused


# --- Findings ----------------------------------------------------------------------------------


def _finding_ref(finding: Finding) -> str:
    """How the access log names a finding: its number and kind, never its text (the administrator,
    who has no access to case content, reads the log)."""
    return f"#{finding.pk} ({FindingKind(finding.kind).label})"


def risk_factor_get_or_create(*, name: str) -> RiskFactor:
    """The shared taxonomy grows from the findings editor: reuse an entry with the same name or slug."""
    name = " ".join(name.split())
    slug = slugify(name)[:160]
    if not slug:
        raise ValidationError(_("A risk factor needs a name."))
    existing = RiskFactor.objects.filter(name__iexact=name).first() or RiskFactor.objects.filter(slug=slug).first()
    if existing:
        return existing
    return RiskFactor.objects.create(name=name[:160], slug=slug)


def _check_finding(audit: Audit, kind: str, agency: Agency | None, heading: str, body: str) -> None:
    if kind not in FindingKind.values:
        raise ValidationError(_("Unknown kind of finding."))
    if kind in AGENCY_FINDING_KINDS:
        if agency is None:
            raise ValidationError(_("Choose the agency this finding is about."))
        if not audit.participants.filter(agency=agency).exists():
            raise ValidationError(_("That agency does not take part in this audit."))
    elif agency is not None:
        raise ValidationError(_("Only agency strengths and areas for improvement name an agency."))
    if not heading.strip() and not body.strip():
        raise ValidationError(_("Write a heading or some text."))


def _check_finding_text(**texts: str) -> None:
    """Refuse a finding's heading or text (those being written: `texts` by field name) while it holds
    what the identifier guard flags: findings are printed in the briefings. ValidationError by field."""
    problems = {name: problem for name, text in texts.items() if (problem := identifier_problem(text, "finding"))}
    if problems:
        raise ValidationError(problems)


def _set_citations(
    finding: Finding,
    *,
    cases: Iterable[Case] | None,
    returns: Iterable[PartAReturn] | None,
    risk_factors: Iterable[RiskFactor] | None,
    new_risk_factor: str,
) -> None:
    if cases is not None:
        cases = list(cases)
        if any(c.audit_id != finding.audit_id for c in cases):
            raise ValidationError(_("A finding can only cite cases of its own audit."))
        finding.cases.set(cases)
    if returns is not None:
        returns = list(returns)
        if any(r.audit_id != finding.audit_id for r in returns):
            raise ValidationError(_("A finding can only cite returns of its own audit."))
        finding.returns.set(returns)
    if risk_factors is not None or new_risk_factor.strip():
        factors = list(risk_factors) if risk_factors is not None else list(finding.risk_factors.all())
        if new_risk_factor.strip():
            factors.append(risk_factor_get_or_create(name=new_risk_factor))
        finding.risk_factors.set(factors)


FINDING_GONE = _lazy(
    "This finding was deleted meanwhile, by somebody else or on another page: nothing was changed. "
    "Add it again as a new finding if it is still needed."
)


def _locked_finding(finding: Finding) -> Finding:
    """The finding read again under a row lock (its audit's too, so that the audit's status cannot move
    meanwhile), as it is now; refused (FINDING_GONE) once deleted since the page (or the view) read it."""
    locked = Finding.objects.select_for_update().select_related("audit").filter(pk=finding.pk).first()
    if locked is None:
        raise ValidationError(str(FINDING_GONE))
    return locked


def _next_order(audit: Audit, kind: str, agency: Agency | None) -> int:
    siblings = Finding.objects.filter(audit=audit, kind=kind)
    if kind in AGENCY_FINDING_KINDS:
        siblings = siblings.filter(agency=agency)
    top = siblings.aggregate(top=Max("order"))["top"]
    return 0 if top is None else top + 1


def finding_add(
    *,
    request: HttpRequest | None = None,
    user,
    audit: Audit,
    kind: str,
    heading: str = "",
    body: str = "",
    agency: Agency | None = None,
    cases: Iterable[Case] | None = None,
    returns: Iterable[PartAReturn] | None = None,
    risk_factors: Iterable[RiskFactor] | None = None,
    new_risk_factor: str = "",
) -> Finding:
    with transaction.atomic():
        # Locked: two findings added at the same moment take the next place each, not the same one.
        audit = _locked_audit(audit)
        _require_status(audit, PART_B_EDITABLE, _("Findings"))
        _check_finding(audit, kind, agency, heading, body)
        _check_finding_text(heading=heading, body=body, new_risk_factor=new_risk_factor)
        finding = Finding.objects.create(
            audit=audit,
            kind=kind,
            heading=heading.strip(),
            body=body.strip(),
            agency=agency,
            order=_next_order(audit, kind, agency),
        )
        _set_citations(
            finding, cases=cases, returns=returns, risk_factors=risk_factors, new_risk_factor=new_risk_factor
        )
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=finding,
            summary=f"Finding added: {_finding_ref(finding)}",
        )
    return finding


FINDING_CITATIONS = ("cases", "returns", "risk_factors")


def finding_update(
    *,
    request: HttpRequest | None = None,
    user,
    finding: Finding,
    heading: str,
    body: str,
    agency: Agency | None = None,
    cases: Iterable[Case] | None = None,
    returns: Iterable[PartAReturn] | None = None,
    risk_factors: Iterable[RiskFactor] | None = None,
    new_risk_factor: str = "",
    shown: dict[str, str] | None = None,
) -> Finding:
    """`shown`: what the page showed of each field (edit markers): only what the person changed is
    written, and EditConflict raised for what somebody else changed meanwhile."""
    with transaction.atomic():
        finding = _locked_finding(finding)
        audit = finding.audit
        _require_status(audit, PART_B_EDITABLE, _("Findings"))
        posted: dict[str, Any] = {"heading": heading, "body": body}
        if finding.kind in AGENCY_FINDING_KINDS:
            posted["agency"] = agency
        for name, value in (("cases", cases), ("returns", returns), ("risk_factors", risk_factors)):
            if value is not None:
                posted[name] = list(value)
        stored = {
            name: list(getattr(finding, name).all()) if name in FINDING_CITATIONS else getattr(finding, name)
            for name in posted
        }
        changes = changed_fields(posted, stored, shown, finding)
        heading, body = changes.get("heading", finding.heading), changes.get("body", finding.body)
        agency = changes.get("agency", finding.agency)
        _check_finding(audit, finding.kind, agency, heading, body)
        # Only what is being written: a finding recorded before the guard is not held up by its old text.
        _check_finding_text(
            **{
                name: changes[name]
                for name in ("heading", "body")
                if name in changes and changes[name].strip() != getattr(finding, name)
            },
            new_risk_factor=new_risk_factor,  # a new entry of the shared taxonomy, printed in the briefings
        )
        if finding.kind in AGENCY_FINDING_KINDS and agency.pk != finding.agency_id:
            finding.order = _next_order(audit, finding.kind, agency)
        finding.heading, finding.body, finding.agency = heading.strip(), body.strip(), agency
        finding.save()
        _set_citations(
            finding,
            cases=changes.get("cases"),
            returns=changes.get("returns"),
            risk_factors=changes.get("risk_factors"),
            new_risk_factor=new_risk_factor,
        )
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=finding,
            summary=f"Finding changed: {_finding_ref(finding)}",
        )
    return finding


def finding_delete(*, request: HttpRequest | None = None, user, finding: Finding) -> None:
    with transaction.atomic():
        finding = _locked_finding(finding)  # not deleted twice (two tabs, or a double click)
        _require_status(finding.audit, PART_B_EDITABLE, _("Findings"))
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=finding,
            summary=f"Finding deleted: {_finding_ref(finding)}",
        )
        finding.delete()


LIST_CHANGED = _lazy("The list had changed since you opened the page: nothing was moved. Here it is as it is now.")


def finding_move(
    *,
    request: HttpRequest | None = None,
    user,
    finding: Finding,
    direction: str,
    shown: tuple[int, int | None] | None = None,
) -> Finding:
    """Move a finding one place up or down its list; the list is renumbered 0, 1, 2…

    `shown`: (its place, counted from 1, and the finding it is to swap with) as the person's page
    showed them. When either is no longer so (somebody moved, added above or deleted a finding of the
    list since), nothing is moved (LIST_CHANGED): "up" now would put it somewhere they did not choose.
    None (a post that does not say): moved from where it is now."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a finding up or down."))
    with transaction.atomic():
        finding = _locked_finding(finding)  # as it is now: its list is that of its agency now
        _require_status(finding.audit, PART_B_EDITABLE, _("Findings"))
        siblings = list(finding_siblings(finding).select_for_update())
        index = next(i for i, f in enumerate(siblings) if f.pk == finding.pk)
        target = index - 1 if direction == "up" else index + 1
        if shown is not None:
            neighbour = siblings[target].pk if 0 <= target < len(siblings) else None
            if shown != (index + 1, neighbour):
                raise ValidationError(str(LIST_CHANGED))
        if 0 <= target < len(siblings):
            siblings[index], siblings[target] = siblings[target], siblings[index]
        for order, sibling in enumerate(siblings):
            sibling.order = order
        Finding.objects.bulk_update(siblings, ["order"])
        finding.order = next(f.order for f in siblings if f.pk == finding.pk)
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=finding,
            summary=f"Finding moved {direction} to place {finding.order + 1}: {_finding_ref(finding)}",
        )
    return finding


PROMOTED_TEXT_SHOWN = 500  # characters of the text now, in the message: the board shows all of it
PROMOTED_TEXT_CHANGED = _lazy(
    "Not promoted: the %(field)s of %(ret)s changed after you opened this board (the return was edited in "
    "Part A and submitted again). Now: “%(text)s”. The board shows it below as it is now: promote it from "
    "there if it is still what you want."
)


def finding_promote(
    *,
    request: HttpRequest | None = None,
    user,
    part_a_return: PartAReturn,
    field: str,
    kind: str,
    shown: str | None = None,
) -> tuple[Finding, bool]:
    """Make a Part A return's strengths or areas for improvement into a finding, citing the return
    and its case. Returns (finding, created): promoting the same text to the same kind twice
    gives back the first finding. The finding records the text it was promoted from (its edit
    marker, kept however the finding is edited): once the text changes in Part A, the new text can be
    promoted too. `shown`: the edit marker of the text the board showed; a text changed since (the
    audit went back to Part A and the return was submitted again) is refused, saying what it is now,
    not promoted unseen. None (a post that does not say): the text as it is."""
    if field not in PROMOTIONS or kind not in PROMOTIONS[field]:
        raise ValidationError(_("That text cannot be promoted to that kind of finding."))
    with transaction.atomic():
        audit = _locked_audit(part_a_return.audit)  # as finding_add: the next place is this finding's alone
        _require_status(audit, PART_B_EDITABLE, _("Findings"))
        # Read again under a lock: the return's status and text as they are now, not as the page saw them.
        part_a_return = (
            PartAReturn.objects.select_for_update().select_related("case", "agency").get(pk=part_a_return.pk)
        )
        if not is_received(part_a_return):
            raise ValidationError(
                _("Only a submitted or accepted return can be promoted into a finding: this one is %(status)s.")
                % {"status": part_a_return.get_status_display().lower()}
            )
        text = promoted_text(part_a_return, field)
        if shown is not None and edit_marker(text) != shown:
            values = {
                "field": PartAReturn._meta.get_field(field).verbose_name,
                "ret": part_a_return,
                "text": Truncator(text).chars(PROMOTED_TEXT_SHOWN) if text else _("(empty)"),
            }
            raise ValidationError(str(PROMOTED_TEXT_CHANGED) % values)
        if not text:
            raise ValidationError(_("There is no text to promote."))
        # Already promoted, this very text (however that finding was edited since), or a finding citing
        # the return says it word for word: that finding, marked as this text's (the board says so),
        # unless it is another return's promoted text that it still cites (two agencies wrote the same
        # words, and the lead cited both): that return keeps its mark, and its board its "Already in …"
        # (a finding records one text promoted); this one is in the list all the same, not promoted twice.
        marker = edit_marker(text)
        cites_its_own = Finding.returns.through.objects.filter(
            finding_id=OuterRef("pk"), partareturn_id=OuterRef("promoted_from_id")
        ).exclude(partareturn_id=part_a_return.pk)
        found = list(
            Finding.objects.filter(audit=audit, kind=kind, returns=part_a_return)
            .filter(Q(promoted_from=part_a_return, promoted_marker=marker) | Q(body=text))
            .annotate(anothers=Exists(cites_its_own))
            .order_by("order", "pk")
        )
        mark = (part_a_return.pk, marker)
        if existing := next((f for f in found if (f.promoted_from_id, f.promoted_marker) == mark), None):
            return existing, False
        if existing := next((f for f in found if not f.anothers), None):
            existing.promoted_from, existing.promoted_marker = part_a_return, marker
            existing.save(update_fields=["promoted_from", "promoted_marker"])
            return existing, False
        if found:
            return found[0], False
        # The auditor may have confirmed a detail is not about the child: a finding is printed all the same.
        if problem := identifier_problem(text, "promoted"):
            raise ValidationError(problem)
        agency = part_a_return.agency if kind in AGENCY_FINDING_KINDS else None
        finding = Finding.objects.create(
            audit=audit,
            kind=kind,
            body=text,
            agency=agency,
            order=_next_order(audit, kind, agency),
            promoted_from=part_a_return,
            promoted_marker=marker,
        )
        finding.returns.add(part_a_return)
        finding.cases.add(part_a_return.case_id)
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=finding,
            summary=f"Promoted from {part_a_return} ({field}) to {_finding_ref(finding)}",
        )
    return finding, True


# --- Recommendations ---------------------------------------------------------------------------


# How the access log names a recommendation's status change (not translated: found by this prefix).
RECOMMENDATION_STATUS_PREFIX = "Recommendation #%s:"
OWNER_NEEDED = _lazy("Name the group or agency that takes this forward.")
ONE_OWNER = _lazy("Name a group or an agency, not both: a recommendation has one owner, and the briefing prints one.")
DUE_DATE_NEEDED = _lazy("Give the date it is due.")
DUE_DATE_PAST = _lazy("The due date cannot be in the past.")
DUE_DATE_BEFORE_SESSION = _lazy("The due date cannot be before the Part B session on %(date)s.")


def owner_problem(owner: str, owner_agency: Agency | None) -> tuple[str, str] | None:
    """(field, message) when a recommendation has no owner or two (a group and an agency)."""
    if not owner.strip() and owner_agency is None:
        return "owner", str(OWNER_NEEDED)
    if owner.strip() and owner_agency is not None:
        return "owner_agency", str(ONE_OWNER)
    return None


def due_date_problem(
    due_date: datetime.date | None, recommendation: Recommendation | None = None, *, audit: Audit
) -> str:
    """Why this due date will not do for a new (`recommendation` None) or changed recommendation of
    `audit` ("" when it will). One recorded before due dates were required may stay without; a past
    due date may stay as it was, so that an overdue recommendation can still be tracked.

    A date given may be in the past when it is not before the audit's Part B session (an audit is
    recorded after the event, with the due dates it set then); without a held session, not before today."""
    old_due = recommendation.due_date if recommendation is not None else None
    if due_date is None and (recommendation is None or old_due is not None):
        return str(DUE_DATE_NEEDED)
    if due_date is None or due_date == old_due:
        return ""
    if problem := far_ahead_problem(due_date):  # a mistyped year
        return problem
    today, session = timezone.localdate(), audit.part_b_date
    if session is not None and session <= today:
        if due_date < session:
            return str(DUE_DATE_BEFORE_SESSION) % {"date": date_format(session, "j F Y")}
    elif due_date < today:
        return str(DUE_DATE_PAST)
    return ""


def _check_recommendation(
    text: str,
    owner: str,
    owner_agency: Agency | None,
    due_date: datetime.date | None,
    *,
    audit: Audit,
    recommendation: Recommendation | None = None,
    check_text: bool = True,
) -> None:
    """What every recommendation needs, new (`recommendation` None) or changed: its text, one owner
    and a due date (due_date_problem). The form (RecommendationForm) shows the same by its fields.
    `check_text`: whether the text is being written (new, or changed): then it is refused while the
    identifier guard flags something in it (identifier_problem), by the field."""
    problem = owner_problem(owner, owner_agency)
    if problem:
        raise ValidationError(problem[1])
    if not text.strip():
        raise ValidationError(_("Write the recommendation."))
    if check_text and (problem := identifier_problem(text, "recommendation")):
        raise ValidationError({"text": problem})
    problem = due_date_problem(due_date, recommendation, audit=audit)
    if problem:
        raise ValidationError(problem)


def _link_findings(recommendation: Recommendation, findings: Iterable[Finding] | None) -> None:
    """The findings it answers, from its own audit only (None: leave the links as they are)."""
    if findings is not None:
        recommendation.findings.set([f for f in findings if f.audit_id == recommendation.audit_id])


def recommendation_add(
    *,
    request: HttpRequest | None = None,
    user,
    audit: Audit,
    text: str,
    owner: str = "",
    owner_agency: Agency | None = None,
    due_date: datetime.date | None = None,
    findings: Iterable[Finding] | None = None,
    owner_email: str | None = None,
) -> Recommendation:
    with transaction.atomic():
        audit = _locked_audit(audit)  # as finding_add: the next place is this recommendation's alone
        _require_status(audit, PART_B_EDITABLE, _("Recommendations"))
        _check_recommendation(text, owner, owner_agency, due_date, audit=audit)
        top = audit.recommendations.aggregate(top=Max("order"))["top"]
        recommendation = Recommendation.objects.create(
            audit=audit,
            text=text.strip(),
            owner=owner.strip(),
            owner_agency=owner_agency,
            owner_email=(owner_email or "").strip(),
            due_date=due_date,
            order=0 if top is None else top + 1,
        )
        _link_findings(recommendation, findings)
        recommendation_assigned_notify(recommendation=recommendation)  # its owner told, when it has an address
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=recommendation,
            summary=f"Recommendation added: #{recommendation.pk}",
        )
    return recommendation


def recommendation_update(
    *,
    request: HttpRequest | None = None,
    user,
    recommendation: Recommendation,
    text: str,
    owner: str = "",
    owner_agency: Agency | None = None,
    due_date: datetime.date | None = None,
    findings: Iterable[Finding] | None = None,
    owner_email: str | None = None,
    shown: dict[str, str] | None = None,
) -> Recommendation:
    """`shown`: what the page showed of each field (edit markers): only what the person changed is
    written, and EditConflict raised for what somebody else changed meanwhile. A changed text is
    refused while the identifier guard flags something in it (ValidationError by "text")."""
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().select_related("audit").get(pk=recommendation.pk)
        audit = recommendation.audit
        if audit.status not in PART_B_EDITABLE:
            raise ValidationError(str(RECOMMENDATION_FIXED))
        if recommendation.status == RecommendationStatus.CLOSED:
            raise ValidationError(_("A closed recommendation cannot be changed."))
        posted: dict[str, Any] = {"text": text, "owner": owner, "owner_agency": owner_agency, "due_date": due_date}
        if findings is not None:
            posted["findings"] = list(findings)
        if owner_email is not None:  # insights: None leaves the owner's e-mail as it was
            posted["owner_email"] = owner_email
        stored = {
            name: list(recommendation.findings.all()) if name == "findings" else getattr(recommendation, name)
            for name in posted
        }
        changes = changed_fields(posted, stored, shown, recommendation)
        values = {name: changes.get(name, getattr(recommendation, name)) for name in ("text", "owner", "owner_agency")}
        due_date = changes.get("due_date", recommendation.due_date)
        _check_recommendation(
            values["text"],
            values["owner"],
            values["owner_agency"],
            due_date,
            audit=audit,
            recommendation=recommendation,
            # A text left as it was is not written: one recorded before the guard may stay.
            check_text="text" in changes,
        )
        recommendation.text, recommendation.owner = values["text"].strip(), values["owner"].strip()
        recommendation.owner_agency, recommendation.due_date = values["owner_agency"], due_date
        if "owner_email" in changes:
            recommendation.owner_email = changes["owner_email"].strip()
        recommendation.save()
        _link_findings(recommendation, changes.get("findings"))
        recommendation_assigned_notify(recommendation=recommendation)  # a new owner address is told
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=recommendation,
            summary=f"Recommendation changed: #{recommendation.pk}",
        )
    return recommendation


def recommendation_contact_update(
    *,
    request: HttpRequest | None = None,
    user,
    recommendation: Recommendation,
    owner_email: str,
    due_date: datetime.date | None = None,
    shown: dict[str, str] | None = None,
) -> Recommendation:
    """Where the owner's reminders go, and when it is due (`due_date`; None leaves it as it is): part of
    tracking a recommendation to closure, so changed after the audit closes too (unlike what the
    recommendation says: recommendation_update), when its owner is given more time. Its first due date
    stays as it was (Recommendation.first_due_date: the tracker and the board report print it).
    `shown`: as recommendation_update's."""
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().select_related("audit").get(pk=recommendation.pk)
        _require_status(recommendation.audit, RECOMMENDATION_TRACKABLE, _("Recommendations"))
        if recommendation.status == RecommendationStatus.CLOSED:
            raise ValidationError(_("A closed recommendation cannot be changed."))
        posted: dict[str, Any] = {"owner_email": owner_email}
        if due_date is not None:
            posted["due_date"] = due_date
        stored = {name: getattr(recommendation, name) for name in posted}
        changes = changed_fields(posted, stored, shown, recommendation)
        was_due, was_email = recommendation.due_date, recommendation.owner_email
        if "due_date" in changes and changes["due_date"] != was_due:
            if problem := due_date_problem(changes["due_date"], recommendation, audit=recommendation.audit):
                raise ValidationError({"due_date": problem})
            recommendation.due_date = changes["due_date"]
        recommendation.owner_email = changes.get("owner_email", recommendation.owner_email).strip()
        recommendation.save()
        recommendation_assigned_notify(recommendation=recommendation)  # a new owner address is told
        moved = recommendation.due_date != was_due
        changed = ["the owner's e-mail"] if recommendation.owner_email != was_email or not moved else []
        if moved:
            old = f"{was_due:%Y-%m-%d}" if was_due else "none"
            changed.append(f"the due date {old} → {recommendation.due_date:%Y-%m-%d}")
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=recommendation,
            summary=f"Recommendation changed: #{recommendation.pk}, {', '.join(changed)}",
        )
    return recommendation


class RecommendationMoved(Exception):
    """A status change posted from a page that showed another status than the recommendation has now:
    somebody else moved it meanwhile. `recommendation`: as it is now."""

    def __init__(self, recommendation: Recommendation):
        super().__init__(f"Recommendation #{recommendation.pk} is {recommendation.status} now")
        self.recommendation = recommendation


def recommendation_transition(
    *,
    request: HttpRequest | None = None,
    user,
    recommendation: Recommendation,
    to_status: str,
    impact_evidence: str = "",
    from_status: str | None = None,
    shown: dict[str, str] | None = None,
) -> Recommendation:
    """Open → in progress → complete → closed. Closing needs a note on the evidence of impact; a
    recommendation closed by mistake is reopened, back to complete (`closed_at` cleared, its evidence
    kept). Only whoever runs the audit (the QA manager, its lead officer) changes its status:
    PermissionDenied for anyone else. `from_status`: the status the page showed: RecommendationMoved
    when it has another now. `shown`: what the page showed of the evidence of impact (an edit marker),
    so that evidence the person did not change is left as somebody else may have written it meanwhile,
    and evidence both changed raises EditConflict."""
    if not Audit.objects.managed_by(user).filter(pk=recommendation.audit_id).exists():
        raise PermissionDenied(_("Only the QA manager and the audit's lead officer change a recommendation's status."))
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().select_related("audit").get(pk=recommendation.pk)
        _require_status(recommendation.audit, RECOMMENDATION_TRACKABLE, _("Recommendations"))
        if from_status and recommendation.status != from_status:
            raise RecommendationMoved(recommendation)
        old_label = recommendation.get_status_display()
        if to_status == recommendation.status != RecommendationStatus.CLOSED:
            return _recommendation_progress(request, user, recommendation, impact_evidence, shown)
        if not recommendation.can_move_to(to_status):
            raise ValidationError(_("A recommendation cannot move from %(old)s to that status.") % {"old": old_label})
        # Evidence posted, or emptied on a page that showed some (`shown`): removed then, as the box said.
        if impact_evidence.strip() or shown is not None:
            stored = {"impact_evidence": recommendation.impact_evidence}
            changes = changed_fields({"impact_evidence": impact_evidence}, stored, shown, recommendation)
            if "impact_evidence" in changes:
                if problem := identifier_problem(impact_evidence, "impact_evidence"):
                    raise ValidationError({"impact_evidence": problem})
                recommendation.impact_evidence = impact_evidence.strip()
        if to_status == RecommendationStatus.CLOSED:
            if not recommendation.impact_evidence.strip():
                raise ValidationError(_("Closing a recommendation needs a note on the evidence of its impact."))
            recommendation.closed_at = timezone.now()
        elif recommendation.status == RecommendationStatus.CLOSED:  # reopened
            recommendation.closed_at = None
        recommendation.status = to_status
        recommendation.save()
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=recommendation,
            summary=f"{RECOMMENDATION_STATUS_PREFIX % recommendation.pk} {old_label} → "
            f"{recommendation.get_status_display()}",
        )
    return recommendation


def _recommendation_progress(
    request: HttpRequest | None, user, recommendation: Recommendation, impact_evidence: str, shown
) -> Recommendation:
    """The evidence of impact of a recommendation that keeps its status (locked by recommendation_transition):
    what its owner reports done meanwhile, recorded without moving it on. Not recorded under
    RECOMMENDATION_STATUS_PREFIX, which names who last moved its status. Evidence emptied on a page that showed
    some (`shown`) is removed."""
    stored = {"impact_evidence": recommendation.impact_evidence}
    changes = changed_fields({"impact_evidence": impact_evidence}, stored, shown, recommendation)
    evidence = changes.get("impact_evidence", recommendation.impact_evidence).strip()
    removed = shown is not None and not evidence and bool(recommendation.impact_evidence.strip())
    if not removed and (not evidence or evidence == recommendation.impact_evidence.strip()):
        raise ValidationError(
            {"impact_evidence": _("Nothing to save: write what has been done, or choose a new status.")}
        )
    if problem := identifier_problem(evidence, "impact_evidence"):
        raise ValidationError({"impact_evidence": problem})
    recommendation.impact_evidence = evidence
    recommendation.save()
    what = "the evidence of impact removed" if removed else "the evidence of impact"
    access_record(
        request=request,
        user=user,
        action=AccessAction.CHANGE,
        obj=recommendation,
        summary=f"Recommendation changed: #{recommendation.pk}, {what} (still {recommendation.get_status_display()})",
    )
    return recommendation
