"""Part A reads: My returns, the form's layout and state, roles on a return, history.

A return's answers travel between the database, the form, autosave and the conflict check as a
"state": a flat dict keyed by the form's field names, holding plain values (strings, booleans,
sorted lists of strings), so that any two states can be compared field by field.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from django.apps import apps
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import AGENCY_STAFF_ROLES
from agencies.selectors import published_identifier_keys
from audits.access import BOARD_READ_STATUSES
from audits.identifiers import (
    IdentifierMatch,
    age_range_from_band,
    find_identifiers,
    identifier_key,
    identifier_warning,
)
from audits.models import (
    Answer,
    AnswerType,
    Audit,
    AuditAgency,
    AuditStatus,
    Grade,
    PartAReturn,
    ReminderKind,
    ReminderLog,
    ReturnStatus,
    RiskFactor,
    Section,
    Standard,
    ToolVersion,
)

NOT_APPLICABLE = "na"
TEXT_FIELDS = ("strengths", "improvements", "no_involvement_reason")
BOOLEAN_FIELDS = ("no_involvement", "identifiers_confirmed")
RETURN_FIELDS = (*TEXT_FIELDS, *BOOLEAN_FIELDS, "overall_grade", "risk_factors")
SUBMITTED_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)

# The audit stages in which each review action may be taken. Sending back and unlocking give the
# return to the auditor to amend, which they can do only while Part A is open; a late return can
# still be accepted during Part B, and nothing changes once the audit is reported or closed.
SEND_BACK_AUDIT_STATUSES = (AuditStatus.PART_A,)
UNLOCK_AUDIT_STATUSES = (AuditStatus.PART_A,)
ACCEPT_AUDIT_STATUSES = (AuditStatus.PART_A, AuditStatus.PART_B)


def grade_field(standard_id: int) -> str:
    return f"s{standard_id}-grade"


def evidence_field(standard_id: int) -> str:
    return f"s{standard_id}-evidence"


# --- The tool a return is made with ------------------------------------------------------------


@dataclass
class SectionLayout:
    section: Section
    standards: list[Standard]


@dataclass
class ToolLayout:
    """Everything the form needs to know about a tool version, read in three queries (the third when needed)."""

    version: ToolVersion
    sections: list[SectionLayout]
    standards: list[Standard]
    grades: list[Grade]
    standards_by_id: dict[int, Standard] = field(default_factory=dict)
    grades_by_id: dict[int, Grade] = field(default_factory=dict)

    @cached_property
    def risk_factors(self) -> list[RiskFactor]:
        # The taxonomy is shared and edited at any time: read per layout, never kept with the tool's parts
        # (used_tool_layout), and only when asked for (an autosave of other fields does not need it).
        return list(RiskFactor.objects.order_by("name"))

    def field_label(self, name: str) -> str:
        if name.startswith("s") and "-" in name:
            standard_id, _sep, part = name[1:].partition("-")
            standard = self.standards_by_id.get(int(standard_id)) if standard_id.isdecimal() else None
            if standard is not None:
                return f"{standard.code} — " + (str(_("grade")) if part == "grade" else str(_("evidence")))
        return str(RETURN_FIELD_LABELS.get(name, name))

    def display_value(self, name: str, value: Any) -> str:
        """A state value as a person reads it: grade labels, risk factor names, yes/no."""
        if name.endswith("-grade") or name == "overall_grade":
            if value == NOT_APPLICABLE:
                return str(_("Not applicable"))
            if value in ("", None):
                return str(_("(not answered)"))
            grade = self.grades_by_id.get(int(value))
            return grade.label if grade else str(value)
        if name == "risk_factors":
            names = {str(rf.pk): rf.name for rf in self.risk_factors}
            return ", ".join(names.get(v, v) for v in value) or str(_("(none)"))
        if isinstance(value, bool):
            return str(_("Yes")) if value else str(_("No"))
        return value or str(_("(empty)"))


RETURN_FIELD_LABELS = {
    "strengths": _("Strengths"),
    "improvements": _("Areas for improvement"),
    "risk_factors": _("Risk factors seen"),
    "overall_grade": _("Overall grade for my agency's practice"),
    "no_involvement": _("My agency had no involvement with this case"),
    "amendment_comment": _("Comment from the reviewer"),
    "no_involvement_reason": _("Reason for no involvement"),
    "identifiers_confirmed": _("I confirm the flagged details are not information about the child"),
}


def _tool_parts(version: ToolVersion) -> tuple[list[SectionLayout], list[Standard], list[Grade]]:
    standards = list(
        Standard.objects.filter(section__version=version).select_related("section").order_by("section__order", "order")
    )
    sections: list[SectionLayout] = []
    for standard in standards:
        if not sections or sections[-1].section.pk != standard.section_id:
            sections.append(SectionLayout(standard.section, []))
        sections[-1].standards.append(standard)
    grades = list(Grade.objects.filter(scale_id=version.scale_id).order_by("rank"))
    return sections, standards, grades


def _layout(version: ToolVersion, parts: tuple[list[SectionLayout], list[Standard], list[Grade]]) -> ToolLayout:
    sections, standards, grades = parts
    return ToolLayout(
        version=version,
        sections=sections,
        standards=standards,
        grades=grades,
        standards_by_id={s.pk: s for s in standards},
        grades_by_id={g.pk: g for g in grades},
    )


def tool_layout(version: ToolVersion) -> ToolLayout:
    """Sections, standards, the scale's grades and the risk factor taxonomy: three queries, whatever the size."""
    return _layout(version, _tool_parts(version))


# A tool version is never edited once an audit uses it (ToolVersion's docstring: copy it instead), so the
# return pages, whose version is in use by definition, keep its sections, standards and grades per process.
# Keyed on the version's id and creation time (an id can come back after a rolled-back transaction, e.g. in
# tests); entries expire after LAYOUT_CACHE_SECONDS, so that a correction made in the admin despite the rule
# still shows within minutes. Only read by the process that filled it: nothing shared, nothing to invalidate.
LAYOUT_CACHE_SECONDS = 300
LAYOUT_CACHE_SIZE = 32
_layout_cache: OrderedDict[tuple[int, datetime, int], tuple[float, tuple]] = OrderedDict()


def used_tool_layout(version: ToolVersion) -> ToolLayout:
    """tool_layout for a version in use (a return's): no query once its parts are kept, bar the risk factors."""
    key = (version.pk, version.created_at, version.scale_id)
    now = time.monotonic()
    hit = _layout_cache.get(key)
    if hit is not None and now - hit[0] < LAYOUT_CACHE_SECONDS:
        _layout_cache.move_to_end(key)
        return _layout(version, hit[1])
    parts = _tool_parts(version)
    _layout_cache[key] = (now, parts)
    _layout_cache.move_to_end(key)
    while len(_layout_cache) > LAYOUT_CACHE_SIZE:
        _layout_cache.popitem(last=False)
    return _layout(version, parts)


# --- A return's state ------------------------------------------------------------------------------


def blank_state(layout: ToolLayout) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for standard in layout.standards:
        state[grade_field(standard.pk)] = ""
        state[evidence_field(standard.pk)] = ""
    state.update({name: "" for name in TEXT_FIELDS})
    state.update({name: False for name in BOOLEAN_FIELDS})
    state["overall_grade"] = ""
    state["risk_factors"] = []
    return state


def _answer_grade_value(answer: Any) -> str:
    if answer.not_applicable:
        return NOT_APPLICABLE
    return str(answer.grade_id) if answer.grade_id else ""


def state_from(layout: ToolLayout, source: Any, answers: list[Any], risk_factor_ids: list[Any]) -> dict[str, Any]:
    state = blank_state(layout)
    for answer in answers:
        if answer.standard_id in layout.standards_by_id:
            state[grade_field(answer.standard_id)] = _answer_grade_value(answer)
            state[evidence_field(answer.standard_id)] = answer.evidence
    for name in TEXT_FIELDS:
        state[name] = getattr(source, name)
    for name in BOOLEAN_FIELDS:
        state[name] = bool(getattr(source, name))
    state["overall_grade"] = str(source.overall_grade_id) if source.overall_grade_id else ""
    state["risk_factors"] = sorted(str(pk) for pk in risk_factor_ids if pk is not None)
    return state


def return_state(ret: PartAReturn, layout: ToolLayout) -> dict[str, Any]:
    """The return as it is now (two queries: answers, risk factors)."""
    answers = list(Answer.objects.filter(part_a_return=ret))
    risk_factor_ids = list(ret.risk_factors.values_list("pk", flat=True))
    return state_from(layout, ret, answers, risk_factor_ids)


def state_at_version(ret: PartAReturn, version: int, layout: ToolLayout) -> dict[str, Any] | None:
    """The return as it was when it had `version`, from its history; None if that is not known.

    Every save writes the answers first and the return last, in one transaction, so the
    answers' state at that version is each answer's latest history row up to the return's.
    """
    record = PartAReturn.history.filter(id=ret.pk, version=version).order_by("-history_date", "-history_id").first()
    if record is None:
        return None
    risk_factor_ids = list(record.risk_factors.values_list("riskfactor_id", flat=True))
    latest: dict[int, Any] = {}
    rows = Answer.history.filter(part_a_return_id=ret.pk, history_date__lte=record.history_date).order_by(
        "standard_id", "-history_date", "-history_id"
    )
    for row in rows:
        if row.standard_id not in latest:
            latest[row.standard_id] = row
    answers = [row for row in latest.values() if row.history_type != "-"]
    return state_from(layout, record, answers, risk_factor_ids)


def is_answered(state: dict[str, Any], standard: Standard) -> bool:
    grade = state[grade_field(standard.pk)]
    if grade == NOT_APPLICABLE:
        return True
    if standard.answer_type == AnswerType.TEXT:
        return bool(state[evidence_field(standard.pk)].strip())
    return grade != ""


def progress(state: dict[str, Any], layout: ToolLayout) -> tuple[int, int]:
    """(standards answered, standards in the tool)."""
    return sum(is_answered(state, s) for s in layout.standards), len(layout.standards)


class _Published:
    """The numbers and addresses the partnership publishes (a MASH line quoted in evidence is not the
    child's): read once per guard context, and only once the guard has found something, so that a
    save of ordinary text costs no query."""

    def __init__(self) -> None:
        self._keys: set[str] | None = None

    def drop(self, matches: list[IdentifierMatch]) -> list[IdentifierMatch]:
        if not matches:
            return matches
        if self._keys is None:
            self._keys = published_identifier_keys()
        return [match for match in matches if identifier_key(match) not in self._keys]


@dataclass(frozen=True)
class GuardContext:
    age_range: tuple[int, int] | None
    reference_date: date | None
    # Shared by every check made with this context (a save checks before, after and the changes).
    published: _Published = field(default_factory=_Published, compare=False, repr=False)


def guard_context(ret: PartAReturn) -> GuardContext:
    """What the identifier guard needs to judge whether a date could be the child's birth date."""
    audit = ret.audit
    return GuardContext(
        age_range_from_band(ret.case.age_band), audit.part_a_due or timezone.localdate(audit.created_at)
    )


def _flagged(state: dict[str, Any], name: str, guard: GuardContext) -> list[IdentifierMatch]:
    found = find_identifiers(state.get(name, ""), age_range=guard.age_range, reference_date=guard.reference_date)
    return guard.published.drop(found)


def state_warnings(
    state: dict[str, Any], layout: ToolLayout, guard: GuardContext, only: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """Identifier warnings for every free-text field of the state (or those of `only`), keyed by field name."""
    names = _free_text_names(layout)
    if only is not None:
        wanted = set(only)
        names = [name for name in names if name in wanted]
    warnings = {}
    for name in names:
        found = _flagged(state, name, guard)
        if found:
            warnings[name] = [identifier_warning(match) for match in found]
    return warnings


def _free_text_names(layout: ToolLayout) -> list[str]:
    return [evidence_field(s.pk) for s in layout.standards] + list(TEXT_FIELDS)


def flagged_changed(before: dict[str, Any], after: dict[str, Any], layout: ToolLayout, guard: GuardContext) -> bool:
    """Whether the details flagged as possible identifiers differ between two states.

    Only the text fields that differ are read (an autosave sends one or two), so this costs no
    query and little time: a field whose text is the same flags the same details.
    """
    changed = [name for name in _free_text_names(layout) if before.get(name, "") != after.get(name, "")]
    return bool(changed) and state_warnings(before, layout, guard, only=changed) != state_warnings(
        after, layout, guard, only=changed
    )


@dataclass(frozen=True)
class FlaggedDetail:
    field: str  # the field's label
    text: str  # what was flagged, as written
    kind: str  # what it looks like: "an NHS number"…


def flagged_details(state: dict[str, Any], layout: ToolLayout, guard: GuardContext) -> list[FlaggedDetail]:
    """Every detail of the state flagged as a possible identifier, field by field (for the reviewers)."""
    return [
        FlaggedDetail(layout.field_label(name), match.text, match.label)
        for name in _free_text_names(layout)
        for match in _flagged(state, name, guard)
    ]


def submission_errors(
    state: dict[str, Any], layout: ToolLayout, warnings: dict[str, list[str]]
) -> dict[str, list[str]]:
    """What stops the state being submitted, keyed by field name (empty: it may be submitted)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if state["no_involvement"]:
        if not state["no_involvement_reason"].strip():
            add("no_involvement_reason", str(_("Give the reason your agency had no involvement with this case.")))
    else:
        for standard in layout.standards:
            grade = state[grade_field(standard.pk)]
            evidence = state[evidence_field(standard.pk)].strip()
            if standard.answer_type == AnswerType.TEXT:
                if grade != NOT_APPLICABLE and not evidence:
                    add(evidence_field(standard.pk), str(_("Give the evidence, or mark the standard Not applicable.")))
            elif grade == "":
                add(grade_field(standard.pk), str(_("Choose a grade, or Not applicable.")))
            elif grade != NOT_APPLICABLE and not evidence:
                add(evidence_field(standard.pk), str(_("Give the evidence for this grade.")))
        if not state["overall_grade"]:
            add("overall_grade", str(_("Choose an overall grade for your agency's practice.")))
    if warnings and not state["identifiers_confirmed"]:
        add(
            "identifiers_confirmed",
            str(
                _(
                    "Some answers contain details that look like identifiers (marked below). Remove them, or "
                    "tick this box to confirm they are not information about the child."
                )
            ),
        )
    return errors


# --- Who may do what with a return --------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRole:
    """What one user may do with one return they can see (PartAReturn.objects.visible_to)."""

    is_auditor: bool  # the auditor the return's agency named for this audit
    is_reviewer: bool  # the QA manager, or the audit's lead officer
    is_qa_manager: bool
    part_a_open: bool
    # The user is the return's named auditor, or submitted it as its auditor: they do not review their
    # own work (a lead officer who named themselves their agency's auditor), another reviewer does.
    own_return: bool = False

    @property
    def can_edit_answers(self) -> bool:
        return self.is_auditor and self.part_a_open

    @property
    def can_review(self) -> bool:
        """May open the review page (and read the return as its reviewers do)."""
        return self.is_reviewer

    @property
    def can_decide(self) -> bool:
        """May return the return for amendment or accept it: a reviewer, on somebody else's work."""
        return self.is_reviewer and not self.own_return

    @property
    def can_unlock(self) -> bool:
        return self.is_qa_manager and not self.own_return

    @property
    def can_read_history(self) -> bool:
        # The history holds every draft (identifiers removed before submission included) and the
        # reviewers' comments: for the agency's named auditor and the reviewers, not every reader.
        return self.is_auditor or self.is_reviewer


def _is_named_auditor(user, ret: PartAReturn) -> bool:
    # visible_return answers this in the query that loads the return, for the user who loaded it.
    checked = getattr(ret, "named_auditor_checked", None)
    if checked is not None and checked[0] == user.pk:
        return checked[1]
    return AuditAgency.objects.filter(audit_id=ret.audit_id, agency_id=ret.agency_id, auditor=user).exists()


def return_role(user, ret: PartAReturn) -> ReturnRole:
    # The named auditor edits while they are one of the agency's managers or practitioners: not once
    # moved to another agency or made QA manager or administrator (AuditAgency.auditor_unable).
    is_auditor = bool(
        user.role in AGENCY_STAFF_ROLES and user.case_agency_id == ret.agency_id and _is_named_auditor(user, ret)
    )
    # A submitted or accepted return was last saved by whoever submitted it: reviews do not change it.
    submitted_it = ret.status in SUBMITTED_STATUSES and ret.last_saved_by_id == user.pk
    return ReturnRole(
        is_auditor=is_auditor,
        is_reviewer=user.is_qa_manager
        or (user.has_case_access and ret.audit.lead_officer_id is not None and ret.audit.lead_officer_id == user.pk),
        is_qa_manager=user.is_qa_manager,
        part_a_open=ret.audit.status == AuditStatus.PART_A,
        own_return=is_auditor or submitted_it,
    )


OWN_RETURN_REFUSAL = _(
    "You submitted this return as its agency's auditor, or are its auditor now: you do not review your own "
    "work. The QA manager or another reviewer returns, accepts or unlocks it."
)


def auditor_to_tell(ret: PartAReturn):
    """(the return's named auditor, "") when they can amend it and be e-mailed about it. Else why not:
    (None, why) when nobody named can amend it (AuditAgency.auditor_unable, the rule of the Part A
    opening and reminder e-mails); (the auditor, why) when they can but have no e-mail address."""
    participant = (
        AuditAgency.objects.select_related("auditor", "agency")
        .filter(audit_id=ret.audit_id, agency_id=ret.agency_id)
        .first()
    )
    if participant is None or participant.auditor is None:
        return None, str(_("%(agency)s has no auditor named") % {"agency": ret.agency.name})
    unable = participant.auditor_unable
    if unable:
        return None, unable
    if not participant.auditor.email:
        return participant.auditor, str(_("%(name)s has no e-mail address") % {"name": participant.auditor})
    return participant.auditor, ""


def visible_return(user, pk: int) -> PartAReturn | None:
    """One return the user may see, with what its pages show (and whether the user is its named auditor), or None."""
    ret = (
        PartAReturn.objects.visible_to(user)
        .annotate(
            user_is_named_auditor=Exists(
                AuditAgency.objects.filter(
                    audit_id=OuterRef("audit_id"), agency_id=OuterRef("agency_id"), auditor_id=user.pk
                )
            )
        )
        # Only what the pages show: the lead officer and the overall grade are read by id. PostgreSQL's
        # planning time grows with every join (2.6 ms with those two and the model's ordering, 1.5 without).
        .select_related("audit", "case", "agency", "tool_version", "tool_version__tool", "last_saved_by")
        .filter(pk=pk)
        .order_by()  # then by pk: the model's ordering sorts on three joined tables, for one row
        .first()
    )
    if ret is not None:
        # For return_role: the view and the save service both ask, within one request.
        ret.named_auditor_checked = (user.pk, ret.user_is_named_auditor)
    return ret


# --- Lists ---------------------------------------------------------------------------------------


def _with_progress(returns: QuerySet[PartAReturn]) -> QuerySet[PartAReturn]:
    """Annotate answered / total standards with correlated subqueries: one query for any number of rows."""
    total = (
        Standard.objects.filter(section__version=OuterRef("tool_version"))
        .order_by()
        .values("section__version")
        .annotate(n=Count("pk"))
        .values("n")
    )
    answered = (
        Answer.objects.filter(part_a_return=OuterRef("pk"))
        .filter(
            Q(not_applicable=True)
            | Q(standard__answer_type=AnswerType.GRADE, grade__isnull=False)
            | (Q(standard__answer_type=AnswerType.TEXT) & ~Q(evidence=""))
        )
        .order_by()
        .values("part_a_return")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return returns.annotate(
        standards_total=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)),
        standards_answered=Coalesce(Subquery(answered, output_field=IntegerField()), Value(0)),
    )


def is_overdue(audit: Audit, ret: PartAReturn, today: date | None = None) -> bool:
    """Still awaited after the Part A due date, while Part A is open: the one rule of the progress
    dashboard, the audit's returns list and My returns. Once Part A has closed an unsent return is
    no longer overdue (nothing can be sent): its status says it was not sent."""
    due = audit.part_a_due
    return bool(
        audit.status == AuditStatus.PART_A
        and due
        and ret.status not in SUBMITTED_STATUSES
        and due < (today or timezone.localdate())
    )


def _my_returns(user) -> QuerySet[PartAReturn]:
    """The Part A returns of the audits the user is the named auditor for (their own agency only), while
    they are one of its managers or practitioners (AuditAgency.auditor_unable)."""
    if user.role not in AGENCY_STAFF_ROLES:
        return PartAReturn.objects.none()
    return (
        PartAReturn.objects.visible_to(user)
        .filter(
            agency_id=user.agency_id,
            audit__participants__auditor=user,
            audit__participants__agency_id=user.agency_id,
        )
        .exclude(audit__status=AuditStatus.PLANNING)
    )


def my_returns_for(user, *, audit_id: int | None = None) -> list[PartAReturn]:
    """The user's returns in full: those of the audits in Part A, or all of one audit's when `audit_id` is given.

    One query: returns, their audit, case and agency, with progress annotated. Audits past Part A
    are summarised by my_past_audits instead, so the page does not grow with the history.
    """
    returns = _my_returns(user)
    returns = (
        returns.filter(audit_id=audit_id) if audit_id is not None else returns.filter(audit__status=AuditStatus.PART_A)
    )
    rows = list(
        _with_progress(
            returns.select_related("audit", "case", "agency").order_by(
                "audit__part_a_due", "audit_id", "case__order", "case__reference"
            )
        )
    )
    today = timezone.localdate()
    for row in rows:
        row.overdue = is_overdue(row.audit, row, today)
    return rows


@dataclass
class PastAudit:
    """One audit past Part A on My returns: how many of the user's returns ended in each status."""

    audit_id: int
    title: str
    status_display: str
    part_a_due: date | None
    counts: list[tuple[str, int]]
    no_involvement: int
    slug: str = ""
    # In Part B the audit's named auditors may read its evidence boards (audits.access.get_board_audit).
    boards_open: bool = False

    @property
    def total(self) -> int:
        return sum(n for _label, n in self.counts)


def my_past_audits(user) -> list[PastAudit]:
    """The audits past Part A the user was the auditor for, newest first, with counts of returns by status.

    One query (returns grouped by audit, status and no-involvement), whatever the number of returns.
    """
    rows = (
        _my_returns(user)
        .exclude(audit__status=AuditStatus.PART_A)
        .order_by()
        .values(
            "audit_id",
            "audit__title",
            "audit__slug",
            "audit__status",
            "audit__part_a_due",
            "audit__created_at",
            "status",
        )
        # "No involvement" as the matrix and the boards say it: of a return sent (submitted or accepted), not
        # of a draft with the box ticked, or one sent back, which never told the group so.
        .annotate(n=Count("pk"), none=Count("pk", filter=Q(no_involvement=True, status__in=SUBMITTED_STATUSES)))
        .order_by("-audit__created_at", "audit_id")
    )
    audits: dict[int, PastAudit] = {}
    by_status: dict[int, dict[str, int]] = {}
    for row in rows:
        audit = audits.get(row["audit_id"])
        if audit is None:
            audit = audits[row["audit_id"]] = PastAudit(
                row["audit_id"],
                row["audit__title"],
                str(AuditStatus(row["audit__status"]).label),
                row["audit__part_a_due"],
                [],
                0,
                slug=row["audit__slug"],
                boards_open=row["audit__status"] in BOARD_READ_STATUSES,
            )
            by_status[audit.audit_id] = {}
        by_status[audit.audit_id][row["status"]] = row["n"]
        audit.no_involvement += row["none"]
    for audit in audits.values():
        counts = by_status[audit.audit_id]
        # In the order of the statuses' life, not of the query.
        audit.counts = [(str(s.label), counts[s.value]) for s in ReturnStatus if counts.get(s.value)]
    return list(audits.values())


@dataclass
class AgencyReturns:
    participant: AuditAgency
    returns: list[PartAReturn]

    @property
    def outstanding(self) -> int:
        return sum(1 for r in self.returns if r.status not in SUBMITTED_STATUSES)


def participants_with_last_chase(audit: Audit) -> QuerySet[AuditAgency]:
    """The audit's agencies with their auditor and `last_chased` (when that auditor was last chased
    about this audit, or None), in the same query."""
    chases = ReminderLog.objects.filter(audit=audit, auditor=OuterRef("auditor_id"), kind=ReminderKind.CHASE).order_by(
        "-sent_at"
    )
    return (
        AuditAgency.objects.filter(audit=audit)
        .select_related("agency", "auditor")
        .annotate(last_chased=Subquery(chases.values("sent_at")[:1]))
    )


def audit_returns(audit: Audit) -> list[AgencyReturns]:
    """Every return of an audit, grouped by agency, for the QA manager and lead officer (two queries)."""
    participants = list(participants_with_last_chase(audit))
    returns = list(
        _with_progress(PartAReturn.objects.filter(audit=audit))
        .select_related("case", "agency", "audit")
        .order_by("agency__name", "case__order", "case__reference")
    )
    today = timezone.localdate()
    by_agency: dict[int, list[PartAReturn]] = {}
    for ret in returns:
        ret.overdue = is_overdue(audit, ret, today)
        by_agency.setdefault(ret.agency_id, []).append(ret)
    return [AgencyReturns(p, by_agency.get(p.agency_id, [])) for p in participants]


# --- History -------------------------------------------------------------------------------------


@dataclass
class HistoryChange:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    at: datetime
    who: str
    what: str
    reason: str
    changes: list[HistoryChange]


def _changes(
    before: dict[str, Any], after: dict[str, Any], names: list[str], layout: ToolLayout
) -> list[HistoryChange]:
    return [
        HistoryChange(
            layout.field_label(n), layout.display_value(n, before.get(n, "")), layout.display_value(n, after[n])
        )
        for n in names
        if before.get(n) != after[n]
    ]


def last_saved_at(ret: PartAReturn):
    """When its auditor (last_saved_by) last saved the return, for "Last changed by … on …". Not updated_at:
    accepting, returning or unlocking it changes that too, and the auditor did not change it then."""
    if ret.last_saved_by_id is None:
        return None
    if ret.status in SUBMITTED_STATUSES:
        return ret.submitted_at  # submitting is the auditor's last save: nothing but a review comes after it
    if ret.status != ReturnStatus.RETURNED:
        return ret.updated_at  # a draft: only its auditor's saves change it
    # Returned: saved since it came back, or not. The history knows (one query).
    saved = (
        PartAReturn.history.filter(id=ret.pk, history_user_id=ret.last_saved_by_id)
        .order_by("-history_date", "-history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    return saved or ret.submitted_at


def return_history(ret: PartAReturn, layout: ToolLayout, limit: int = 1000) -> list[HistoryEntry]:
    """Who changed what when, newest first: the return's own fields and each answer (four queries).

    A return saved more often than `limit` times (its answers `2 × limit` times) shows its newest
    changes: the rows are read newest first, one more than shown, and the oldest row read only stands
    for what came before the first change shown (never compared with an empty return)."""
    entries: list[HistoryEntry] = []
    records = list(
        PartAReturn.history.filter(id=ret.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )[::-1]
    # The risk factors each history row held (simple-history keeps them in a model of their own).
    risk_history = apps.get_model("audits", "HistoricalPartAReturn_risk_factors")
    risk_factor_ids: dict[int, list[int]] = {}
    for history_id, risk_factor_id in risk_history.objects.filter(
        history_id__in=[r.history_id for r in records]
    ).values_list("history_id", "riskfactor_id"):
        risk_factor_ids.setdefault(history_id, []).append(risk_factor_id)
    # The first row is compared with an empty return, so that it shows what the return started with.
    previous: dict[str, Any] = {**blank_state(layout), "amendment_comment": ""}
    previous_status = ""
    return_names = ["status", *RETURN_FIELDS, "amendment_comment"]
    for n, record in enumerate(records):
        state = state_from(layout, record, [], risk_factor_ids.get(record.history_id, []))
        state["status"] = record.status
        state["amendment_comment"] = record.amendment_comment
        if n == 0 and len(records) > limit:  # older rows were left out: this one is the starting point
            previous, previous_status = state, record.status
            continue
        changes = (
            [
                HistoryChange(
                    str(_("Status")),
                    str(ReturnStatus(previous_status).label) if previous_status else "",
                    str(ReturnStatus(record.status).label),
                )
            ]
            if record.status != previous_status
            else []
        )
        changes += _changes(previous, state, [n for n in return_names if n != "status"], layout)
        if changes or record.history_type == "+":
            entries.append(
                HistoryEntry(
                    record.history_date,
                    str(record.history_user or _("(system)")),
                    str(_("Return created")) if record.history_type == "+" else str(_("Return changed")),
                    record.history_change_reason or "",
                    changes,
                )
            )
        previous, previous_status = state, record.status
    answer_rows = list(
        Answer.history.filter(part_a_return_id=ret.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit * 2 + 1]
    )[::-1]
    # Cut short, each standard's oldest row read is only its starting point, unless it is the answer's first.
    cut_short = len(answer_rows) > limit * 2
    answer_rows.sort(key=lambda row: row.standard_id)  # stable: each standard's rows stay oldest first
    last: dict[int, dict[str, Any]] = {}
    for row in answer_rows:
        if row.standard_id not in layout.standards_by_id:
            continue
        after = {grade_field(row.standard_id): _answer_grade_value(row), evidence_field(row.standard_id): row.evidence}
        if cut_short and row.standard_id not in last and row.history_type != "+":
            last[row.standard_id] = after
            continue
        before = last.get(row.standard_id, {name: "" for name in after})
        changes = _changes(before, after, list(after), layout)
        if changes:
            entries.append(
                HistoryEntry(
                    row.history_date,
                    str(row.history_user or _("(system)")),
                    str(_("Answer to %(code)s") % {"code": layout.standards_by_id[row.standard_id].code}),
                    row.history_change_reason or "",
                    changes,
                )
            )
        last[row.standard_id] = after
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
