"""Production-shaped data for the benchmark and the query-count tests: `seed_scale(ScaleSpec(...))`.

A partnership with years of history: `audits` completed audits (Part A returns all accepted, a
Part B session with consensus judgements, findings of every kind, recommendations and published
briefings with real PDF files), plus `open_audits` audits in Part A now (returns in every state,
drafts among them), which is what the auditors' pages and autosave work on.

Idempotent: everything is keyed on a natural key (agency name, username, `scale-audit-001`,
`scale-open-01`…). An audit is built in one transaction with everything in it, so an audit that
exists is complete and is skipped on a second run. Seeded: each audit draws from its own
`random.Random(seed, audit number)`, so an audit is the same whatever else was seeded before it.
Fast: rows are written with bulk_create in batches (history rows too, since autosave's conflict
check and the history page read them).

Pseudonymised like the real thing: cases are "Case 1"…, people are "Scale Auditor 3"….
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord, Agency, Role, Sector, User
from audits.models import (
    AGENCY_FINDING_KINDS,
    AgeBand,
    Answer,
    AnswerType,
    Attendance,
    AttendanceStatus,
    Audit,
    AuditAgency,
    AuditStatus,
    AuditTheme,
    AuditTool,
    Case,
    CaseJudgement,
    Finding,
    FindingKind,
    Gender,
    Grade,
    GradeScale,
    PartAReturn,
    PartBSession,
    Recommendation,
    RecommendationStatus,
    ReturnStatus,
    RiskFactor,
    Section,
    Standard,
    ToolVersion,
)

logger = logging.getLogger(__name__)

BATCH = 5000
DEFAULT_SEED = 20261122
DEFAULT_PASSWORD = "bench-password"
USER_PREFIX = "scale."
AUDIT_PREFIX = "scale-audit-"
OPEN_PREFIX = "scale-open-"
EMAIL_DOMAIN = "scale.example.org"

GRADES = [
    ("outstanding", "Outstanding"),
    ("good", "Good"),
    ("requires-improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
SCALE_NAME = "Ofsted four-point scale"
JOURNEY = ["Response", "Assessment", "Planning", "Intervention", "Protection", "Outcomes"]
THEMES = [
    ("cse", "Child sexual exploitation"),
    ("neglect", "Neglect"),
    ("missing-children", "Missing children"),
    ("domestic-abuse", "Domestic abuse"),
    ("criminal-exploitation", "Child criminal exploitation"),
]
RISK_FACTORS = [
    ("missing-episodes", "Missing episodes"),
    ("school-absence", "School absence or reduced timetable"),
    ("substance-misuse", "Drug and alcohol misuse"),
    ("domestic-abuse-family", "Domestic abuse in the family"),
    ("neglect-family", "Neglect in the family"),
    ("offending", "Offending"),
    ("risky-sexual-behaviour", "Risky sexual behaviour"),
    ("mental-health", "Emotional and mental health"),
    ("online-risk", "Online risk"),
    ("older-associates", "Older associates"),
]
SECTORS = [
    Sector.POLICE,
    Sector.SOCIAL_CARE,
    Sector.HEALTH,
    Sector.EDUCATION,
    Sector.YOUTH,
    Sector.JUSTICE,
    Sector.THIRD_SECTOR,
    Sector.LOCAL_AUTHORITY,
]
EVIDENCE = [
    "The referral was acted on the same day and a strategy discussion was held within 48 hours.",
    "Information was shared with partner agencies promptly and recorded on the file.",
    "The assessment considered the young person's history and the family's views.",
    "There is no record that the young person's own account was sought at this stage.",
    "Supervision notes show the risk was discussed and the plan reviewed.",
    "The plan had clear actions, but owners and timescales were not always recorded.",
    "Missing episodes were followed by return home interviews in most cases.",
    "School attendance was monitored and concerns escalated to the designated lead.",
    "The chronology was incomplete; key events from other agencies were missing.",
    "The worker persevered in building a relationship despite missed appointments.",
    "Risk was reassessed after each new incident, and the threshold decision was recorded.",
    "The multi-agency meeting was well attended and decisions were minuted.",
]
STRENGTHS = [
    "Persistent, relationship-based work with the young person.",
    "Timely information sharing between police, health and social care.",
    "Good use of the risk assessment tool, reviewed at each meeting.",
    "Clear management oversight recorded on the file.",
]
IMPROVEMENTS = [
    "Record the young person's voice and wishes throughout.",
    "Share chronologies with partner agencies before the strategy meeting.",
    "Escalate when actions are not completed on time.",
    "Consider the family context, not only the young person's behaviour.",
]
FINDING_COUNTS = {
    FindingKind.STRENGTH: 4,
    FindingKind.THEME: 4,
    FindingKind.KEY_MESSAGE: 3,
    FindingKind.MANAGER_POINT: 3,
    FindingKind.LEARNING_POINT: 3,
    FindingKind.PRACTITIONER_POINT: 5,
}
RECOMMENDATIONS_PER_AUDIT = 5
# Agency findings: a strength and an area for improvement for this many of the audit's agencies.
AGENCY_FINDING_AGENCIES = 4
# In an open audit, the first 40% of the cases are drafts for every agency (autosave works on them).
DRAFT_SHARE = 0.4


@dataclass(frozen=True)
class ScaleSpec:
    audits: int = 50
    agencies: int = 15
    cases: int = 10
    standards: int = 40
    open_audits: int = 1
    leads: int = 5
    seed: int = DEFAULT_SEED
    password: str = DEFAULT_PASSWORD
    # Published versions of each edition per completed audit: the managers' edition gets one more.
    versions: int = 1
    pdf: bool = True


@dataclass
class ScaleSummary:
    created: Counter = field(default_factory=Counter)
    skipped_audits: int = 0
    seconds: float = 0.0
    pdf_pages: dict[str, int] = field(default_factory=dict)
    pdf_seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        made = ", ".join(f"{n} {name}" for name, n in sorted(self.created.items())) or "nothing new"
        return f"{made}; {self.skipped_audits} audits already there; {self.seconds:.1f}s"


def audit_slug(n: int) -> str:
    return f"{AUDIT_PREFIX}{n:03d}"


def open_audit_slug(n: int) -> str:
    return f"{OPEN_PREFIX}{n:02d}"


def auditor_username(agency_no: int) -> str:
    return f"{USER_PREFIX}auditor.{agency_no}"


def manager_username(agency_no: int) -> str:
    return f"{USER_PREFIX}manager.{agency_no}"


def lead_username(n: int) -> str:
    return f"{USER_PREFIX}lead.{n}"


QA_USERNAME = f"{USER_PREFIX}qa"


def _bulk(model, objs: list, summary: ScaleSummary, label: str | None = None) -> list:
    if objs:
        model.objects.bulk_create(objs, batch_size=BATCH)
        summary.created[label or model._meta.verbose_name_plural] += len(objs)
    return objs


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(model, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of one of the two big tables (answers and their history).

    On PostgreSQL with COPY, about ten times faster than bulk_create (which builds a model
    instance and compiles every value in Python); rows without an "id" get one from the table's
    own sequence first, written back into the dicts. Elsewhere (SQLite tests): bulk_create.
    Every concrete column but an auto primary key must be given: a column added to the model
    later makes this fail loudly instead of inserting NULLs.
    """
    if not rows:
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])]
    given = set(rows[0])
    expected = {f.attname for f in fields} | ({"id"} if "id" in given else set())
    if given != expected:
        raise ValueError(f"{model.__name__}: rows give {sorted(given)}, the table has {sorted(expected)}")
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        if pk.attname == "id" and "id" not in given:
            for row, obj in zip(rows, objs, strict=True):
                row["id"] = obj.pk
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if pk.attname == "id" and "id" not in given:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(rows)],
            )
            for row, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
                row["id"] = new_id
            fields = [pk, *fields]
        names = [f.attname for f in fields]
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(row[name]) for name in names))
            buffer.write("\n")
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN", buffer)


# --- Shared parts: agencies, people, taxonomy, the tool --------------------------------------------


@dataclass
class Shared:
    qa: User
    leads: list[User]
    agencies: list[Agency]
    auditors: dict[int, User]  # agency pk → auditor
    themes: list[AuditTheme]
    risk_factors: list[RiskFactor]
    grades: list[Grade]
    versions: list[ToolVersion]
    sections: dict[int, list[Section]]  # tool version pk → sections
    standards: dict[int, list[Standard]]  # tool version pk → standards in order


def _grades() -> list[Grade]:
    scale, _created = GradeScale.objects.get_or_create(name=SCALE_NAME)
    for rank, (code, label) in enumerate(GRADES, start=1):
        Grade.objects.get_or_create(scale=scale, code=code, defaults={"rank": rank, "label": label})
    return list(scale.grades.order_by("rank"))


def _tool_versions(spec: ScaleSpec, grades: list[Grade], summary: ScaleSummary) -> list[ToolVersion]:
    """One tool, two versions of `standards` standards each: older audits used v1, newer ones v2."""
    tool, _created = AuditTool.objects.get_or_create(
        name=f"Scale audit tool ({spec.standards} standards)",
        defaults={"description": "Multi-agency case file audit tool following the child's journey."},
    )
    versions = []
    for number in (1, 2):
        version, created = ToolVersion.objects.get_or_create(
            tool=tool, number=number, defaults={"scale": grades[0].scale, "notes": f"Version {number}."}
        )
        if created:
            summary.created["tool versions"] += 1
            n_sections = min(len(JOURNEY), spec.standards)
            sections = _bulk(
                Section,
                [
                    Section(version=version, order=i + 1, title=JOURNEY[i], description=f"The child's journey: {t}.")
                    for i, t in enumerate(JOURNEY[:n_sections])
                ],
                summary,
            )
            standards = []
            for n in range(spec.standards):
                section = sections[n % n_sections]
                standards.append(
                    Standard(
                        section=section,
                        order=n + 1,
                        code=f"{section.title[0]}{n + 1}",
                        text=f"Standard {n + 1}: the agency recognised the risk and responded in a timely way.",
                        guidance="Look at the first contact, what was recorded and what happened next.",
                        # Every tenth standard asks for evidence only, as real tools do.
                        answer_type=AnswerType.TEXT if n % 10 == 9 else AnswerType.GRADE,
                    )
                )
            _bulk(Standard, standards, summary)
        versions.append(version)
    return versions


def _users(spec: ScaleSpec, agencies: list[Agency], summary: ScaleSummary) -> tuple[User, list[User], dict[int, User]]:
    # One PBKDF2 hash for every scale user: hashing is deliberately slow (about half a second
    # each), and these are benchmark accounts sharing one known password anyway.
    qa = User.objects.filter(username=QA_USERNAME).first()
    password_hash = qa.password if qa is not None and check_password(spec.password, qa.password) else None
    if password_hash is None:
        password_hash = make_password(spec.password)
        User.objects.filter(username__startswith=USER_PREFIX).update(password=password_hash)

    wanted: list[User] = [
        User(username=QA_USERNAME, first_name="Scale", last_name="QA Manager", role=Role.QA_MANAGER, agency=None)
    ]
    lead_agency = agencies[-1]
    wanted += [
        User(
            username=lead_username(n),
            first_name="Scale",
            last_name=f"Lead Officer {n}",
            role=Role.MANAGER,
            agency=lead_agency,
        )
        for n in range(1, spec.leads + 1)
    ]
    for n, agency in enumerate(agencies, start=1):
        wanted.append(
            User(
                username=auditor_username(n),
                first_name="Scale",
                last_name=f"Auditor {n}",
                role=Role.PRACTITIONER,
                agency=agency,
            )
        )
        wanted.append(
            User(
                username=manager_username(n),
                first_name="Scale",
                last_name=f"Manager {n}",
                role=Role.MANAGER,
                agency=agency,
            )
        )
    existing = set(User.objects.filter(username__in=[u.username for u in wanted]).values_list("username", flat=True))
    new = [u for u in wanted if u.username not in existing]
    for user in new:
        user.password = password_hash
        user.email = f"{user.username}@{EMAIL_DOMAIN}"
        user.job_title = user.last_name.rsplit(" ", 1)[0]
    _bulk(User, new, summary)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in wanted])}
    _authenticators(list(by_name.values()), spec, summary)
    auditors = {agency.pk: by_name[auditor_username(n)] for n, agency in enumerate(agencies, start=1)}
    return by_name[QA_USERNAME], [by_name[lead_username(n)] for n in range(1, spec.leads + 1)], auditors


def totp_key(username: str, seed: int) -> str:
    """A scale user's authenticator secret (hex, 20 bytes), derived from the seed and the username."""
    return hashlib.sha1(f"scale-totp-{seed}-{username}".encode()).hexdigest()


def _authenticators(users: list[User], spec: ScaleSpec, summary: ScaleSummary) -> None:
    """A confirmed authenticator app for every scale user, as every real account has outside demo mode.

    The benchmark signs in through the real two-factor step: it reads the secret from the database
    (benchmarks/targets.py) and computes the code like an authenticator app would.
    """
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return
    from django_otp.plugins.otp_totp.models import TOTPDevice

    have = set(TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True))
    _bulk(
        TOTPDevice,
        [
            TOTPDevice(user=u, name="Authenticator app", confirmed=True, key=totp_key(u.username, spec.seed))
            for u in users
            if u.pk not in have
        ],
        summary,
        "authenticators",
    )


def _named(model, slug: str, name: str):
    """The theme or risk factor with that slug or that name (both are unique), else a new one: a
    database with the demo in it already has "Drug and alcohol misuse", under another slug."""
    return (
        model.objects.filter(slug=slug).first()
        or model.objects.filter(name=name).first()
        or model.objects.create(slug=slug, name=name)
    )


def _shared(spec: ScaleSpec, summary: ScaleSummary) -> Shared:
    names = [
        (f"Scale Agency {n:02d}", f"SA{n:02d}", SECTORS[(n - 1) % len(SECTORS)]) for n in range(1, spec.agencies + 1)
    ]
    existing = set(Agency.objects.filter(name__in=[n for n, _s, _t in names]).values_list("name", flat=True))
    _bulk(Agency, [Agency(name=n, short_name=s, sector=t) for n, s, t in names if n not in existing], summary)
    agencies = list(Agency.objects.filter(name__in=[n for n, _s, _t in names]).order_by("name"))

    themes = [_named(AuditTheme, slug, name) for slug, name in THEMES]
    risk_factors = [_named(RiskFactor, slug, name) for slug, name in RISK_FACTORS]
    grades = _grades()
    versions = _tool_versions(spec, grades, summary)
    qa, leads, auditors = _users(spec, agencies, summary)
    sections = {v.pk: list(Section.objects.filter(version=v).order_by("order")) for v in versions}
    standards = {
        v.pk: list(
            Standard.objects.filter(section__version=v).select_related("section").order_by("section__order", "order")
        )
        for v in versions
    }
    return Shared(qa, leads, agencies, auditors, themes, risk_factors, grades, versions, sections, standards)


# --- One audit ----------------------------------------------------------------------------------


def _text(rng: random.Random, pool: list[str], n: int = 2) -> str:
    return " ".join(rng.sample(pool, n))


def _grade_for(rng: random.Random, grades: list[Grade], lean: int) -> Grade:
    """A grade near the agency's usual practice (lean: 0 best … 3 worst), sometimes two steps away."""
    rank = min(len(grades) - 1, max(0, lean + rng.choice((-1, 0, 0, 0, 1, 2 if rng.random() < 0.1 else 0))))
    return grades[rank]


@dataclass
class AuditPlan:
    number: int
    slug: str
    is_open: bool
    created_at: dt.datetime
    rng: random.Random


def _create_audit(plan: AuditPlan, spec: ScaleSpec, shared: Shared, summary: ScaleSummary) -> Audit:
    rng = plan.rng
    theme = shared.themes[(plan.number - 1) % len(shared.themes)]
    version = shared.versions[0 if (plan.number <= spec.audits // 2 and not plan.is_open) else 1]
    lead = shared.leads[(plan.number - 1) % len(shared.leads)] if shared.leads else None
    part_a_due = (plan.created_at + dt.timedelta(days=35)).date()
    part_b_date = (plan.created_at + dt.timedelta(days=56)).date()
    if plan.is_open:
        status = AuditStatus.PART_A
        part_a_due = timezone.localdate() + dt.timedelta(days=14)
        part_b_date = part_a_due + dt.timedelta(days=21)
    else:
        # The last few completed audits are still being reported on; the rest are closed.
        status = AuditStatus.REPORTING if plan.number > spec.audits - 3 else AuditStatus.CLOSED
    kind = "open" if plan.is_open else "audit"
    audit = Audit.objects.create(
        title=f"Scale {kind} {plan.number:03d}: {theme.name.lower()} multi-agency case file audit",
        slug=plan.slug,
        theme=theme,
        scope_question=f"Is there a robust inter-agency response to {theme.name.lower()} that keeps children safe?",
        context="National and local learning asked the partnership to test its response.",
        methodology=(
            f"{spec.cases} cases were chosen at random. Each agency completed a Part A return per case; "
            "the audit team met for Part B to agree the findings."
        ),
        cohort_source="Young people open to the multi-agency panel in the period",
        tool_version=version,
        lead_officer=lead,
        status=status,
        part_a_due=part_a_due,
        part_b_date=part_b_date,
        what_next="Presented to the Monitoring and Evaluation Sub Committee.",
        created_at=plan.created_at,
        closed_at=(plan.created_at + dt.timedelta(days=180)) if status == AuditStatus.CLOSED else None,
    )
    summary.created["audits"] += 1
    participants = _bulk(
        AuditAgency,
        [AuditAgency(audit=audit, agency=a, auditor=shared.auditors[a.pk]) for a in shared.agencies],
        summary,
    )
    cases = _bulk(
        Case,
        [
            Case(
                audit=audit,
                reference=f"Case {n}",
                order=n,
                age_band=rng.choice([AgeBand.AGE_10_12, AgeBand.AGE_13_15, AgeBand.AGE_13_15, AgeBand.AGE_16_17]),
                gender=rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.MALE, Gender.OTHER]),
            )
            for n in range(1, spec.cases + 1)
        ],
        summary,
    )
    case_risks = [
        Case.risk_factors.through(case_id=case.pk, riskfactor_id=rf.pk)
        for case in cases
        for rf in rng.sample(shared.risk_factors, rng.randint(1, min(4, len(shared.risk_factors))))
    ]
    _bulk(Case.risk_factors.through, case_risks, summary, "case risk factors")
    returns = _part_a(audit, plan, spec, shared, cases, summary)
    _access_records(audit, plan, shared, returns, summary)
    if not plan.is_open:
        _part_b(audit, plan, spec, shared, participants, cases, returns, summary)
    return audit


def _return_status(plan: AuditPlan, case_no: int, cases: int) -> str:
    if not plan.is_open:
        return ReturnStatus.ACCEPTED
    # The open audit has returns in every state; the first cases are drafts for every agency.
    drafts = max(1, int(cases * DRAFT_SHARE))
    if case_no <= drafts:
        return ReturnStatus.DRAFT
    cycle = [ReturnStatus.NOT_STARTED, ReturnStatus.SUBMITTED, ReturnStatus.RETURNED, ReturnStatus.ACCEPTED]
    return cycle[(case_no - drafts - 1) % len(cycle)]


def _part_a(
    audit: Audit, plan: AuditPlan, spec: ScaleSpec, shared: Shared, cases: list[Case], summary: ScaleSummary
) -> list[PartAReturn]:
    rng = plan.rng
    grades = shared.grades
    standards = shared.standards[audit.tool_version_id]
    submitted_at = plan.created_at + dt.timedelta(days=30)
    returns: list[PartAReturn] = []
    for case in cases:
        for agency_no, agency in enumerate(shared.agencies):
            status = _return_status(plan, case.order, len(cases))
            started = status != ReturnStatus.NOT_STARTED
            # About one agency in eight had nothing to do with a given case.
            no_involvement = started and status != ReturnStatus.DRAFT and rng.random() < 0.12
            lean = (agency_no + case.order) % len(grades)
            done = status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
            ret = PartAReturn(
                audit=audit,
                case=case,
                agency=agency,
                tool_version_id=audit.tool_version_id,
                status=status,
                no_involvement=no_involvement,
                no_involvement_reason="The agency had no contact with the young person in the period."
                if no_involvement
                else "",
                strengths=_text(rng, STRENGTHS) if started and not no_involvement else "",
                improvements=_text(rng, IMPROVEMENTS) if started and not no_involvement else "",
                overall_grade=_grade_for(rng, grades, lean) if done and not no_involvement else None,
                version=rng.randint(3, 12) if started else 0,
                amendment_comment="Please add the evidence for P3." if status == ReturnStatus.RETURNED else "",
                last_saved_by=shared.auditors[agency.pk] if started else None,
                submitted_at=submitted_at if done else None,
                accepted_at=submitted_at + dt.timedelta(days=3) if status == ReturnStatus.ACCEPTED else None,
            )
            ret._lean = lean  # noqa: SLF001 - carried to the answers below, not saved
            returns.append(ret)
    _bulk(PartAReturn, returns, summary, "Part A returns")

    answers: list[dict[str, Any]] = []
    return_risks = []
    for ret in returns:
        if ret.status == ReturnStatus.NOT_STARTED or ret.no_involvement:
            continue
        # A draft is part-way through; everything else is complete.
        upto = rng.randint(len(standards) // 3, len(standards) - 1) if ret.status == ReturnStatus.DRAFT else None
        for i, standard in enumerate(standards):
            if upto is not None and i >= upto:
                break
            not_applicable = rng.random() < 0.04
            grade_id = None
            if standard.answer_type == AnswerType.GRADE and not not_applicable:
                grade_id = _grade_for(rng, grades, ret._lean).pk  # noqa: SLF001
            answers.append(
                {
                    "part_a_return_id": ret.pk,
                    "standard_id": standard.pk,
                    "grade_id": grade_id,
                    "not_applicable": not_applicable,
                    "evidence": "" if not_applicable else _text(rng, EVIDENCE, rng.randint(1, 3)),
                }
            )
        for rf in rng.sample(shared.risk_factors, rng.randint(0, 3)):
            return_risks.append(PartAReturn.risk_factors.through(partareturn_id=ret.pk, riskfactor_id=rf.pk))
    _copy(Answer, answers)
    summary.created["answers"] += len(answers)
    _bulk(PartAReturn.risk_factors.through, return_risks, summary, "return risk factors")
    _history(returns, answers, return_risks, plan, shared, summary)
    return returns


def _history(
    returns: list[PartAReturn],
    answers: list[dict[str, Any]],
    return_risks: list,
    plan: AuditPlan,
    shared: Shared,
    summary,
) -> None:
    """One history row per return and per answer, as the last save left them.

    Autosave's conflict check rebuilds "the return at version N" from these rows, and the
    history page lists them; real data has at least one per row (usually many more).
    """
    saved_at = plan.created_at + dt.timedelta(days=20)
    saved = [r for r in returns if r.status != ReturnStatus.NOT_STARTED]
    for ret in saved:
        ret._history_user = shared.auditors[ret.agency_id]  # noqa: SLF001 - simple_history reads it
    return_rows = PartAReturn.history.bulk_history_create(saved, batch_size=BATCH, default_date=saved_at)
    summary.created["return history rows"] += len(return_rows)
    history_by_return = {row.id: row.history_id for row in return_rows}
    m2m = PartAReturn.history.model._meta.get_field("historicalpartareturn_risk_factors").related_model
    _bulk(
        m2m,
        [
            m2m(
                id=link.pk,
                history_id=history_by_return[link.partareturn_id],
                partareturn_id=link.partareturn_id,
                riskfactor_id=link.riskfactor_id,
            )
            for link in return_risks
            if link.partareturn_id in history_by_return
        ],
        summary,
        "return risk factor history rows",
    )
    users = {r.pk: r._history_user.pk for r in saved}  # noqa: SLF001
    _copy(
        Answer.history.model,
        [
            {
                "id": a["id"],
                "part_a_return_id": a["part_a_return_id"],
                "standard_id": a["standard_id"],
                "grade_id": a["grade_id"],
                "not_applicable": a["not_applicable"],
                "evidence": a["evidence"],
                "history_date": saved_at,
                "history_change_reason": None,
                "history_type": "+",
                "history_user_id": users[a["part_a_return_id"]],
            }
            for a in answers
        ],
    )
    summary.created["answer history rows"] += len(answers)


def _access_records(audit: Audit, plan: AuditPlan, shared: Shared, returns: list[PartAReturn], summary) -> None:
    """The access log a year of use leaves: each return viewed and changed, the audit's status moves."""
    rows = []
    for ret in returns:
        if ret.status == ReturnStatus.NOT_STARTED:
            continue
        auditor = shared.auditors[ret.agency_id]
        for action in (AccessAction.VIEW, AccessAction.CHANGE):
            rows.append(
                AccessRecord(
                    user=auditor,
                    username=auditor.username,
                    action=action,
                    object_type="audits.partareturn",
                    object_id=str(ret.pk),
                    summary=f"Case {ret.case.order} — {ret.agency.short_name}",
                    path=f"/audits/returns/{ret.pk}/",
                    ip_address="127.0.0.1",
                )
            )
    moves = [("Planning", "Part A open")]
    if not plan.is_open:
        moves += [("Part A open", "Part B"), ("Part B", "Reporting")]
        if audit.status == AuditStatus.CLOSED:
            moves.append(("Reporting", "Closed"))
    for old, new in moves:
        rows.append(
            AccessRecord(
                user=shared.qa,
                username=shared.qa.username,
                action=AccessAction.CHANGE,
                object_type="audits.audit",
                object_id=str(audit.pk),
                summary=f"Status changed from {old} to {new}",
                path=f"/audits/{audit.slug}/status/",
                ip_address="127.0.0.1",
            )
        )
    _bulk(AccessRecord, rows, summary, "access records")


def _part_b(
    audit: Audit,
    plan: AuditPlan,
    spec: ScaleSpec,
    shared: Shared,
    participants: list[AuditAgency],
    cases: list[Case],
    returns: list[PartAReturn],
    summary: ScaleSummary,
) -> None:
    rng = plan.rng
    grades = shared.grades
    session = PartBSession.objects.create(
        audit=audit, date=audit.part_b_date, venue="Partnership offices, meeting room 2", notes="All cases discussed."
    )
    summary.created["Part B sessions"] += 1
    _bulk(
        Attendance,
        [
            Attendance(
                session=session,
                participant=p,
                status=AttendanceStatus.APOLOGIES if rng.random() < 0.1 else AttendanceStatus.PRESENT,
                attendee=Attendance.name_of(p.auditor),
            )
            for p in participants
        ],
        summary,
    )
    judgements = []
    for case in cases:
        lean = case.order % len(grades)
        for section in [*shared.sections[audit.tool_version_id], None]:
            judgements.append(
                CaseJudgement(
                    case=case,
                    section=section,
                    grade=_grade_for(rng, grades, lean),
                    reasons=_text(rng, EVIDENCE, 2),
                    recorded_by=shared.qa,
                )
            )
    _bulk(CaseJudgement, judgements, summary, "case judgements")

    received = [r for r in returns if not r.no_involvement]
    findings: list[Finding] = []
    for kind, count in FINDING_COUNTS.items():
        for order in range(1, count + 1):
            findings.append(
                Finding(
                    audit=audit,
                    kind=kind,
                    heading=f"{FindingKind(kind).label} {order}",
                    body=_text(rng, EVIDENCE + STRENGTHS + IMPROVEMENTS, 3),
                    order=order,
                    created_at=plan.created_at + dt.timedelta(days=57),
                )
            )
    for agency in rng.sample(shared.agencies, min(AGENCY_FINDING_AGENCIES, len(shared.agencies))):
        for kind in AGENCY_FINDING_KINDS:
            findings.append(
                Finding(
                    audit=audit,
                    kind=kind,
                    agency=agency,
                    heading="",
                    body=_text(rng, STRENGTHS if kind == FindingKind.AGENCY_STRENGTH else IMPROVEMENTS, 2),
                    order=1,
                    created_at=plan.created_at + dt.timedelta(days=57),
                )
            )
    _bulk(Finding, findings, summary, "findings")
    links_rf, links_case, links_ret = [], [], []
    for finding in findings:
        for rf in rng.sample(shared.risk_factors, rng.randint(0, 2)):
            links_rf.append(Finding.risk_factors.through(finding_id=finding.pk, riskfactor_id=rf.pk))
        for case in rng.sample(cases, min(len(cases), rng.randint(0, 2))):
            links_case.append(Finding.cases.through(finding_id=finding.pk, case_id=case.pk))
        for ret in rng.sample(received, min(len(received), rng.randint(0, 2))):
            links_ret.append(Finding.returns.through(finding_id=finding.pk, partareturn_id=ret.pk))
    _bulk(Finding.risk_factors.through, links_rf, summary, "finding risk factors")
    _bulk(Finding.cases.through, links_case, summary, "finding cases")
    _bulk(Finding.returns.through, links_ret, summary, "finding returns")

    statuses = list(RecommendationStatus)
    recommendations = []
    for order in range(1, RECOMMENDATIONS_PER_AUDIT + 1):
        status = statuses[(plan.number + order) % len(statuses)]
        # Closed audits have mostly closed recommendations; the newest still have open ones.
        if audit.status == AuditStatus.CLOSED and rng.random() < 0.6:
            status = RecommendationStatus.CLOSED
        by_agency = order % 2 == 0
        recommendations.append(
            Recommendation(
                audit=audit,
                text=_text(rng, IMPROVEMENTS, 1) + " Report progress to the partnership's sub committee.",
                owner="" if by_agency else "Quality Assurance Sub Group",
                owner_agency=rng.choice(shared.agencies) if by_agency else None,
                due_date=(due := audit.part_b_date + dt.timedelta(days=rng.choice((30, 90, 180, 365, 730)))),
                first_due_date=due,  # bulk_create: not set by Recommendation.save
                status=status,
                impact_evidence="Re-audit showed the change in practice."
                if status == RecommendationStatus.CLOSED
                else "",
                order=order,
                closed_at=audit.closed_at if status == RecommendationStatus.CLOSED else None,
            )
        )
    _bulk(Recommendation, recommendations, summary, "recommendations")
    _bulk(
        Recommendation.findings.through,
        [
            Recommendation.findings.through(recommendation_id=rec.pk, finding_id=rng.choice(findings).pk)
            for rec in recommendations
        ],
        summary,
        "recommendation findings",
    )


# --- Briefings ----------------------------------------------------------------------------------


class PdfCache:
    """One real PDF per edition, rendered once by the briefings app's own renderer.

    Rendering 150 briefings would take minutes and measure nothing new, so every published
    version of an edition gets the bytes of that edition's one real render (of the first audit
    seeded in this process). The files are real PDFs, so downloads serve real files; only their
    text is that of another scale audit.
    """

    rendered: dict[str, tuple[bytes, int]] = {}

    @classmethod
    def get(cls, edition: str, content: dict[str, Any], summary: ScaleSummary) -> tuple[bytes, int]:
        if edition not in cls.rendered:
            from briefings.rendering import render_pdf

            result = render_pdf(content)
            cls.rendered[edition] = (result.pdf, result.pages)
            summary.pdf_pages[edition] = result.pages
            summary.pdf_seconds[edition] = result.seconds
        return cls.rendered[edition]


def _briefings(audit: Audit, plan: AuditPlan, spec: ScaleSpec, shared: Shared, summary: ScaleSummary) -> None:
    from briefings.content import build_content
    from briefings.models import BriefingVersion, Edition, RenderStatus, briefing_upload_to
    from briefings.services import briefing_create

    published_at = plan.created_at + dt.timedelta(days=70)
    for edition in Edition.values:
        briefing = briefing_create(audit=audit, edition=edition, user=shared.qa)
        summary.created["briefings"] += 1
        count = spec.versions + (1 if edition == Edition.MANAGERS else 0)
        for number in range(1, count + 1):
            content = build_content(briefing, number=number, published_at=published_at, published_by="Scale QA Manager")
            version = BriefingVersion(
                briefing=briefing,
                number=number,
                content=content,
                status=RenderStatus.DONE if spec.pdf else RenderStatus.QUEUED,
                published_at=published_at + dt.timedelta(days=number - 1),
                published_by=shared.qa,
                queued_at=published_at,
                attempts=1 if spec.pdf else 0,
            )
            if spec.pdf:
                pdf, pages = PdfCache.get(edition, content, summary)
                name = briefing_upload_to(version, "briefing.pdf")
                path = Path(default_storage.path(name))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pdf)
                version.file.name = name
                version.pages = pages
                version.file_size = len(pdf)
                version.started_at = version.rendered_at = published_at
            version.save()
            summary.created["briefing versions"] += 1


# --- The whole ----------------------------------------------------------------------------------


def seed_scale(spec: ScaleSpec, *, progress=None) -> ScaleSummary:
    """Create what is missing of the scale partnership described by `spec`. See the module docstring."""
    started = time.perf_counter()
    summary = ScaleSummary()
    with transaction.atomic():
        shared = _shared(spec, summary)
    now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    plans = [
        AuditPlan(
            number=n,
            slug=audit_slug(n),
            is_open=False,
            # One audit every six weeks, the newest completed a few months ago.
            created_at=now - dt.timedelta(days=120 + 42 * (spec.audits - n)),
            rng=random.Random(f"{spec.seed}-audit-{n}"),
        )
        for n in range(1, spec.audits + 1)
    ] + [
        AuditPlan(
            number=n,
            slug=open_audit_slug(n),
            is_open=True,
            created_at=now - dt.timedelta(days=21),
            rng=random.Random(f"{spec.seed}-open-{n}"),
        )
        for n in range(1, spec.open_audits + 1)
    ]
    existing = set(Audit.objects.filter(slug__in=[p.slug for p in plans]).values_list("slug", flat=True))
    for plan in plans:
        if plan.slug in existing:
            summary.skipped_audits += 1
            continue
        with transaction.atomic():
            audit = _create_audit(plan, spec, shared, summary)
            if not plan.is_open:
                _briefings(audit, plan, spec, shared, summary)
        if progress is not None:
            progress(plan.slug, time.perf_counter() - started)
    summary.seconds = time.perf_counter() - started
    return summary
