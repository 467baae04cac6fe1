"""Part A writes: saving, submitting and reviewing returns; creating them; reminders and chasing.

Optimistic locking. Every write starts by claiming the version it was based on with one
conditional UPDATE (`WHERE pk = … AND version = n AND status IN (…)` → `version = n + 1`). The
database row lock that UPDATE takes makes a concurrent write with the same base wait, re-check
its WHERE clause and find nothing: of two saves based on one version, exactly one wins, and
the other is refused with a conflict (never last-write-wins). The rest of the save happens in
the same transaction, under that lock: answers first, then the return itself, so that history
rows line up (see selectors.parta.state_at_version).
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Func, Q, TextField, Value, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from agencies.mail import mail_day, portal_mail_send, reply_address
from agencies.models import AGENCY_STAFF_ROLES, User
from agencies.outbox import enqueue
from agencies.services import AccessAction, access_record
from agencies.working_days import is_working_day
from audits.identifiers import IdentifierMatch, find_identifiers, identifier_key, identifier_warning
from audits.models import (
    EDITABLE_RETURN_STATUSES,
    RETURN_TRANSITIONS,
    Answer,
    Audit,
    AuditAgency,
    AuditStatus,
    PartAReturn,
    PartBSession,
    ReminderKind,
    ReminderLog,
    ReturnNotice,
    ReturnNoticeEvent,
    ReturnStatus,
)
from audits.selectors.parta import (
    ACCEPT_AUDIT_STATUSES,
    NOT_APPLICABLE,
    OWN_RETURN_REFUSAL,
    SEND_BACK_AUDIT_STATUSES,
    SUBMITTED_STATUSES,
    TEXT_FIELDS,
    UNLOCK_AUDIT_STATUSES,
    ToolLayout,
    auditor_to_tell,
    evidence_field,
    flagged_changed,
    grade_field,
    guard_context,
    return_role,
    return_state,
    state_at_version,
    state_from,
    state_warnings,
    submission_errors,
)

logger = logging.getLogger(__name__)


# --- Outcomes and refusals -------------------------------------------------------------------------


class PartAError(Exception):
    """A refused write. `message` is for the person who asked; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReturnNotAllowed(PartAError):
    pass


class ReturnLocked(PartAError):
    pass


class InvalidTransition(PartAError):
    pass


@dataclass
class FieldConflict:
    name: str
    label: str
    theirs: Any
    yours: Any
    theirs_display: str
    yours_display: str

    @property
    def theirs_json(self) -> str:
        return json.dumps(self.theirs)

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.name,
            "label": self.label,
            "theirs": self.theirs,
            "yours": self.yours,
            "theirs_display": self.theirs_display,
            "yours_display": self.yours_display,
        }


class CommentFlagged(PartAError):
    """The reviewer's comment (or unlock reason) holds details the identifier guard flags, and they
    have not confirmed those very details are not information about the child. Nothing was changed."""

    def __init__(self, matches: list[IdentifierMatch]) -> None:
        super().__init__(
            _(
                "Nothing was changed: your comment contains details that look like identifiers (marked below). "
                "Remove them, or tick the box to confirm they are not information about the child."
            )
        )
        self.warnings = [identifier_warning(match) for match in matches]
        # What a confirmation given on the page covers: these details, however written, and no others.
        self.keys = sorted({identifier_key(match) for match in matches})


class ReturnConflict(PartAError):
    """The save was based on an older version than the saved one.

    `theirs` is the saved state; `merged` is what the person's form should now hold: their own
    changes where only they changed a field, the saved value where only the other save did,
    and their own text where both did (those fields are in `conflicts`, shown side by side).
    """

    def __init__(
        self, *, current: PartAReturn, conflicts: list[FieldConflict], theirs: dict[str, Any], merged: dict[str, Any]
    ) -> None:
        super().__init__(
            _(
                "This return was changed elsewhere (another window, or another person) after you opened it. "
                "Nothing you sent has been saved yet: check the differences, then save again."
            )
        )
        self.current = current
        self.conflicts = conflicts
        self.theirs = theirs
        self.merged = merged


@dataclass
class SaveOutcome:
    ret: PartAReturn
    state: dict[str, Any]
    warnings: dict[str, list[str]]
    submitted: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The details flagged as possible identifiers changed in this save …
    flagged_changed: bool = False
    # … so the confirmation that was given (or held) was cleared.
    confirmation_cleared: bool = False

    @property
    def version(self) -> int:
        return self.ret.version


LOCKED_MESSAGES = {
    ReturnStatus.SUBMITTED: _("This return has been submitted and can no longer be changed."),
    ReturnStatus.ACCEPTED: _("This return has been accepted and is locked."),
}


def _locked_message(ret: PartAReturn) -> str:
    if ret.audit.status != AuditStatus.PART_A:
        return _("Part A is not open for this audit, so its returns cannot be changed.")
    return str(LOCKED_MESSAGES.get(ret.status, _("This return cannot be changed now.")))


# --- Saving and submitting ----------------------------------------------------------------------------


def _claim(ret: PartAReturn, based_on_version: int, statuses: tuple[str, ...]) -> bool:
    return bool(
        PartAReturn.objects.filter(pk=ret.pk, version=based_on_version, status__in=statuses).update(
            version=based_on_version + 1
        )
    )


def _refuse(ret: PartAReturn, based_on_version: int, layout: ToolLayout, yours: dict[str, Any]) -> None:
    """Why a claim failed: the return is locked, or it moved on (a conflict). Always raises."""
    fresh = PartAReturn.objects.select_related("audit", "last_saved_by").get(pk=ret.pk)
    if fresh.status not in EDITABLE_RETURN_STATUSES:
        raise ReturnLocked(_locked_message(fresh))
    theirs = return_state(fresh, layout)
    base = state_at_version(fresh, based_on_version, layout) if based_on_version < fresh.version else None
    conflicts = []
    merged = dict(theirs)
    for name, mine in yours.items():
        saved = theirs[name]
        if mine == saved:
            continue
        if base is not None and mine == base[name]:
            continue  # only the other save changed it: keep theirs
        if base is None or saved != base[name]:
            conflicts.append(
                FieldConflict(
                    name,
                    layout.field_label(name),
                    saved,
                    mine,
                    layout.display_value(name, saved),
                    layout.display_value(name, mine),
                )
            )
        merged[name] = mine
    raise ReturnConflict(current=fresh, conflicts=conflicts, theirs=theirs, merged=merged)


def _write_answers(
    ret: PartAReturn, layout: ToolLayout, answers: dict[int, Answer], before: dict, after: dict, user, reason: str
) -> int:
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    for standard in layout.standards:
        grade_name, evidence_name = grade_field(standard.pk), evidence_field(standard.pk)
        if after[grade_name] == before[grade_name] and after[evidence_name] == before[evidence_name]:
            continue
        answer = answers.get(standard.pk) or Answer(part_a_return=ret, standard=standard)
        grade = after[grade_name]
        answer.not_applicable = grade == NOT_APPLICABLE
        answer.grade_id = int(grade) if grade not in ("", NOT_APPLICABLE) else None
        if answer.grade_id is not None and answer.grade_id not in layout.grades_by_id:
            raise ValueError(f"grade {grade} is not in the scale of {layout.version}")
        answer.evidence = after[evidence_name]
        (to_update if answer.pk else to_create).append(answer)
    if to_create:
        bulk_create_with_history(to_create, Answer, default_user=user, default_change_reason=reason)
    if to_update:
        bulk_update_with_history(
            to_update, Answer, ["grade", "not_applicable", "evidence"], default_user=user, default_change_reason=reason
        )
    return len(to_create) + len(to_update)


def _write_return_fields(ret: PartAReturn, layout: ToolLayout, before: dict, after: dict) -> None:
    for name in (*TEXT_FIELDS, "no_involvement", "identifiers_confirmed"):
        setattr(ret, name, after[name])
    overall = after["overall_grade"]
    ret.overall_grade_id = int(overall) if overall else None
    if ret.overall_grade_id is not None and ret.overall_grade_id not in layout.grades_by_id:
        raise ValueError(f"grade {overall} is not in the scale of {layout.version}")
    if after["risk_factors"] != before["risk_factors"]:
        # One history row per save, written by save() below with the new risk factors in it,
        # rather than an extra one for the m2m change.
        ret.skip_history_when_saving = True
        try:
            ret.risk_factors.set([int(pk) for pk in after["risk_factors"]])
        finally:
            del ret.skip_history_when_saving


# What stands in, in earlier versions, for a detail the guard flagged that the auditor has removed.
REMOVED_MARKER = gettext_noop("[removed: possible identifier]")
# Added to the change reason of the save that removed them (the history page shows it): never their text.
REDACTED_REASON = "possible identifiers removed from earlier versions"


def _removed_identifiers(before: dict, after: dict, layout: ToolLayout, guard) -> dict[str, list[str]]:
    """Per free-text field the save changes: the text of each detail the guard flags in the old value
    (as the page flags it: published contacts are not flagged) that the new value no longer holds,
    longest first. A detail still in the new text was kept (and maybe confirmed): it is not listed.
    Reads only the fields that changed, and no query beyond the guard's published contacts, which
    flagged_changed has read already when the old text flags anything."""
    removed: dict[str, list[str]] = {}
    for name in (*(evidence_field(s.pk) for s in layout.standards), *TEXT_FIELDS):
        old, new = before.get(name, ""), after.get(name, "")
        if not old or old == new:
            continue
        found = guard.published.drop(
            find_identifiers(old, age_range=guard.age_range, reference_date=guard.reference_date)
        )
        texts = {match.text for match in found if match.text not in new}
        if texts:
            removed[name] = sorted(texts, key=lambda text: (-len(text), text))
    return removed


class _RegexpReplace(Func):
    """PostgreSQL's regexp_replace(text, pattern, replacement, 'g'): every match replaced."""

    function = "REGEXP_REPLACE"
    output_field = TextField()


def _pattern(texts: list[str]) -> str:
    """A regular expression matching any of `texts` literally (re.escape puts a backslash before
    punctuation only, which PostgreSQL's regular expressions read as that character too)."""
    return "|".join(re.escape(text) for text in texts)


def _replaced(name: str, texts: list[str], marker: str) -> Func:
    # One call however many details: a REPLACE per detail would nest as deep as a 10,000-character
    # field has numbers in it.
    return _RegexpReplace(F(name), Value(_pattern(texts)), Value(marker.replace("\\", "\\\\")), Value("g"))


def _redact_history(
    ret: PartAReturn, layout: ToolLayout, answers: dict[int, Answer], removed: dict[str, list[str]]
) -> int:
    """Replace each removed detail with the marker in every history row of its field held so far (the
    versions before this save): the answers' evidence in one UPDATE, the return's text fields in
    another, each touching only the rows that hold one of the details. Returns the rows changed."""
    marker = _(REMOVED_MARKER)
    whens, answer_rows = [], Q()
    for standard in layout.standards:
        texts = removed.get(evidence_field(standard.pk))
        answer = answers.get(standard.pk)
        if not texts or answer is None:
            continue
        whens.append(When(id=answer.pk, then=_replaced("evidence", texts, marker)))
        answer_rows |= Q(id=answer.pk, evidence__regex=_pattern(texts))
    changed = 0
    if whens:
        changed += Answer.history.filter(answer_rows).update(evidence=Case(*whens, default=F("evidence")))
    fields, return_rows = {}, Q()
    for name in TEXT_FIELDS:
        texts = removed.get(name)
        if texts:
            fields[name] = _replaced(name, texts, marker)
            return_rows |= Q(**{f"{name}__regex": _pattern(texts)})
    if fields:
        changed += PartAReturn.history.filter(return_rows, id=ret.pk).update(**fields)
    return changed


def identifiers_removed_since(
    layout: ToolLayout, guard, current: dict[str, str], earlier: dict[str, Collection[str]]
) -> dict[str, list[str]]:
    """For history written before saves redacted it (the redact_history_identifiers command): per
    free-text field of `earlier` (its values in the history rows), each detail the guard flags in any
    of them that the field's `current` value no longer holds, longest first, as _removed_identifiers
    lists them for a save. No query beyond the guard's published contacts."""
    removed: dict[str, list[str]] = {}
    for name, values in earlier.items():
        new = current.get(name, "")
        texts: set[str] = set()
        for old in values:
            texts.update(_removed_identifiers({name: old}, {name: new}, layout, guard).get(name, ()))
        if texts:
            removed[name] = sorted(texts, key=lambda text: (-len(text), text))
    return removed


def _reload_fields(ret: PartAReturn) -> None:
    """refresh_from_db, keeping the audit, case and agency already loaded (it would drop them)."""
    loaded = {
        name: getattr(ret, name) for name in ("audit", "case", "agency") if ret._meta.get_field(name).is_cached(ret)
    }
    ret.refresh_from_db()
    for name, obj in loaded.items():
        if getattr(ret, f"{name}_id") == obj.pk:
            setattr(ret, name, obj)


def _settle_confirmation(
    before: dict, after: dict, layout: ToolLayout, guard, warnings: dict, *, all_fields_warned: bool
) -> tuple[bool, bool]:
    """Keep after["identifiers_confirmed"] true only for the very details it was given for.

    A confirmation covers the details flagged when it was given: a save that changes them clears it,
    even the save that gives it (the box was ticked before the new details were marked on the page),
    and a tick over nothing flagged is not kept. Returns (the flagged details changed, the
    confirmation was cleared because they did). Reads only the fields that changed, except once for
    a tick sent by autosave.
    """
    changed = flagged_changed(before, after, layout, guard)
    if not after["identifiers_confirmed"]:
        return changed, False
    if changed:
        after["identifiers_confirmed"] = False
        return changed, True
    if all_fields_warned:
        nothing_flagged = not warnings
    elif not before["identifiers_confirmed"]:
        nothing_flagged = not state_warnings(after, layout, guard)
    else:
        nothing_flagged = False  # held over details that did not change: they are still flagged
    if nothing_flagged:
        after["identifiers_confirmed"] = False
    return changed, False


def _edit(
    *,
    request: HttpRequest | None,
    user,
    ret: PartAReturn,
    layout: ToolLayout,
    based_on_version: int,
    changes: dict[str, Any],
    reason: str,
    submit: bool,
    warn_on_changes_only: bool = False,
) -> SaveOutcome:
    if not return_role(user, ret).is_auditor:
        raise ReturnNotAllowed(_("Only the auditor named for your agency can change this return."))
    if ret.audit.status != AuditStatus.PART_A:
        raise ReturnLocked(_locked_message(ret))
    unknown = set(changes) - set(return_blank_names(layout))
    if unknown:
        raise ValueError(f"fields not in {layout.version}: {sorted(unknown)}")
    with transaction.atomic():
        if not _claim(ret, based_on_version, EDITABLE_RETURN_STATUSES):
            _refuse(ret, based_on_version, layout, changes)
        if ret.version != based_on_version:
            # Loaded at another version: read the fields as the claim found them. (Loaded at this
            # version, the claim proves they are unchanged: every change to a return bumps it.)
            _reload_fields(ret)
        answers = {a.standard_id: a for a in Answer.objects.filter(part_a_return=ret)}
        before = state_from(layout, ret, answers.values(), list(ret.risk_factors.values_list("pk", flat=True)))
        after = {**before, **changes}
        guard = guard_context(ret)
        # Autosave answers with the warnings of the fields it was sent (the page shows the others already).
        warnings = state_warnings(after, layout, guard, only=changes if warn_on_changes_only else None)
        flagged_moved, confirmation_cleared = _settle_confirmation(
            before, after, layout, guard, warnings, all_fields_warned=not warn_on_changes_only
        )
        # What the auditor removed of the flagged details goes from the earlier versions too: the history
        # page, and whoever may read it, would otherwise keep showing it. Done before this save's own
        # history rows are written, so that every row it changes is an earlier one.
        redacted = _redact_history(ret, layout, answers, _removed_identifiers(before, after, layout, guard))
        if redacted:
            # Said in the change reason of this save's history rows and in its access record.
            reason = f"{reason}; {REDACTED_REASON}"
        answers_changed = _write_answers(ret, layout, answers, before, after, user, reason)
        _write_return_fields(ret, layout, before, after)
        errors = submission_errors(after, layout, warnings) if submit else {}
        submitted = submit and not errors
        if submitted:
            ret.status = ReturnStatus.SUBMITTED
            ret.submitted_at = timezone.now()
        elif ret.status == ReturnStatus.NOT_STARTED:
            ret.status = ReturnStatus.DRAFT
        ret.version = based_on_version + 1
        ret.last_saved_by = user
        ret._history_user = user
        ret._change_reason = reason
        ret.save()
        summary = _("%(ret)s: %(reason)s (%(fields)d fields, %(answers)d answers changed)") % {
            "ret": ret,
            "reason": reason,
            "fields": sum(1 for name in changes if before[name] != after[name]),
            "answers": answers_changed,
        }
        access_record(request=request, user=user, action=AccessAction.CHANGE, obj=ret, summary=summary)
    return SaveOutcome(
        ret=ret,
        state=after,
        warnings=warnings,
        submitted=submitted,
        errors=errors,
        flagged_changed=flagged_moved,
        confirmation_cleared=confirmation_cleared,
    )


def return_blank_names(layout: ToolLayout) -> list[str]:
    names = []
    for standard in layout.standards:
        names += [grade_field(standard.pk), evidence_field(standard.pk)]
    return [*names, *TEXT_FIELDS, "no_involvement", "identifiers_confirmed", "overall_grade", "risk_factors"]


def return_save_draft(
    *,
    request: HttpRequest | None = None,
    user,
    ret: PartAReturn,
    layout: ToolLayout,
    based_on_version: int,
    changes: dict,
) -> SaveOutcome:
    """Save the whole form as a draft (the "Save draft" button)."""
    return _edit(
        request=request,
        user=user,
        ret=ret,
        layout=layout,
        based_on_version=based_on_version,
        changes=changes,
        reason="draft saved",
        submit=False,
    )


def return_autosave(
    *,
    request: HttpRequest | None = None,
    user,
    ret: PartAReturn,
    layout: ToolLayout,
    based_on_version: int,
    changes: dict,
) -> SaveOutcome:
    """Save only the fields sent (a partial save while the auditor types); `warnings` cover those fields."""
    return _edit(
        request=request,
        user=user,
        ret=ret,
        layout=layout,
        based_on_version=based_on_version,
        changes=changes,
        reason="autosave",
        submit=False,
        warn_on_changes_only=True,
    )


def return_submit(
    *,
    request: HttpRequest | None = None,
    user,
    ret: PartAReturn,
    layout: ToolLayout,
    based_on_version: int,
    changes: dict,
) -> SaveOutcome:
    """Save the form and submit it if it is complete; if not, it stays a saved draft with `errors`."""
    return _edit(
        request=request,
        user=user,
        ret=ret,
        layout=layout,
        based_on_version=based_on_version,
        changes=changes,
        reason="submitted",
        submit=True,
    )


# --- Review: return for amendment, accept, unlock -------------------------------------------------------


def _transition(
    *,
    request: HttpRequest | None,
    user,
    ret: PartAReturn,
    based_on_version: int,
    from_status: str,
    to_status: str,
    reason: str,
    audit_statuses: tuple[str, ...],
    audit_refusal: str,
    **values: Any,
) -> PartAReturn:
    assert to_status in RETURN_TRANSITIONS[from_status], (from_status, to_status)
    from_statuses = (from_status,)
    with transaction.atomic():
        # The audit's row, locked against a concurrent change of stage (audit_transition locks it
        # FOR UPDATE): a review cannot slip in while the audit moves on to Reporting.
        audit_status = (
            Audit.objects.select_for_update(no_key=True).filter(pk=ret.audit_id).values_list("status", flat=True).get()
        )
        if audit_status not in audit_statuses:
            raise InvalidTransition(audit_refusal % {"stage": AuditStatus(audit_status).label})
        if not _claim(ret, based_on_version, from_statuses):
            fresh = PartAReturn.objects.get(pk=ret.pk)
            if fresh.status not in from_statuses:
                raise InvalidTransition(
                    _("A return that is “%(status)s” cannot be moved to “%(target)s”.")
                    % {"status": fresh.get_status_display(), "target": ReturnStatus(to_status).label}
                )
            raise ReturnConflict(current=fresh, conflicts=[], theirs={}, merged={})
        ret.refresh_from_db()
        ret.status = to_status
        for name, value in values.items():
            setattr(ret, name, value)
        ret.version = based_on_version + 1
        ret._history_user = user
        ret._change_reason = reason
        ret.save()
        # The fixed reason only: the comment or unlock reason is a person's free text, and the access log
        # is append-only and never purged.
        access_record(request=request, user=user, action=AccessAction.CHANGE, obj=ret, summary=f"{ret}: {reason}")
    return ret


def _require_reviewer(user, ret: PartAReturn) -> None:
    role = return_role(user, ret)
    if not role.can_review:
        raise ReturnNotAllowed(_("Only the QA manager and the audit's lead officer review returns."))
    if role.own_return:
        raise ReturnNotAllowed(str(OWN_RETURN_REFUSAL))


def comment_identifiers(ret: PartAReturn, text: str) -> list[IdentifierMatch]:
    """What the identifier guard flags in a reviewer's comment, as it does in the return's own text.

    Unlike the return's text, a comment's earlier versions are not redacted (_redact_history): it is never
    edited, only replaced by the next review's, and it is kept only once its writer has confirmed every
    detail flagged in it (_check_comment), so none of its history holds an unconfirmed one."""
    guard = guard_context(ret)
    return guard.published.drop(find_identifiers(text, age_range=guard.age_range, reference_date=guard.reference_date))


def _check_comment(ret: PartAReturn, text: str, confirmed: Collection[str]) -> list[str]:
    """Refuse a comment with flagged details, unless its writer confirmed every one of them. Returns the
    keys they confirmed that the comment holds, kept with it (comment_identifiers_confirmed)."""
    keys = [identifier_key(match) for match in comment_identifiers(ret, text)]
    if any(key not in confirmed for key in keys):
        raise CommentFlagged(comment_identifiers(ret, text))
    return sorted(set(keys))


def _notify_on_commit(ret: PartAReturn, event: str) -> None:
    # Through the outbox: the e-mail goes out even if Redis is down when the change is made.
    enqueue("audits.tasks.notify_auditor", ret.pk, event)


def _notice_on_commit(ret: PartAReturn, event: str) -> None:
    """Record that the auditor is to be told the return was sent back (or unlocked), and queue the e-mail,
    in the transaction of the send-back: the e-mail waits RETURN_NOTICE_DELAY and then tells of every
    return of the agency in the audit sent back meanwhile (email_auditor_about_return)."""
    ReturnNotice.objects.create(ret=ret, event=event)
    _notify_on_commit(ret, event)


def return_send_back(
    *,
    request: HttpRequest | None = None,
    user,
    ret: PartAReturn,
    based_on_version: int,
    comment: str,
    confirmed_identifiers: Collection[str] = (),
) -> PartAReturn:
    """Return a submitted return for amendment, with a comment; the auditor is e-mailed (to read it here),
    RETURN_NOTICE_DELAY later, in one e-mail with the others of the agency sent back (or unlocked) meanwhile
    (ReturnNotice, email_auditor_about_return).

    `confirmed_identifiers`: the identifier_key of each flagged detail the reviewer confirmed is not
    information about the child; a comment with any other flagged detail is refused (CommentFlagged).
    """
    _require_reviewer(user, ret)
    if not comment.strip():
        raise PartAError(_("Say what needs amending."))
    confirmed = _check_comment(ret, comment, confirmed_identifiers)
    with transaction.atomic():
        ret = _transition(
            request=request,
            user=user,
            ret=ret,
            based_on_version=based_on_version,
            from_status=ReturnStatus.SUBMITTED,
            to_status=ReturnStatus.RETURNED,
            reason="returned for amendment",
            audit_statuses=SEND_BACK_AUDIT_STATUSES,
            audit_refusal=_(
                "Nothing was changed: a return can be returned for amendment only while Part A is open, and this "
                "audit is now at “%(stage)s”: the auditor could not amend it."
            ),
            amendment_comment=comment,
            comment_identifiers_confirmed=confirmed,
            identifiers_confirmed=False,  # the auditor confirms again what is flagged when they resubmit
        )
        _notice_on_commit(ret, ReturnNoticeEvent.RETURNED)
    return ret


def _all_accepted(audit_id: int, agency_id: int) -> bool:
    """Whether every one of an agency's returns in an audit is accepted (and it has any)."""
    returns = PartAReturn.objects.filter(audit_id=audit_id, agency_id=agency_id)
    return returns.exists() and not returns.exclude(status=ReturnStatus.ACCEPTED).exists()


def return_accept(*, request: HttpRequest | None = None, user, ret: PartAReturn, based_on_version: int) -> PartAReturn:
    """Accept a submitted return: it is locked from now on.

    When it is the last of its agency's returns in the audit to be accepted, the agency's auditor is
    e-mailed that all of them are, once this commits (notify_auditor, event "all_accepted"; nothing on the
    accepts before it). Once each time they all become accepted: a return unlocked since and accepted
    again makes them all accepted again, and the auditor, who was told it was unlocked and sent it again,
    is told again that there is nothing more to do. A message delivered twice sends one e-mail (one outbox
    message per time, run_once). Two reviewers accepting the last two returns at the same moment take
    turns on the audit's row (_transition locks it until this transaction ends), so the second sees the
    first one's accept and exactly one of them queues the e-mail."""
    _require_reviewer(user, ret)
    with transaction.atomic():
        ret = _transition(
            request=request,
            user=user,
            ret=ret,
            based_on_version=based_on_version,
            from_status=ReturnStatus.SUBMITTED,
            to_status=ReturnStatus.ACCEPTED,
            reason="accepted",
            audit_statuses=ACCEPT_AUDIT_STATUSES,
            audit_refusal=_(
                "Nothing was changed: a return can be accepted only during Part A or Part B, and this audit is "
                "now at “%(stage)s”."
            ),
            accepted_at=timezone.now(),
        )
        if _all_accepted(ret.audit_id, ret.agency_id):
            _notify_on_commit(ret, "all_accepted")
    return ret


def return_unlock(
    *,
    request: HttpRequest | None = None,
    user,
    ret: PartAReturn,
    based_on_version: int,
    reason: str,
    confirmed_identifiers: Collection[str] = (),
) -> PartAReturn:
    """QA manager only: send an accepted return back to the auditor (returned for amendment).

    The reason is checked for identifiers as return_send_back's comment is, and the auditor e-mailed as there.
    """
    if not user.is_qa_manager:
        raise ReturnNotAllowed(_("Only the QA manager can unlock an accepted return."))
    if return_role(user, ret).own_return:
        raise ReturnNotAllowed(str(OWN_RETURN_REFUSAL))
    if not reason.strip():
        raise PartAError(_("Give the reason for unlocking this return."))
    confirmed = _check_comment(ret, reason, confirmed_identifiers)
    with transaction.atomic():
        ret = _transition(
            request=request,
            user=user,
            ret=ret,
            based_on_version=based_on_version,
            from_status=ReturnStatus.ACCEPTED,
            to_status=ReturnStatus.RETURNED,
            reason="unlocked",  # the reason itself is kept on the return, not in the history's change reason
            audit_statuses=UNLOCK_AUDIT_STATUSES,
            audit_refusal=_(
                "Nothing was changed: a return can be unlocked only while Part A is open, and this audit is now at "
                "“%(stage)s”: the auditor could not amend it."
            ),
            amendment_comment=reason,
            comment_identifiers_confirmed=confirmed,
            accepted_at=None,
            identifiers_confirmed=False,  # the auditor confirms again what is flagged when they resubmit
        )
        _notice_on_commit(ret, ReturnNoticeEvent.UNLOCKED)
    return ret


# --- Creating returns --------------------------------------------------------------------------------


def returns_create_for_audit(*, audit: Audit, user=None, request: HttpRequest | None = None) -> list[PartAReturn]:
    """One return per case × participating agency; those that exist are left alone (idempotent).

    Part B's "open Part A" transition calls this. Returns the returns it created.
    """
    with transaction.atomic():
        # Two concurrent calls for one audit would both see the same gaps: serialise them.
        Audit.objects.select_for_update().filter(pk=audit.pk).first()
        existing = set(PartAReturn.objects.filter(audit=audit).values_list("case_id", "agency_id"))
        agency_ids = list(audit.participants.values_list("agency_id", flat=True))
        new = [
            PartAReturn(audit=audit, case=case, agency_id=agency_id, tool_version_id=audit.tool_version_id)
            for case in audit.cases.all()
            for agency_id in agency_ids
            if (case.pk, agency_id) not in existing
        ]
        if new:
            new = bulk_create_with_history(new, PartAReturn, default_user=user, default_change_reason="Part A opened")
            access_record(
                request=request,
                user=user,
                action=AccessAction.CHANGE,
                obj=audit,
                summary=_("%(count)d Part A returns created for %(audit)s") % {"count": len(new), "audit": audit},
            )
    return new


# --- E-mail -------------------------------------------------------------------------------------------


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


RETURN_EVENTS = ("returned", "unlocked", "all_accepted")

# How long the e-mail about a return sent back (or unlocked) waits before it goes: it then tells of every
# return of the agency in the audit sent back (or unlocked) meanwhile, so that a reviewer sending back six in
# one sitting sends the auditor one e-mail, not six.
RETURN_NOTICE_DELAY = timedelta(minutes=5)


class ReturnNoticeNotDue(Exception):
    """The e-mail about a return sent back is not due yet: try again in `countdown` seconds (notify_auditor)."""

    def __init__(self, countdown: float) -> None:
        super().__init__(f"not due for {countdown:.0f}s")
        self.countdown = countdown


def email_auditor_about_return(*, return_id: int, event: str, wait: bool = False) -> bool:
    """Tell the return's auditor it was returned for amendment or unlocked, or (event "all_accepted",
    return_accept) that every one of their agency's returns in the audit is now accepted. False if
    nobody to tell, or, for "all_accepted", when they are no longer all accepted (one unlocked since: the
    auditor is told that instead).

    "returned" and "unlocked" tell of every return of the agency in the audit sent back or unlocked and not
    told of yet (ReturnNotice): one e-mail for a review sitting's send-backs, the return's own among them.
    With `wait` (notify_auditor, run by a worker), not before RETURN_NOTICE_DELAY after this return's
    send-back: ReturnNoticeNotDue says how long to wait. False when there is nothing left to tell of (an
    e-mail sent by an earlier send-back's task told of this return too).

    The comment or reason is not quoted: it is free text about a case, read on the return behind the link.
    """
    ret = PartAReturn.objects.select_related("audit", "case", "agency").filter(pk=return_id).first()
    if ret is None or event not in RETURN_EVENTS:
        return False
    if event == "all_accepted":
        if ret.audit.is_cancelled:
            logger.info("Part A return %s: audit cancelled, %s not e-mailed", return_id, event)
            return False
        return _email_all_accepted(ret)
    return _email_returns_sent_back(ret, wait=wait)


def _email_returns_sent_back(ret: PartAReturn, *, wait: bool) -> bool:
    with transaction.atomic():
        # The agency's notices in the audit, locked (only they: of self, not their returns): two tasks for its
        # returns take turns, and the second finds the notices the first told of gone (the e-mail is sent
        # before this transaction commits: a send that fails leaves them to its retry). Nothing a page does
        # waits on them while a slow mail relay holds this transaction open: a send-back adds a notice, it
        # locks none, and no page locks the agency's row for this.
        notices = list(
            ReturnNotice.objects.select_for_update(of=("self",))
            .filter(ret__audit_id=ret.audit_id, ret__agency_id=ret.agency_id)
            .select_related("ret__case")
            .order_by("pk")  # locked in one order whatever is done to the cases meanwhile: no deadlock
        )
        notices.sort(key=lambda n: (n.ret.case.order, n.ret.case.reference, n.created_at))
        own = max((n for n in notices if n.ret_id == ret.pk), key=lambda n: n.created_at, default=None)
        if own is None:
            return False  # told of already, with the others sent back in the same sitting
        if wait:
            due = own.created_at + RETURN_NOTICE_DELAY
            if timezone.now() < due:
                raise ReturnNoticeNotDue((due - timezone.now()).total_seconds() + 1)
        ReturnNotice.objects.filter(pk__in=[n.pk for n in notices]).delete()
        # A return sent back and sent again (or accepted) since is not listed: there is nothing to amend.
        latest = {n.ret_id: n for n in notices if n.ret.status == ReturnStatus.RETURNED}
        told = list(latest.values())
        if not told:
            return False
        if ret.audit.is_cancelled:
            # Cancelled between the review and this e-mail (the outbox may hold it for a while): the auditor
            # was told the audit is cancelled, and nothing more is done in it.
            logger.info("Part A returns of audit %s: audit cancelled, not e-mailed", ret.audit_id)
            return False
        # Not someone who cannot amend them (moved to another agency, deactivated, their role changed): the
        # links would be pages they may not open. The reviewer was told so when they sent each back.
        auditor, unable = auditor_to_tell(ret)
        if auditor is None or unable:
            logger.warning("Part A returns %s: no auditor able to amend them to notify", [n.ret_id for n in told])
            return False
        _send_returns_email(auditor, ret, told)
    return True


def _sent_back_by(told: list[ReturnNotice]):
    """The one person who sent back (or unlocked) every return told of, read from each return's history (its
    latest send-back or unlock), when they can read a reply (agencies.mail.reply_address); else None: the
    QA manager and the lead officer each sent some back, or the history is gone. One query, two with them."""
    latest = (
        PartAReturn.history.filter(
            id__in={n.ret_id for n in told}, history_change_reason__in=("returned for amendment", "unlocked")
        )
        .order_by("id", "-history_date", "-history_id")
        .distinct("id")
        .values_list("history_user_id", flat=True)
    )
    people = set(latest)
    if len(people) != 1 or None in people:
        return None
    person = User.objects.filter(pk=people.pop()).first()
    return person if reply_address(person) else None


def _send_returns_email(auditor, ret: PartAReturn, told: list[ReturnNotice]) -> None:
    names = {"audit": ret.audit.title}
    sent_back_by = _sent_back_by(told)
    if len(told) == 1:
        notice = told[0]
        event = notice.event
        context = {
            "auditor": auditor,
            "ret": notice.ret,
            "url": _site_url(reverse("audits:return_detail", args=[notice.ret_id])),
            "sent_back_by": sent_back_by,
        }
        names["case"] = notice.ret.case.reference
        subject = (
            _("Part A return for amendment: %(case)s, %(audit)s")
            if event == ReturnNoticeEvent.RETURNED
            else _("Part A return unlocked: %(case)s, %(audit)s")
        ) % names
        body = render_to_string(f"emails/parta_{event}.txt", context)
    else:
        unlocked = [n for n in told if n.event == ReturnNoticeEvent.UNLOCKED]
        names["count"] = len(told)
        subject = (
            _("%(count)d Part A returns unlocked: %(audit)s")
            if len(unlocked) == len(told)
            else _("%(count)d Part A returns for amendment: %(audit)s")
        ) % names
        context = {
            "auditor": auditor,
            "audit": ret.audit,
            "agency": ret.agency,
            "count": len(told),
            "returns": [
                {
                    "case": n.ret.case.reference,
                    "unlocked": n.event == ReturnNoticeEvent.UNLOCKED,
                    "url": _site_url(reverse("audits:return_detail", args=[n.ret_id])),
                }
                for n in told
            ],
            "any_unlocked": bool(unlocked),
            "url": _site_url(reverse("audits:my_returns")),
        }
        body = render_to_string("emails/parta_returned_several.txt", context | {"sent_back_by": sent_back_by})
    portal_mail_send(subject=subject, body=body, to=[auditor.email], reply_to_person=sent_back_by)


def _email_all_accepted(ret: PartAReturn) -> bool:
    if ret.audit.status not in ACCEPT_AUDIT_STATUSES or not _all_accepted(ret.audit_id, ret.agency_id):
        return False
    auditor, unable = auditor_to_tell(ret)
    if auditor is None or unable:
        logger.warning("Part A return %s: no auditor to tell that every return is accepted", ret.pk)
        return False
    audit = ret.audit
    session = PartBSession.objects.filter(audit=audit).first()
    session_date = (session.date if session else None) or audit.part_b_date
    if session_date and session_date < timezone.localdate():
        session_date = None  # a late return accepted after the session: not "the session is on" a past date
    count = PartAReturn.objects.filter(audit_id=ret.audit_id, agency_id=ret.agency_id).count()
    context = {
        "auditor": auditor,
        "audit": audit,
        "agency": ret.agency,
        "count": count,
        "session_date": mail_day(session_date) if session_date else "",
        "url": _site_url(reverse("audits:my_returns")),
    }
    portal_mail_send(
        subject=ngettext(
            "Your Part A return is accepted: %(audit)s", "All your Part A returns are accepted: %(audit)s", count
        )
        % {"audit": audit.title},
        body=render_to_string("emails/parta_all_accepted.txt", context),
        to=[auditor.email],
    )
    return True


@dataclass
class ReminderItem:
    audit: Audit
    auditor: Any
    outstanding: int
    today: date

    @property
    def days_left(self) -> int:
        return (self.audit.part_a_due - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def _outstanding_for(auditor_ids: list[int] | None, due_by: date | None, today: date) -> dict[int, list[ReminderItem]]:
    """Per auditor: the audits in Part A where their agency has unsubmitted returns. Not for an auditor
    deactivated, moved to another agency or given another role since being named (AuditAgency.auditor_unable):
    they cannot complete them."""
    participants = AuditAgency.objects.filter(
        audit__status=AuditStatus.PART_A,
        auditor__isnull=False,
        auditor__is_active=True,
        auditor__agency=F("agency"),
        auditor__role__in=AGENCY_STAFF_ROLES,
    ).select_related("audit", "auditor")
    if auditor_ids is not None:
        participants = participants.filter(auditor_id__in=auditor_ids)
    if due_by is not None:
        participants = participants.filter(audit__part_a_due__lte=due_by)
    participants = list(participants)
    counts = {
        (row["audit_id"], row["agency_id"]): row["n"]
        for row in PartAReturn.objects.filter(audit_id__in={p.audit_id for p in participants})
        .exclude(status__in=SUBMITTED_STATUSES)
        .values("audit_id", "agency_id")
        .annotate(n=Count("pk"))
    }
    result: dict[int, list[ReminderItem]] = defaultdict(list)
    for p in participants:
        n = counts.get((p.audit_id, p.agency_id), 0)
        if n:
            result[p.auditor_id].append(ReminderItem(p.audit, p.auditor, n, today))
    return result


REMINDER_WORKING_DAYS = 3


def reminder_window_end(today: date) -> date:
    """The last due date today's automatic reminder is about: 3 working days ahead (Monday to Friday, not a
    bank holiday nor a closure day: agencies.working_days.is_working_day, settings.BANK_HOLIDAYS,
    Partnership.closure_days).

    The reminders go out on working days only (settings.SCHEDULED_EMAIL_HOURS, audits.tasks), so the window
    counts working days: on a Friday it reaches the Wednesday after, and a return due on Tuesday is reminded
    of on Friday and Monday, not on Monday alone (3 calendar days from Friday end on Monday). From Monday
    and Tuesday it is the same as 3 calendar days. Over a bank holiday it reaches a day further for each:
    on the Thursday before Easter (England), the Thursday after."""
    day, left = today, REMINDER_WORKING_DAYS
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def reminders_due(*, today: date | None = None) -> list[int]:
    """The auditors whose automatic reminder is for today: unsubmitted returns due within 3 working days
    (reminder_window_end), or overdue, and no automatic reminder today yet. reminder_send leaves out of it
    each audit they were chased about earlier today, and records a reminder with nothing left to say as
    not sent."""
    today = today or timezone.localdate()
    outstanding = _outstanding_for(None, reminder_window_end(today), today)
    already = set(
        ReminderLog.objects.filter(kind=ReminderKind.AUTOMATIC, sent_on=today).values_list("auditor_id", flat=True)
    )
    return sorted(auditor_id for auditor_id in outstanding if auditor_id not in already)


def _chased_on(auditor_id: int, day: date) -> set[int]:
    """The audits whose returns the auditor was chased about (auditor_chase) on `day`."""
    chases = ReminderLog.objects.filter(auditor_id=auditor_id, kind=ReminderKind.CHASE, sent_on=day)
    return set(chases.values_list("audit_id", flat=True))


def reminder_send(*, auditor_id: int, today: date | None = None) -> ReminderLog | None:
    """E-mail one auditor a reminder, unless they had one today (or have nothing due). At most once a day.

    Not about an audit whose returns they were chased about earlier today (auditor_chase): one e-mail a
    day about the same returns is enough, and the chase, a person's own act, is never held back. The
    day's reminder log row says which audits were left out for that; when that leaves nothing, no e-mail
    goes, the row says so ("Not sent: …"), and None is returned."""
    today = today or timezone.localdate()
    due = [
        item
        for item in _outstanding_for([auditor_id], reminder_window_end(today), today).get(auditor_id, [])
        if item.audit.part_a_due is not None
    ]
    if not due:
        return None
    auditor = due[0].auditor
    if not auditor.email:
        return None
    chased = _chased_on(auditor_id, today)
    items = [i for i in due if i.audit.pk not in chased]
    left_out = ", ".join(i.audit.slug for i in due if i.audit.pk in chased)
    summary = "; ".join(f"{i.audit.slug}: {i.outstanding}" for i in items)
    if left_out:
        summary = (
            f"{summary}; not about {left_out}: chased earlier today"
            if items
            else f"Not sent: chased earlier today about {left_out}"
        )
    try:
        with transaction.atomic():
            # The row is the once-a-day guarantee: a second run the same day fails on the unique
            # constraint here. The e-mail goes inside the transaction, so a failed send leaves no
            # row and the next run tries again.
            log = ReminderLog.objects.create(
                auditor=auditor, kind=ReminderKind.AUTOMATIC, sent_on=today, summary=summary[:300]
            )
            if items:
                _send_reminder_email(auditor, items, chased_by=None)
    except IntegrityError:
        return None
    return log if items else None


def _send_reminder_email(auditor, items: list[ReminderItem], chased_by) -> None:
    context = {
        "auditor": auditor,
        "items": [
            {
                "audit": i.audit,
                "outstanding": i.outstanding,
                "due": mail_day(i.audit.part_a_due) if i.audit.part_a_due else "",
                "overdue": i.audit.part_a_due is not None and i.overdue,
                "days_left": i.days_left if i.audit.part_a_due else None,
            }
            for i in items
        ],
        "chased_by": chased_by,
        # A reply reaches the person who chased when they can read it (agencies.mail.reply_address): the
        # e-mail says so, and whom a reply reaches otherwise.
        "reply_to_chaser": bool(reply_address(chased_by)),
        "url": _site_url(reverse("audits:my_returns")),
    }
    template = "emails/parta_chase.txt" if chased_by else "emails/parta_reminder.txt"
    overdue = any(i["overdue"] for i in context["items"])
    if chased_by:
        # A chase is about one audit, which may have no due date: say who asks, and about which audit.
        subject = (
            _("Part A returns overdue: %(audit)s (a reminder from %(who)s)")
            if overdue
            else _("Part A returns not submitted: %(audit)s (a reminder from %(who)s)")
        ) % {"audit": items[0].audit.title, "who": str(chased_by)}
    elif len(items) == 1:
        # Which audit, as a chase's subject says: most auditors have one audit's returns to send at a time.
        subject = (_("Part A returns overdue: %(audit)s") if overdue else _("Part A returns due soon: %(audit)s")) % {
            "audit": items[0].audit.title
        }
    else:
        subject = _("Part A returns overdue") if overdue else _("Part A returns due soon")
    portal_mail_send(
        subject=subject, body=render_to_string(template, context), to=[auditor.email], reply_to_person=chased_by
    )


CHASE_INTERVAL = timedelta(hours=1)
PART_A_CLOSED = gettext_noop(
    "Part A of this audit is closed: auditors are chased only while their returns can still be sent."
)


def auditor_chase(*, request: HttpRequest | None = None, user, audit: Audit, agency_id: int) -> ReminderLog | None:
    """The QA manager or lead officer chases one agency's auditor while Part A is open; None when nothing
    is outstanding."""
    if not Audit.objects.managed_by(user).filter(pk=audit.pk).exists():
        raise ReturnNotAllowed(_("Only the QA manager and the audit's lead officer chase auditors."))
    if not audit.part_a_open:
        # email_chase writes only about audits in Part A: a chase now would be recorded and never sent.
        raise PartAError(_(PART_A_CLOSED))
    participant = (
        AuditAgency.objects.select_related("auditor", "agency").filter(audit=audit, agency_id=agency_id).first()
    )
    if participant is None:
        raise PartAError(_("That agency is not part of this audit."))
    if participant.auditor is None or not participant.auditor.email:
        raise PartAError(_("%(agency)s has no auditor with an e-mail address.") % {"agency": participant.agency})
    unable = participant.auditor_unable
    if unable:
        # The e-mail would send them to My returns, where these returns are not theirs to complete.
        raise PartAError(_("%(reason)s: change the agency's auditor first.") % {"reason": unable})
    outstanding = (
        PartAReturn.objects.filter(audit=audit, agency_id=agency_id).exclude(status__in=SUBMITTED_STATUSES).count()
    )
    if not outstanding:
        return None
    with transaction.atomic():
        # The audit's row, as audit_transition locks it: a move to Part B at the same moment either
        # waits for this chase (whose e-mail then finds nothing to send) or is seen here.
        locked = Audit.objects.select_for_update(no_key=True).filter(pk=audit.pk, status=AuditStatus.PART_A)
        if locked.values_list("pk", flat=True).first() is None:
            raise PartAError(_(PART_A_CLOSED))
        # A second click (or a colleague chasing the same person) within the hour sends nothing more.
        # The agency's row is locked next, so that two at the same moment take turns and the second
        # sees the first one's chase.
        AuditAgency.objects.select_for_update().get(pk=participant.pk)
        chased = ReminderLog.objects.filter(
            auditor=participant.auditor,
            audit=audit,
            kind=ReminderKind.CHASE,
            sent_at__gt=timezone.now() - CHASE_INTERVAL,
        ).exists()
        if chased:
            raise PartAError(
                _("%(auditor)s was chased about this audit less than an hour ago: no second reminder was sent.")
                % {"auditor": participant.auditor}
            )
        log = ReminderLog.objects.create(
            auditor=participant.auditor,
            audit=audit,
            kind=ReminderKind.CHASE,
            sent_on=timezone.localdate(),
            sent_by=user,
            summary=f"{audit.slug}: {outstanding}",
        )
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=participant,
            summary=_("Chased %(auditor)s for %(count)d Part A returns")
            % {"auditor": participant.auditor, "count": outstanding},
        )
        enqueue("audits.tasks.send_chase", log.pk)
    return log


def email_chase(*, reminder_id: int) -> bool:
    log = ReminderLog.objects.select_related("auditor", "audit", "sent_by").filter(pk=reminder_id).first()
    if log is None or log.audit is None or not log.auditor.email:
        return False
    items = _outstanding_for([log.auditor_id], None, timezone.localdate()).get(log.auditor_id, [])
    items = [i for i in items if i.audit.pk == log.audit_id]
    if not items:
        return False
    _send_reminder_email(log.auditor, items, chased_by=log.sent_by)
    return True
