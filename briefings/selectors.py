"""Reads for briefings. Each one costs a fixed number of queries, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from agencies.models import AccessAction, AccessRecord, Partnership, PartnershipLink, Role, SupportContact, User
from audits.grade_colours import grade_tone_class
from audits.models import (
    AGENCY_FINDING_KINDS,
    Audit,
    AuditAgency,
    AuditStatus,
    AuditTheme,
    Case,
    CaseJudgement,
    Finding,
    FindingKind,
    Grade,
    PartBSession,
    Recommendation,
    Section,
    audit_year,
)

from .models import Briefing, BriefingVersion, Edition, Feedback, RenderStatus

# A version published before its audit's retention purge, which took it away to be made again without the
# consensus reasons (briefings.services.versions_remove_case_detail): no new publication to announce, and still
# the version its readers read.
REMADE_BY_PURGE = Q(briefing__audit__purged_at__gte=F("published_at"))

# --- Who may read what ------------------------------------------------------------------------


def editions_readable_by(user) -> list[str]:
    """The editions a person may read in every audit.

    Agency staff read the practitioners' edition, managers the managers' edition too; the full
    report is for the QA manager and people given board access. (A lead officer also reads the
    full report of the audits they lead: see `readable_versions`.) People outside the agencies,
    such as the IT administrator, read nothing unless given board access.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_qa_manager or user.board_access:
        return [Edition.MANAGERS, Edition.PRACTITIONERS, Edition.FULL_REPORT]
    if user.case_agency_id is None:  # an administrator's agency gives them nothing
        return []
    if user.is_manager:
        return [Edition.MANAGERS, Edition.PRACTITIONERS]
    return [Edition.PRACTITIONERS]


def readable_briefings_filter(user) -> Q:
    editions = editions_readable_by(user)
    query = Q(edition__in=editions)
    if user.is_authenticated and user.has_case_access:  # not an administrator named lead officer
        query |= Q(edition=Edition.FULL_REPORT, audit__lead_officer=user)
    return query


def may_use_library(user) -> bool:
    return bool(editions_readable_by(user)) or (
        user.is_authenticated and user.has_case_access and Audit.objects.filter(lead_officer=user).exists()
    )


def versions_in_reach(user) -> QuerySet[BriefingVersion]:
    """Every version, whatever its state, of the briefings whose rendered versions the user may
    download (readable_versions): the library's rule, or the audit's composers. A download of one
    withdrawn, or whose PDF is being made again, since the person's page listed it is told why."""
    if not user.is_authenticated or not user.is_active:
        return BriefingVersion.objects.none()
    briefing_ids = Briefing.objects.filter(readable_briefings_filter(user)).values("pk")
    managed_ids = Briefing.objects.filter(audit__in=Audit.objects.managed_by(user)).values("pk")
    return (
        BriefingVersion.objects.filter(Q(briefing_id__in=briefing_ids) | Q(briefing_id__in=managed_ids))
        # The frozen content (the whole briefing, heatmap SVG included) is for rendering only: a
        # download or a list never reads it, and loading it made the library's query 20× slower.
        .defer("content")
    )


def readable_versions(user) -> QuerySet[BriefingVersion]:
    """Rendered versions the user may download: the library's rule, applied to one version too.
    A withdrawn version is nobody's to download (its file is gone)."""
    return versions_in_reach(user).filter(status=RenderStatus.DONE, withdrawn_at__isnull=True).exclude(file="")


def library_versions_for(user) -> QuerySet[BriefingVersion]:
    return (
        readable_versions(user)
        .select_related("briefing", "briefing__audit", "briefing__audit__theme")
        .order_by("-published_at")
    )


# --- Who has a copy of a version ----------------------------------------------------------------


def version_downloaders(version_id: int) -> QuerySet[User]:
    """Everyone the access log shows downloaded this version (briefings.views.download), each once."""
    downloads = AccessRecord.objects.filter(
        action=AccessAction.DOWNLOAD, object_type="briefings.briefingversion", object_id=str(version_id)
    ).values("user_id")
    return User.objects.filter(pk__in=downloads)


def emailable(users: QuerySet[User]) -> QuerySet[User]:
    """Those of `users` who may still be e-mailed: an active account with an e-mail address."""
    return users.filter(is_active=True).exclude(email="")


@dataclass(frozen=True)
class Downloads:
    people: int  # who downloaded the version
    emailed: int  # of them, who can be e-mailed (active, with an address)

    @property
    def not_emailed(self) -> int:
        return self.people - self.emailed


def version_downloads(version_id: int) -> Downloads:
    """How many people downloaded the version, and how many of them can be e-mailed. One query."""
    reachable = Q(is_active=True) & ~Q(email="")
    counts = version_downloaders(version_id).aggregate(people=Count("pk"), emailed=Count("pk", filter=reachable))
    return Downloads(people=counts["people"], emailed=counts["emailed"])


def version_overseers(version: BriefingVersion) -> QuerySet[User]:
    """Who is told of a version withdrawn by somebody else: the QA managers and the audit's lead officer
    (not an administrator named lead officer: no case content), e-mailable, other than who withdrew it."""
    lead = Q(pk=version.briefing.audit.lead_officer_id) & ~Q(role=Role.ADMINISTRATOR)
    return emailable(User.objects.filter(Q(role=Role.QA_MANAGER) | lead)).exclude(pk=version.withdrawn_by_id)


def first_standing_version(version: BriefingVersion) -> bool:
    """Whether `version` is its edition's first publication: no other version of the briefing is rendered and
    still standing (version 1, or the first one after every earlier one was withdrawn, or one published while
    an earlier one's render failed). A corrected version published over a standing one is not. One query."""
    return (
        not BriefingVersion.objects.filter(
            briefing_id=version.briefing_id, status=RenderStatus.DONE, withdrawn_at__isnull=True
        )
        .exclude(file="")
        .exclude(pk=version.pk)
        .exists()
    )


def version_announcees(version: BriefingVersion) -> QuerySet[User]:
    """Who may be told an edition was published (services.version_published_notify): the audit's named
    auditors and its lead officer (not an administrator named lead officer: no case content), e-mailable,
    other than who published it. Whether each may read the edition is readable_versions' to say. One query."""
    audit_id = version.briefing.audit_id
    auditors = AuditAgency.objects.filter(audit_id=audit_id, auditor__isnull=False).values("auditor_id")
    lead = Q(pk=version.briefing.audit.lead_officer_id) & ~Q(role=Role.ADMINISTRATOR)
    return emailable(User.objects.filter(Q(pk__in=auditors) | lead)).exclude(pk=version.published_by_id)


def version_readers_to_tell(version: BriefingVersion) -> list[int]:
    """Who is e-mailed an edition's first publication as one of its readers (services.version_published_notify):
    every active person with an e-mail address who kept "E-mail me when a new learning briefing is
    published" on and may read the edition by the library's rule (editions_readable_by; a lead officer
    reads their audit's full report too, as readable_briefings_filter says), other than who published it.
    Ids, by pk. One query, whatever the number of readers: the rule is applied to each loaded person, not
    asked of the database per person (the send checks readable_versions again)."""
    briefing = version.briefing
    lead_id = briefing.audit.lead_officer_id
    people = (
        emailable(User.objects.filter(new_briefing_emails=True))
        .exclude(pk=version.published_by_id)
        .only("pk", "is_active", "role", "agency_id", "board_access", "is_superuser")
        .order_by("pk")
    )
    return [
        person.pk
        for person in people
        if briefing.edition in editions_readable_by(person) or (person.pk == lead_id and person.has_case_access)
    ]


# --- The library ------------------------------------------------------------------------------


@dataclass
class LibraryFilters:
    theme: str = ""
    year: int | None = None
    q: str = ""
    unread: bool = False  # only the briefings whose newest version standing the reader has not downloaded


def standing_versions() -> QuerySet[BriefingVersion]:
    """Every rendered version not withdrawn, whoever may read it."""
    return BriefingVersion.objects.filter(status=RenderStatus.DONE, withdrawn_at__isnull=True).exclude(file="")


def with_published_details(versions: QuerySet[BriefingVersion]) -> QuerySet[BriefingVersion]:
    """Each version's title and audience as published (`published_title`, `published_audience`), read out of
    its frozen content without loading it (the heatmap's SVG and all): what a reader is shown, not the
    draft's, which its composers may be changing for the next version."""
    return versions.annotate(published_title=KT("content__title"), published_audience=KT("content__audience"))


SEARCH_WORDS = 10  # the words of a search looked for; any after them are left out
SEARCH_MAX_CHARS = 1000  # what is read of a search (LibraryFilterForm): room for ten long words


def search_word(word: str) -> Q:
    """The library's search, one word of it: in the briefing's title, its audit's title or its theme's name,
    or the theme's short name (its slug: "CSE" finds the child sexual exploitation briefings, whose
    titles spell it out); a year, the audit's year (audit_year). Each word of a search must be found,
    in any of them ("CSE 2017", "exploitation practitioners")."""
    # The titles as published, never the draft's (a composer may be retitling it for the next version).
    published = standing_versions().filter(briefing_id=OuterRef("pk"), content__title__icontains=word)
    match = (
        Exists(published)
        | Q(audit__title__icontains=word)
        | Q(audit__theme__name__icontains=word)
        | Q(audit__theme__slug__iexact=word)
    )
    if len(word) == 4 and word.isascii() and word.isdigit():
        year = int(word)
        match |= Q(audit__part_b_date__year=year) | Q(audit__part_b_date__isnull=True, audit__created_at__year=year)
    return match


def reader_downloads(user) -> QuerySet[AccessRecord]:
    """The access log's records of this reader's own downloads of a briefing's version (briefings.views.download
    records each as action DOWNLOAD, object_type "briefings.briefingversion", object_id the version's pk as text).
    Nobody else's: what another reader downloaded says nothing of what this one has read."""
    if not user.is_authenticated:
        return AccessRecord.objects.none()
    return AccessRecord.objects.filter(
        user_id=user.pk, action=AccessAction.DOWNLOAD, object_type="briefings.briefingversion"
    )


def with_read_by(briefings: QuerySet[Briefing], user) -> QuerySet[Briefing]:
    """Each briefing with what the reader has read of it, from their own downloads in the access log, in the
    query that lists it (no query more, however many briefings and records):
    - `latest_read`: they downloaded its newest version standing;
    - `earlier_read`: they downloaded an earlier version of it (one standing or withdrawn since), so a
      newest one they have not downloaded is a correction of what they read, not a new briefing.
    """
    downloads = reader_downloads(user)
    latest = standing_versions().filter(briefing_id=OuterRef("pk")).order_by("-number")
    # The versions numbered below the newest standing, withdrawn ones included, as the log names them (text).
    earlier = (
        BriefingVersion.objects.filter(
            briefing_id=OuterRef(OuterRef("pk")), number__lt=OuterRef(OuterRef("latest_number"))
        )
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return briefings.annotate(
        latest_version_id=Subquery(latest.values("pk")[:1]), latest_number=Subquery(latest.values("number")[:1])
    ).annotate(
        latest_read=Exists(downloads.filter(object_id=Cast(OuterRef("latest_version_id"), CharField()))),
        earlier_read=Exists(downloads.filter(object_id__in=earlier)),
    )


def library_briefings(user, filters: LibraryFilters) -> QuerySet[Briefing]:
    """Briefings with at least one rendered, not withdrawn version the user may read, newest first, each
    with what the reader has read of it (with_read_by).

    Two queries when evaluated: the briefings (with audit and theme, and the reader's downloads of them)
    and their rendered versions.
    """
    # A withdrawn version is never listed: the briefing shows its latest version still standing, and
    # is left out (by `readable`) when none is.
    done_versions = with_published_details(standing_versions().defer("content")).order_by("-number")
    readable = readable_versions(user).values("briefing_id")
    briefings = (
        Briefing.objects.filter(pk__in=readable)
        .select_related("audit", "audit__theme")
        .prefetch_related(Prefetch("versions", queryset=done_versions, to_attr="done_versions"))
    )
    if filters.theme:
        briefings = briefings.filter(audit__theme__slug=filters.theme)
    if filters.year:
        briefings = briefings.filter(
            Q(audit__part_b_date__year=filters.year)
            | Q(audit__part_b_date__isnull=True, audit__created_at__year=filters.year)
        )
    for word in filters.q.split()[:SEARCH_WORDS]:
        briefings = briefings.filter(search_word(word))
    briefings = with_read_by(briefings, user)
    if filters.unread:
        briefings = briefings.filter(latest_read=False)
    return briefings.order_by("-audit__part_b_date", "-audit__created_at", "audit_id", "edition")


def library_filter_choices(user) -> tuple[list[AuditTheme], list[int]]:
    """Themes and years that have something readable. One query: the readable audits' dates and
    themes."""
    audit_ids = readable_versions(user).values("briefing__audit_id")
    themes: dict[int, AuditTheme] = {}
    years: set[int] = set()
    for part_b, created, theme_id, name, slug in Audit.objects.filter(pk__in=audit_ids).values_list(
        "part_b_date", "created_at", "theme_id", "theme__name", "theme__slug"
    ):
        years.add(audit_year(part_b, created))
        if theme_id is not None:
            themes[theme_id] = AuditTheme(pk=theme_id, name=name, slug=slug)
    return sorted(themes.values(), key=lambda t: (t.name, t.pk)), sorted(years, reverse=True)


# --- Everything a briefing is made from --------------------------------------------------------


@dataclass
class CaseRow:
    reference: str
    # (grade label, grade code, tone class) per journey stage; ("", "", "") when none. The class colours
    # the grade by its position in its scale (audits.grade_colours), as the heatmap does, whatever its code.
    stage_grades: list[tuple[str, str, str]]
    overall: tuple[str, str, str]
    reasons: str


@dataclass
class AuditBriefingData:
    """An audit and its Part B findings, loaded once for the prefill and the snapshot."""

    audit: Audit
    session: PartBSession | None
    agencies: list[str]
    cases_count: int
    stages: list[str]
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    agency_findings: dict[str, dict[str, list[Finding]]] = field(default_factory=dict)
    recommendations: list[Recommendation] = field(default_factory=list)
    partnership: Partnership | None = None
    support_contacts: list[SupportContact] = field(default_factory=list)
    links: dict[str, list[PartnershipLink]] = field(default_factory=dict)
    case_rows: list[CaseRow] = field(default_factory=list)

    @property
    def part_b_date(self) -> date | None:
        if self.session is not None and self.session.date:
            return self.session.date
        return self.audit.part_b_date

    @property
    def venue(self) -> str:
        return self.session.venue if self.session is not None else ""


def audit_briefing_data(audit: Audit, *, with_cases: bool = False) -> AuditBriefingData:
    """Load an audit's findings, recommendations and the partnership's settings in a fixed number of queries."""
    session = PartBSession.objects.filter(audit=audit).first()
    participants = list(AuditAgency.objects.filter(audit=audit).select_related("agency").order_by("agency__name"))
    findings = list(
        Finding.objects.filter(audit=audit)
        .select_related("agency")
        .prefetch_related("risk_factors")
        .order_by("kind", "order", "pk")
    )
    by_kind: dict[str, list[Finding]] = {kind: [] for kind in FindingKind.values}
    by_agency: dict[str, dict[str, list[Finding]]] = {}
    for finding in findings:
        by_kind[finding.kind].append(finding)
        if finding.kind in AGENCY_FINDING_KINDS:
            by_agency.setdefault(finding.agency.name, {k: [] for k in AGENCY_FINDING_KINDS})[finding.kind].append(
                finding
            )
    partnership = Partnership.load()
    # A contact or link tagged with audit themes is for those audits only; untagged, for every audit.
    # One query each, whatever the number of themes (a join on the theme tags, at most one row a record).
    for_this_audit = Q(themes=None) | Q(themes=audit.theme_id)
    links: dict[str, list[PartnershipLink]] = {}
    for link in (
        PartnershipLink.objects.filter(for_this_audit, partnership=partnership)
        .distinct()
        .order_by("kind", "order", "pk")
    ):
        links.setdefault(link.kind, []).append(link)
    stages = list(Section.objects.filter(version_id=audit.tool_version_id).order_by("order"))
    data = AuditBriefingData(
        audit=audit,
        session=session,
        agencies=[p.agency.name for p in participants],
        cases_count=Case.objects.filter(audit=audit).count(),
        stages=[s.title for s in stages],
        findings=by_kind,
        agency_findings=dict(sorted(by_agency.items())),
        recommendations=list(
            Recommendation.objects.filter(audit=audit).select_related("owner_agency").order_by("order", "pk")
        ),
        partnership=partnership,
        support_contacts=list(
            SupportContact.objects.filter(for_this_audit, partnership=partnership).distinct().order_by("order", "pk")
        ),
        links=links,
    )
    if with_cases:
        data.case_rows = case_rows(audit, stages)
    return data


def case_rows(audit: Audit, stages: list[Section]) -> list[CaseRow]:
    """The Part B consensus per case, by case reference only: no age band, gender or other detail."""
    # Each grade's position in its scale and the scale's size, in the same query as the judgements.
    in_scale = Grade.objects.filter(scale_id=OuterRef("grade__scale_id")).order_by().values("scale_id")
    judgements = CaseJudgement.objects.select_related("grade").annotate(
        grade_position=Subquery(
            in_scale.filter(rank__lt=OuterRef("grade__rank")).annotate(n=Count("pk")).values("n")[:1]
        ),
        grade_steps=Subquery(in_scale.annotate(n=Count("pk")).values("n")[:1]),
    )
    cases = (
        Case.objects.filter(audit=audit)
        .order_by("order", "reference")
        .prefetch_related(Prefetch("judgements", queryset=judgements))
    )

    def grade(judgement: CaseJudgement | None) -> tuple[str, str, str]:
        if judgement is None:
            return ("", "", "")
        tone = grade_tone_class(judgement.grade_position or 0, judgement.grade_steps or 1)
        return (judgement.grade.label, judgement.grade.code, tone)

    rows = []
    for case in cases:
        by_stage = {j.section_id: j for j in case.judgements.all()}
        overall = by_stage.get(None)
        rows.append(
            CaseRow(
                reference=case.reference,
                stage_grades=[grade(by_stage.get(s.pk)) for s in stages],
                overall=grade(overall),
                reasons=overall.reasons if overall else "",
            )
        )
    return [row for row in rows if row.overall[0] or any(stage[0] for stage in row.stage_grades)]


# --- The composer and the QA manager's feedback page -----------------------------------------


def briefings_of_audit(audit: Audit) -> dict[str, Briefing]:
    briefings = Briefing.objects.filter(audit=audit).prefetch_related(
        Prefetch("versions", queryset=BriefingVersion.objects.order_by("-number"), to_attr="all_versions")
    )
    return {b.edition: b for b in briefings}


def versions_of(briefing: Briefing) -> list[BriefingVersion]:
    """Every version, withdrawn ones included (the composer shows who withdrew them and why)."""
    return list(
        with_published_details(
            briefing.versions.select_related("published_by", "withdrawn_by").defer("content")
        ).order_by("-number")
    )


def feedback_for(briefing: Briefing) -> list[Feedback]:
    return list(
        Feedback.objects.filter(briefing=briefing)
        .select_related("user", "agency", "version")
        .defer("version__content")
        .order_by("-created_at")
    )


def feedback_sent_at(user, briefing: Briefing) -> datetime | None:
    """When this reader last sent feedback on the briefing (its page says so), or None. One query."""
    return (
        Feedback.objects.filter(briefing=briefing, user=user)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def draft_changed_by(briefing: Briefing, since: datetime) -> list[str]:
    """Who saved a section, or the title and audience, of the draft after `since` (names, in the
    order of their changes). Moving a section is not kept with a name, so it names nobody."""
    changes = [
        (section.updated_at, section.updated_by)
        for section in briefing.sections.filter(updated_at__gt=since).select_related("updated_by")
    ]
    details = Briefing.objects.filter(pk=briefing.pk).select_related("details_updated_by").get()
    if details.details_updated_at and details.details_updated_at > since:
        changes.append((details.details_updated_at, details.details_updated_by))
    names: list[str] = []
    for _at, user in sorted(changes, key=lambda change: change[0]):
        name = (user.get_full_name() or user.get_username()) if user else ""
        if name and name not in names:
            names.append(name)
    return names


def audits_composing(user) -> QuerySet[Audit]:
    """The audits the user runs whose briefings are being composed: those in Part B or Reporting, and
    any other with a briefing drafted and never published (nothing but withdrawn versions), not a
    cancelled one (its draft is kept, read-only, never published). A handful,
    all of them: every other audit's briefings are reached from the audits list. One query."""
    published = BriefingVersion.objects.filter(withdrawn_at__isnull=True).values("briefing_id")
    unpublished = Briefing.objects.exclude(pk__in=published).values("audit_id")
    return (
        Audit.objects.managed_by(user)
        .filter(Q(status__in=(AuditStatus.PART_B, AuditStatus.REPORTING)) | Q(pk__in=unpublished))
        .exclude(status=AuditStatus.CANCELLED)  # its draft is never published: nothing is being composed
        .select_related("theme")
        .order_by("-created_at", "-pk")
    )
