"""Reads for Part B: the progress dashboard, the evidence board, the heatmap, findings and recommendations.

Every function here costs a fixed number of queries whatever the number of cases, agencies and
standards: rows are fetched in a few flat queries and put together in Python.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, TextField, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.models import AccessAction, AccessRecord, Agency
from audits.grade_colours import tone_classes
from audits.models import (
    AGENCY_FINDING_KINDS,
    Answer,
    AnswerType,
    Attendance,
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
    Section,
    Standard,
)
from audits.selectors.parta import is_overdue, participants_with_last_chase, used_tool_layout

# A return counts as received once its auditor has submitted it (accepted ones included).
RECEIVED_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
STATUS_HISTORY_PREFIX = "Status changed"


def is_received(ret: PartAReturn) -> bool:
    return ret.status in RECEIVED_STATUSES


# --- Progress dashboard ------------------------------------------------------------------------


@dataclass(slots=True)
class MatrixCell:
    ret: PartAReturn | None  # only its pk, case, agency, status and no-involvement are loaded
    overdue: bool = False
    label: str = ""  # the return's status as the matrix prints it (translated once per status)
    css: str = ""  # the link's classes
    agency_short: str = ""


@dataclass
class AgencyProgress:
    participant: AuditAgency
    total: int = 0
    received: int = 0
    overdue: int = 0

    @property
    def outstanding(self) -> int:
        return self.total - self.received


@dataclass
class Dashboard:
    audit: Audit
    participants: list[AgencyProgress]
    rows: list[tuple[Case, list[MatrixCell]]]
    counts: list[tuple[str, str, int]]  # (status, label, number)
    total: int
    received: int
    overdue: int
    missing: list[PartAReturn]
    history: list[AccessRecord]
    # Of the received returns (counted in Submitted and Accepted), those saying the agency had no involvement.
    no_involvement: int = 0

    @property
    def percent_complete(self) -> int:
        """Received of all the returns, as a whole percentage: rounded to the nearest, except that 100 is
        said only when every return is in and 0 only when none is (199 of 200 is 99%, not 100%; 1 of
        300 is 1%, not 0%). 0 of 0 is 0."""
        if not self.total:
            return 0
        percent = round(100 * self.received / self.total)
        if self.received < self.total:
            percent = min(percent, 99)
        if self.received:
            percent = max(percent, 1)
        return percent


def _returns_for(user, audit: Audit) -> QuerySet[PartAReturn]:
    # Part B pages read returns through the single isolation point, like every other page.
    return PartAReturn.objects.visible_to(user).filter(audit=audit)


def missing_returns(audit: Audit) -> list[PartAReturn]:
    """Returns not yet received, for the move to Part B: one query."""
    return list(
        PartAReturn.objects.filter(audit=audit)
        .exclude(status__in=RECEIVED_STATUSES)
        .select_related("case", "agency")
        .order_by("case__order", "case__reference", "agency__name")
    )


def status_history(audit: Audit, limit: int = 10) -> list[AccessRecord]:
    return list(
        AccessRecord.objects.filter(
            object_type="audits.audit",
            object_id=str(audit.pk),
            action=AccessAction.CHANGE,
            summary__startswith=STATUS_HISTORY_PREFIX,
        )[:limit]
    )


def dashboard_for(user, audit: Audit) -> Dashboard:
    """The cases × agencies progress matrix. Queries: participants (with agency and auditor),
    cases, returns, status history: four, whatever the size of the audit."""
    today = timezone.localdate()
    participants = list(participants_with_last_chase(audit).order_by("agency__name"))
    cases = list(audit.cases.order_by("order", "reference"))
    # 150 returns at 15 agencies × 10 cases: only what the matrix needs, not their free text.
    returns = list(
        _returns_for(user, audit).only("case_id", "agency_id", "audit_id", "status", "no_involvement").order_by()
    )
    by_key = {(r.case_id, r.agency_id): r for r in returns}
    progress = {p.agency_id: AgencyProgress(participant=p) for p in participants}

    rows: list[tuple[Case, list[MatrixCell]]] = []
    missing: list[PartAReturn] = []
    counts: dict[str, int] = defaultdict(int)
    received = overdue = no_involvement_count = 0
    labels = {value: str(label) for value, label in ReturnStatus.choices}
    no_involvement = str(_("No involvement"))
    for case in cases:
        cells = []
        for p in participants:
            ret = by_key.get((case.pk, p.agency_id))
            cell = MatrixCell(ret=ret, agency_short=p.agency.short_name)
            if ret is not None:
                # PartAReturn.display_status, without a translation lookup per cell.
                shows_no_involvement = ret.no_involvement and is_received(ret)
                cell.label = no_involvement if shows_no_involvement else labels.get(ret.status, ret.status)
                cell.css = f"return-status rs-{ret.status}" + (" rs-no-involvement" if ret.no_involvement else "")
                agency = progress[p.agency_id]
                agency.total += 1
                counts[ret.status] += 1
                if is_received(ret):
                    agency.received += 1
                    received += 1
                    no_involvement_count += ret.no_involvement
                else:
                    missing.append(ret)
                    if is_overdue(audit, ret, today):
                        cell.overdue = True
                        agency.overdue += 1
                        overdue += 1
            cells.append(cell)
        rows.append((case, cells))
    total = sum(counts.values())
    return Dashboard(
        audit=audit,
        participants=list(progress.values()),
        rows=rows,
        counts=[(s.value, s.label, counts.get(s.value, 0)) for s in ReturnStatus],
        total=total,
        received=received,
        overdue=overdue,
        missing=missing,
        history=status_history(audit),
        no_involvement=no_involvement_count,
    )


# --- Part B session ----------------------------------------------------------------------------


def session_with_attendance(audit: Audit) -> tuple[PartBSession | None, list[tuple[AuditAgency, str, str]]]:
    """The session (if any) and each participating agency with its recorded attendance ("" if none) and
    the person it names: the one it was recorded for, or, not recorded yet, the agency's auditor now
    ("" for nobody: recorded when no auditor was named, or none named now)."""
    session = PartBSession.objects.filter(audit=audit).first()
    participants = list(audit.participants.select_related("agency", "auditor").order_by("agency__name"))
    recorded: dict[int, tuple[str, str]] = {}
    if session is not None:
        rows = Attendance.objects.filter(session=session).values_list("participant_id", "status", "attendee")
        recorded = {pk: (status, attendee) for pk, status, attendee in rows}
    rows = []
    for p in participants:
        status, attendee = recorded[p.pk] if p.pk in recorded else ("", Attendance.name_of(p.auditor))
        rows.append((p, status, attendee))
    return session, rows


# --- Evidence board ----------------------------------------------------------------------------


@dataclass(slots=True)
class BoardCell:
    """One agency's answer to one standard, as the board shows it: everything the template prints is
    worked out here once, so the 600-cell table (15 agencies × 40 standards) is a plain loop, and the
    rows' HTML is built in Python (`audits.templatetags.boards.board_row`), not by the template
    engine, which was most of the page's time."""

    participant: AuditAgency
    ret: PartAReturn | None
    state: str  # no_return | no_involvement | not_answered | not_applicable | graded | text
    css: str = ""  # the <td>'s classes
    label: str = ""  # what the cell says above the evidence ("" for none)
    label_css: str = ""
    rank: int | None = None  # the grade's rank, for graded answers
    evidence: str = ""


def _cell_state(ret: PartAReturn | None, answer: tuple | None) -> str:
    """`answer` is (grade_id, not_applicable, evidence) or None."""
    if ret is None or not is_received(ret):
        return "no_return"
    if ret.no_involvement:
        return "no_involvement"
    if answer is None:
        return "not_answered"
    if answer[1]:
        return "not_applicable"
    if answer[0]:
        return "graded"
    return "text"


@dataclass
class BoardRow:
    """One standard across the agencies. Only grades count towards a difference: Not applicable,
    no return, no involvement and an unanswered standard have no rank."""

    standard: Standard
    cells: list[BoardCell]
    spread: int = 0  # steps of the scale between the lowest and the highest grade given
    differs: bool = False  # the agencies' grades differ at all (one step or more)
    divergent: bool = False  # they differ by two or more steps: the board's stronger mark

    def __post_init__(self) -> None:
        ranks = [c.rank for c in self.cells if c.rank is not None]
        self.spread = max(ranks) - min(ranks) if ranks else 0
        self.differs = self.spread >= 1
        self.divergent = self.spread >= 2

    @property
    def ranks(self) -> list[int]:
        return [c.rank for c in self.cells if c.rank is not None]


def _canonical(value) -> str:
    """A value as a form shows it and posts it back: text with one kind of line break and without
    the spaces around it, a record by its key, a date in ISO form, a set of records by their keys."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset | QuerySet):
        return ",".join(sorted(_canonical(v) for v in value))
    return str(value)


def edit_marker(value) -> str:
    """A short fingerprint of a field's value as a page showed it. A form posts back the marker of
    each field it showed, so that a save writes only what the person changed, and refuses (never
    overwrites unseen) what somebody else changed in the meantime."""
    return hashlib.sha256(_canonical(value).encode()).hexdigest()[:24]


def consensus_marker(grade_id: int | None, reasons: str) -> str:
    """What a consensus judgement's fields hold (a grade and reasons), as a marker: "" for empty
    fields, the same as for no judgement yet."""
    if grade_id is None and not _canonical(reasons):
        return ""
    return edit_marker(f"{grade_id or ''}\n{_canonical(reasons)}")


def judgement_marker(judgement: CaseJudgement | None) -> str:
    """Which consensus judgement a page showed ("" for none yet): posted back with the board, so
    that a save records only the judgements the person changed (what they post differs from what
    they were shown), and never overwrites one somebody else recorded in the meantime."""
    return consensus_marker(judgement.grade_id, judgement.reasons) if judgement is not None else ""


@dataclass
class LastChange:
    who: str
    at: datetime.datetime

    def who_and_when(self) -> str:
        """As the messages name the change: "Ann Lee at 3 Dec 2026 10:15" (local time)."""
        return _("%(who)s at %(when)s") % {
            "who": self.who,
            "when": date_format(timezone.localtime(self.at), "j M Y H:i"),
        }


def last_change(obj, *, summary_prefix: str = "") -> LastChange | None:
    """Who last changed a record, and when, from the access log (one query): named in the message
    that refuses a save overtaken by theirs."""
    records = AccessRecord.objects.filter(
        action=AccessAction.CHANGE, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )
    if summary_prefix:
        records = records.filter(summary__startswith=summary_prefix)
    record = records.select_related("user").order_by("-at", "-pk").first()
    if record is None:
        return None
    name = record.user.get_full_name() if record.user is not None else ""
    return LastChange(who=name or record.username or _("somebody else"), at=record.at)


@dataclass
class BoardStage:
    section: Section
    rows: list[BoardRow]
    judgement: CaseJudgement | None = None
    # What was typed for this stage and not saved (services.partb.ConsensusEntry), shown again in
    # its fields after a save of the board; None: the fields show the recorded judgement.
    entry: object | None = None

    @property
    def differing_count(self) -> int:
        return sum(1 for row in self.rows if row.differs)

    @property
    def divergent_count(self) -> int:
        return sum(1 for row in self.rows if row.divergent)

    @property
    def prefix(self) -> str:
        """The field prefix of this stage's consensus fields (ConsensusForm)."""
        return f"stage-{self.section.pk}"


# What a strength or an area for improvement in a Part A return may be promoted to.
PROMOTIONS: dict[str, tuple[str, ...]] = {
    "strengths": (FindingKind.STRENGTH, FindingKind.AGENCY_STRENGTH),
    "improvements": (FindingKind.AGENCY_IMPROVEMENT, FindingKind.LEARNING_POINT, FindingKind.THEME),
}


def promoted_text(ret: PartAReturn, field: str) -> str:
    """A return's strengths or areas for improvement as a promote makes them a finding's text, and as
    a finding citing the return is said to say them word for word (its text equal to this, exactly):
    without the spaces and line breaks around it. services.partb.finding_promote and the evidence
    board both match by it, so that the board says "Already in …" of a text exactly when promoting it
    gives back a finding already in the list."""
    return getattr(ret, field).strip()


@dataclass
class AgencyAccount:
    """What one agency's return says about the case as a whole: overall grade, strengths, improvements."""

    participant: AuditAgency
    ret: PartAReturn | None
    # For each kind of finding this return's text was promoted to, the edit markers of the texts
    # promoted (edit_marker): the board says "Already in …" for the text it shows only, not for an
    # earlier version of it. A text that a finding of that kind citing the return says word for word
    # (promoted_text) counts as promoted too, whichever return that finding was promoted from.
    promoted: dict[str, set[str]] = field(default_factory=dict)

    @property
    def received(self) -> bool:
        return self.ret is not None and is_received(self.ret)


@dataclass
class EvidenceBoard:
    audit: Audit
    case: Case
    cases: list[Case]
    participants: list[AuditAgency]
    stages: list[BoardStage]
    accounts: list[AgencyAccount]
    overall: CaseJudgement | None
    grades: list[Grade]
    risk_factors: list = field(default_factory=list)
    overall_entry: object | None = None  # as BoardStage.entry, for the case overall

    @property
    def differing_count(self) -> int:
        return sum(stage.differing_count for stage in self.stages)

    @property
    def divergent_count(self) -> int:
        return sum(stage.divergent_count for stage in self.stages)

    @property
    def previous_case(self) -> Case | None:
        i = self.cases.index(self.case)
        return self.cases[i - 1] if i > 0 else None

    @property
    def next_case(self) -> Case | None:
        i = self.cases.index(self.case)
        return self.cases[i + 1] if i + 1 < len(self.cases) else None


def evidence_board(user, audit: Audit, case: Case) -> EvidenceBoard:
    """Every agency's Part A findings for one case, side by side.

    Queries (constant): cases; participants with agency; returns with agency and overall grade;
    answers; judgements; links from findings to these returns; the case's risk factors: seven. The
    tool's sections, standards and grades (three more) come from used_tool_layout, read once per
    process and version.
    """
    cases = list(audit.cases.order_by("order", "reference"))
    participants = list(audit.participants.select_related("agency").order_by("agency__name"))
    # The tool version is in use (the audit is past Planning): its parts are kept per process.
    layout = used_tool_layout(audit.tool_version)
    sections = [part.section for part in layout.sections]
    standards = layout.standards
    returns = list(_returns_for(user, audit).filter(case=case).select_related("agency", "overall_grade").order_by())
    by_agency = {r.agency_id: r for r in returns}
    received_ids = [r.pk for r in returns if is_received(r) and not r.no_involvement]
    # Plain tuples, not 600 model instances: (grade_id, not_applicable, evidence).
    answers = {
        (return_id, standard_id): (grade_id, na, evidence)
        for return_id, standard_id, grade_id, na, evidence in Answer.objects.filter(
            part_a_return_id__in=received_ids
        ).values_list("part_a_return_id", "standard_id", "grade_id", "not_applicable", "evidence")
    }
    grades = layout.grades
    judgements = list(CaseJudgement.objects.filter(case=case).select_related("grade", "recorded_by"))
    # The findings promoted from these returns that still cite them, with the text promoted; and those
    # citing them that say one of their texts word for word (as services.partb.finding_promote matches
    # them: promoting that text gives back that finding), such as a finding promoted from another
    # agency's return that said the same and is cited too. Still one query: the texts are compared in
    # the database, and a finding's text is read only when it is one of them.
    texts = {
        (r.pk, name): text
        for r in returns
        if r.pk in received_ids
        for name in PROMOTIONS
        if (text := promoted_text(r, name))
    }
    links = Finding.returns.through.objects.filter(partareturn_id__in=[r.pk for r in returns])
    promoted_here = Q(finding__promoted_from_id=F("partareturn_id"))
    if texts:
        said = set(texts.values())
        links = links.filter(promoted_here | Q(finding__body__in=said)).annotate(
            said=CaseWhen(
                When(finding__body__in=said, then=F("finding__body")), default=Value(""), output_field=TextField()
            )
        )
    else:
        links = links.filter(promoted_here).annotate(said=Value("", output_field=TextField()))
    promoted: dict[int, dict[str, set[str]]] = defaultdict(dict)
    for return_id, kind, promoted_from_id, marker, body in links.values_list(
        "partareturn_id", "finding__kind", "finding__promoted_from_id", "finding__promoted_marker", "said"
    ):
        if promoted_from_id == return_id:
            promoted[return_id].setdefault(kind, set()).add(marker)
        for name, kinds in PROMOTIONS.items():
            if body and kind in kinds and texts.get((return_id, name)) == body:
                promoted[return_id].setdefault(kind, set()).add(edit_marker(body))

    by_section: dict[int, list[BoardRow]] = defaultdict(list)
    # Labels translated once per request, not once per cell.
    no_return, no_involvement = str(_("No return")), str(_("No involvement"))
    not_answered, not_applicable = str(_("Not answered")), str(_("Not applicable"))
    status_labels = {value: str(label).lower() for value, label in ReturnStatus.choices}
    grade_by_id = {g.pk: g for g in grades}
    # Coloured by its position in the scale (as on the heatmap), whatever the grades' codes.
    tone_by_id = tone_classes(grades)
    for standard in standards:
        cells = []
        for p in participants:
            ret = by_agency.get(p.agency_id)
            answer = answers.get((ret.pk, standard.pk)) if ret is not None else None
            state = _cell_state(ret, answer)
            cell = BoardCell(participant=p, ret=ret, state=state, css=f"board-cell state-{state}")
            if answer is not None:
                cell.evidence = answer[2]
            if state == "no_return":
                cell.label_css = "text-body-secondary"
                cell.label = f"{no_return} ({status_labels[ret.status]})" if ret is not None else no_return
            elif state == "no_involvement":
                cell.label, cell.label_css = no_involvement, "no-involvement"
            elif state == "not_answered":
                cell.label, cell.label_css = not_answered, "text-body-secondary"
            elif state == "not_applicable":
                cell.label, cell.label_css, cell.css = not_applicable, "grade-label", cell.css + " grade-na"
            elif state == "graded" and answer[0] in grade_by_id:  # grades come from the tool's own scale
                grade = grade_by_id[answer[0]]
                cell.label, cell.label_css, cell.rank = grade.label, "grade-label", grade.rank
                cell.css += f" {tone_by_id[grade.pk]}"
            cells.append(cell)
        by_section[standard.section_id].append(BoardRow(standard=standard, cells=cells))
    stage_judgement = {j.section_id: j for j in judgements if j.section_id}
    stages = [BoardStage(section=s, rows=by_section[s.pk], judgement=stage_judgement.get(s.pk)) for s in sections]
    accounts = [
        AgencyAccount(
            participant=p,
            ret=by_agency.get(p.agency_id),
            promoted=promoted.get(by_agency[p.agency_id].pk, {}) if p.agency_id in by_agency else {},
        )
        for p in participants
    ]
    return EvidenceBoard(
        audit=audit,
        case=case,
        cases=cases,
        participants=participants,
        stages=stages,
        accounts=accounts,
        overall=next((j for j in judgements if j.section_id is None), None),
        grades=grades,
        risk_factors=list(case.risk_factors.all()),
    )


@dataclass
class BoardIndexRow:
    case: Case
    stages_judged: int
    overall: str | None  # the overall consensus grade's label, None until it is recorded


def board_index(audit: Audit) -> tuple[list[BoardIndexRow], int]:
    """Each case with its number of stage judgements and its overall consensus grade, and the number
    of stages in the audit's tool. Two queries (the tool's stages are read once per process)."""
    cases = list(audit.cases.order_by("order", "reference"))
    stage_counts: dict[int, int] = defaultdict(int)
    overall: dict[int, str] = {}
    for case_id, section_id, label in CaseJudgement.objects.filter(case__audit=audit).values_list(
        "case_id", "section_id", "grade__label"
    ):
        if section_id is None:
            overall[case_id] = label
        else:
            stage_counts[case_id] += 1
    rows = [BoardIndexRow(c, stage_counts[c.pk], overall.get(c.pk)) for c in cases]
    return rows, len(used_tool_layout(audit.tool_version).sections)


# --- Heatmap -----------------------------------------------------------------------------------


@dataclass
class DistributionCell:
    agency: Agency
    counts: list[int]  # one per grade, in the scale's order
    not_applicable: int = 0

    @property
    def graded(self) -> int:
        return sum(self.counts)


@dataclass
class GradeDistribution:
    audit: Audit
    grades: list[Grade]
    agencies: list[Agency]
    rows: list[tuple[Standard, list[DistributionCell]]]

    @property
    def total(self) -> int:
        return sum(cell.graded for _standard, cells in self.rows for cell in cells)

    def totals_by_grade(self) -> list[tuple[Grade, int]]:
        return [
            (grade, sum(cell.counts[i] for _s, cells in self.rows for cell in cells))
            for i, grade in enumerate(self.grades)
        ]


def grade_distribution(audit: Audit) -> GradeDistribution:
    """Standards × agencies: how many cases each agency graded at each step of the scale.

    Counts the answers of received returns (submitted or accepted) of agencies that were
    involved. Queries: grades, participating agencies, graded standards, one aggregate over the
    answers: four.
    """
    grades = list(Grade.objects.filter(scale_id=audit.tool_version.scale_id).order_by("rank"))
    agencies = [p.agency for p in audit.participants.select_related("agency").order_by("agency__name")]
    standards = list(
        Standard.objects.filter(section__version_id=audit.tool_version_id, answer_type=AnswerType.GRADE)
        .select_related("section")
        .order_by("section__order", "order")
    )
    tallies = (
        Answer.objects.filter(
            part_a_return__audit=audit,
            part_a_return__status__in=RECEIVED_STATUSES,
            part_a_return__no_involvement=False,
        )
        .filter(Q(grade__isnull=False) | Q(not_applicable=True))
        .values("standard_id", "part_a_return__agency_id", "grade_id", "not_applicable")
        .annotate(n=Count("id"))
        .order_by()
    )
    grade_index = {g.pk: i for i, g in enumerate(grades)}
    cells: dict[tuple[int, int], DistributionCell] = {}
    for standard in standards:
        for agency in agencies:
            cells[(standard.pk, agency.pk)] = DistributionCell(agency=agency, counts=[0] * len(grades))
    for row in tallies:
        cell = cells.get((row["standard_id"], row["part_a_return__agency_id"]))
        if cell is None:
            continue
        if row["not_applicable"]:
            cell.not_applicable += row["n"]
        elif row["grade_id"] in grade_index:
            cell.counts[grade_index[row["grade_id"]]] += row["n"]
    rows = [(s, [cells[(s.pk, a.pk)] for a in agencies]) for s in standards]
    return GradeDistribution(audit=audit, grades=grades, agencies=agencies, rows=rows)


# --- Findings ----------------------------------------------------------------------------------


def findings_by_kind(audit: Audit) -> list[tuple[str, str, list[Finding]]]:
    """(kind, label, findings in the briefing's order) for every kind. Agency kinds are ordered by
    agency, then order.

    Each finding carries what its citations print, as plain strings: `risk_factor_names`,
    `case_references` and `return_citations` ("Case 1 (Police)"), read from the three link tables
    in one flat query each — not prefetched model instances, which were most of the findings
    page's time. The links are read by the findings' audit (a join), not by a list of the findings'
    ids, so each query has one parameter however many findings there are. Queries: the findings
    with agency, then the three links: four.
    """
    findings = list(
        Finding.objects.filter(audit=audit).select_related("agency").order_by("kind", "agency__name", "order", "pk")
    )
    factors, cases, returns = defaultdict(list), defaultdict(list), defaultdict(list)
    for finding_id, name in (
        Finding.risk_factors.through.objects.filter(finding__audit=audit)
        .order_by("riskfactor__name")
        .values_list("finding_id", "riskfactor__name")
    ):
        factors[finding_id].append(name)
    for finding_id, reference in (
        Finding.cases.through.objects.filter(finding__audit=audit)
        .order_by("case__order", "case__reference")
        .values_list("finding_id", "case__reference")
    ):
        cases[finding_id].append(reference)
    for finding_id, reference, agency in (
        Finding.returns.through.objects.filter(finding__audit=audit)
        .order_by("partareturn__case__order", "partareturn__agency__name")
        .values_list("finding_id", "partareturn__case__reference", "partareturn__agency__short_name")
    ):
        returns[finding_id].append(f"{reference} ({agency})")
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        finding.risk_factor_names = factors[finding.pk]
        finding.case_references = cases[finding.pk]
        finding.return_citations = returns[finding.pk]
        grouped[finding.kind].append(finding)
    return [(kind.value, kind.label, grouped.get(kind.value, [])) for kind in FindingKind]


def finding_siblings(finding: Finding) -> QuerySet[Finding]:
    """The list a finding is ordered within: its audit and kind (and agency, for agency findings)."""
    siblings = Finding.objects.filter(audit_id=finding.audit_id, kind=finding.kind)
    if finding.kind in AGENCY_FINDING_KINDS:
        siblings = siblings.filter(agency_id=finding.agency_id)
    return siblings.order_by("order", "pk")


def citable_returns(audit: Audit) -> QuerySet[PartAReturn]:
    return (
        PartAReturn.objects.filter(audit=audit, status__in=RECEIVED_STATUSES)
        .select_related("case", "agency")
        .order_by("case__order", "case__reference", "agency__name")
    )


# --- Recommendations ---------------------------------------------------------------------------

OPEN_RECOMMENDATION_STATUSES = (RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS)


def _with_overdue_first(qs: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    today = timezone.localdate()
    return qs.annotate(
        overdue_first=CaseWhen(
            When(status__in=OPEN_RECOMMENDATION_STATUSES, due_date__lt=today, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )


def with_last_change(qs: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """Each recommendation's last change (its history's newest: what it says, its owner, due date, status
    or evidence of impact), as `changed_at` and who made it, `changed_by_first`, `changed_by_last` and
    `changed_by_username` (None: a change not made by a person, a migration or the demo's seed). Subqueries:
    no more queries, however many recommendations."""
    newest = Recommendation.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    return qs.annotate(
        changed_at=Subquery(newest.values("history_date")[:1]),
        changed_by_first=Subquery(newest.values("history_user__first_name")[:1]),
        changed_by_last=Subquery(newest.values("history_user__last_name")[:1]),
        changed_by_username=Subquery(newest.values("history_user__username")[:1]),
    )


def audit_recommendations(audit: Audit) -> list[Recommendation]:
    """In the audit's own order (the briefing's order), each with its first due date (first_due_date). One query."""
    return list(audit.recommendations.select_related("owner_agency").order_by("order", "pk"))


def recommendations_across(user, status: str = "") -> list[Recommendation]:
    """Recommendations of every audit the user runs, overdue first, then by due date. One query."""
    # Not a cancelled audit's: it will not go ahead, so nothing of it is tracked (its own page keeps them).
    running = Audit.objects.managed_by(user).exclude(status=AuditStatus.CANCELLED)
    qs = Recommendation.objects.filter(audit__in=running).select_related("audit", "owner_agency")
    if status:
        qs = qs.filter(status=status)
    return list(
        _with_overdue_first(qs).order_by(
            "overdue_first", F("due_date").asc(nulls_last=True), "audit__title", "order", "pk"
        )
    )
