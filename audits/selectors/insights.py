"""Reads for insights across audits: theme trends, the recommendation tracker and agency profiles.

Each function costs a fixed number of queries however many audits, findings and returns there
are: rows come in a few flat (often aggregated) queries and are put together in Python.

Theme trends (the rules, also shown on the page)
-------------------------------------------------
A *theme* is an entry of the shared taxonomy of risk factors (RiskFactor). Findings are tagged
with risk factors in Part B. For one theme and one year (Audit.year: the year of the Part B
session, else of the audit's creation), the findings of that year's audits give two signals:

- an *area for improvement*: an emerging theme / risk factor finding (FindingKind.THEME), or an
  agency area for improvement (AGENCY_IMPROVEMENT), tagged with the theme;
- a *strength*: an overall strength (STRENGTH) or an agency strength (AGENCY_STRENGTH) tagged with it.

Then, taking the years in order, each year with a signal is classified (first rule that holds):

1. **recurring**: an area for improvement this year, and an area for improvement in an earlier
   year with no strength in any year strictly between the two;
2. **mixed**: a strength and an area for improvement in the same year (not recurring);
3. **area for improvement**: an area for improvement only (first seen, or back after a strength);
4. **improving**: a strength only, and the latest earlier year with a signal had an area for improvement;
5. **strength**: a strength only.

Years without a signal are left blank. Two audits in the same year count as one year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.models import Agency, User
from agencies.selectors import deactivated_addresses
from audits.models import (
    Answer,
    Audit,
    AuditStatus,
    AuditTheme,
    Finding,
    FindingKind,
    Grade,
    InsightReport,
    InsightReportKind,
    PartAReturn,
    Recommendation,
    RecommendationReminder,
    RecommendationStatus,
    RiskFactor,
    audit_year,
)
from audits.selectors.partb import (
    OPEN_RECOMMENDATION_STATUSES,
    RECEIVED_STATUSES,
    _with_overdue_first,
    recommendations_across,
    with_last_change,
)

# --- Theme trends ------------------------------------------------------------------------------

AREA_KINDS = (FindingKind.THEME, FindingKind.AGENCY_IMPROVEMENT)
STRENGTH_KINDS = (FindingKind.STRENGTH, FindingKind.AGENCY_STRENGTH)
SIGNAL_KINDS = AREA_KINDS + STRENGTH_KINDS

STRENGTH = "strength"
AREA = "area"
MIXED = "mixed"
IMPROVING = "improving"
RECURRING = "recurring"

TREND_LABELS = {
    STRENGTH: _("Strength"),
    AREA: _("Area for improvement"),
    MIXED: _("Strength and area for improvement"),
    IMPROVING: _("Improving"),
    RECURRING: _("Recurring area for improvement"),
}
# Short codes written inside the chart's cells, so that colour is never the only signal.
TREND_CODES = {STRENGTH: "S", AREA: "A", MIXED: "S+A", IMPROVING: "I", RECURRING: "R"}
TREND_ORDER = [STRENGTH, IMPROVING, MIXED, AREA, RECURRING]


@dataclass
class Signal:
    area: bool = False
    strength: bool = False

    def add(self, kind: str) -> None:
        """A finding of this kind tagged with the risk factor in this year: an area for improvement
        (AREA_KINDS), else a strength."""
        if kind in AREA_KINDS:
            self.area = True
        else:
            self.strength = True


def _recurs(signals: dict[int, Signal], earlier: list[int]) -> list[int]:
    """The earlier years whose area for improvement this year's one repeats (latest first).

    Walk back from the latest earlier year: keep each year with an area for improvement; stop
    after the first year with a strength (a strength breaks the chain; an area for improvement
    in that same year still counts, since the strength is not *between* the two)."""
    chain: list[int] = []
    for year in reversed(earlier):
        if signals[year].area:
            chain.append(year)
        if signals[year].strength:
            break
    return chain


def classify(signals: dict[int, Signal]) -> dict[int, str]:
    """Each year that has a signal → its trend status (see the module's docstring for the rules)."""
    years = sorted(y for y, s in signals.items() if s.area or s.strength)
    result: dict[int, str] = {}
    for i, year in enumerate(years):
        signal, earlier = signals[year], years[:i]
        if signal.area and _recurs(signals, earlier):
            result[year] = RECURRING
        elif signal.area and signal.strength:
            result[year] = MIXED
        elif signal.area:
            result[year] = AREA
        elif earlier and signals[earlier[-1]].area:
            result[year] = IMPROVING
        else:
            result[year] = STRENGTH
    return result


@dataclass
class TrendEvidence:
    """A finding behind a trend. Of an audit the reader does not run, only its kind: audit is None
    and there is no text or agency."""

    audit: Audit | None
    finding_id: int
    kind: str
    text: str = ""
    agency: str = ""

    @property
    def kind_label(self) -> str:
        return FindingKind(self.kind).label

    @property
    def is_area(self) -> bool:
        return self.kind in AREA_KINDS


@dataclass
class TrendCell:
    year: int
    status: str | None = None
    evidence: list[TrendEvidence] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(TREND_LABELS[self.status]) if self.status else ""

    @property
    def code(self) -> str:
        return TREND_CODES.get(self.status or "", "")


@dataclass
class TrendRow:
    risk_factor: RiskFactor
    cells: list[TrendCell]

    @property
    def latest(self) -> TrendCell | None:
        return next((c for c in reversed(self.cells) if c.status), None)


@dataclass
class ThemeTrends:
    years: list[int]
    rows: list[TrendRow]
    audits: list[Audit]  # the audits the reader runs, named
    theme: AuditTheme | None = None
    others: int = 0  # the reported audits of others that count, not named

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.status == status)

    @property
    def totals(self) -> list[tuple[str, str, int]]:
        return [(s, str(TREND_LABELS[s]), self.count(s)) for s in TREND_ORDER]


def may_see_trends(user) -> bool:
    """The QA manager and lead officers: trends are partnership-wide and theme-level. Of an audit
    the reader does not run, nothing but its agreed findings' kinds counts (see trend_audits): no
    audit, case, return or agency named, like the emerging themes of a published briefing."""
    if not user.is_authenticated or not user.has_case_access:  # not an administrator named lead officer
        return False
    return user.is_qa_manager or Audit.objects.filter(lead_officer=user).exists()


def trend_audits(user) -> QuerySet[Audit]:
    """The audits whose findings count in the user's trends: those they run (every audit, for the QA
    manager), whatever their stage, and others' only once Part B has agreed them."""
    # Never a cancelled audit's: it did not go ahead, so its findings are not the partnership's.
    audits = Audit.objects.exclude(status=AuditStatus.CANCELLED)
    if user.is_qa_manager:
        return audits
    return audits.filter(Q(lead_officer_id=user.pk) | Q(status__in=AGREED_FINDINGS_STATUSES))


def _runs(user, lead_officer_id: int | None) -> bool:
    """Audit.objects.managed_by(user), for an audit already read (by its lead officer): no query."""
    return user.is_qa_manager or lead_officer_id == user.pk


def _finding_text(heading: str, body: str) -> str:
    text = heading or body
    text = " ".join(text.split())
    return text if len(text) <= 140 else text[:139].rstrip() + "…"


def theme_trends(*, user, theme: AuditTheme | None = None) -> ThemeTrends:
    """Theme × year over the audits that count for the user (trend_audits; of one audit theme, if
    given). The findings of audits the user runs are named; of others, only their kind is kept.

    Queries: the audits; the tagged findings (one flat query over the finding–risk factor links,
    with the finding's kind, text, audit and agency); the risk factors named: three.
    """
    audits_qs = trend_audits(user).select_related("theme").order_by("part_b_date", "created_at")
    if theme is not None:
        audits_qs = audits_qs.filter(theme=theme)
    audits = {a.pk: a for a in audits_qs}
    links = (
        Finding.risk_factors.through.objects.filter(finding__audit__in=audits_qs, finding__kind__in=SIGNAL_KINDS)
        .values_list(
            "riskfactor_id",
            "finding_id",
            "finding__kind",
            "finding__heading",
            "finding__body",
            "finding__audit_id",
            "finding__agency__name",
        )
        .order_by("finding__kind", "finding__order", "finding_id")
    )
    signals: dict[int, dict[int, Signal]] = defaultdict(lambda: defaultdict(Signal))
    evidence: dict[tuple[int, int], list[TrendEvidence]] = defaultdict(list)
    unnamed: set[tuple[int, int, bool]] = set()  # (risk factor, audit, area?) of others' audits listed
    for rf_id, finding_id, kind, heading, body, audit_id, agency_name in links:
        audit = audits[audit_id]
        signals[rf_id][audit.year].add(kind)
        if _runs(user, audit.lead_officer_id):
            shown = TrendEvidence(audit, finding_id, kind, _finding_text(heading, body), agency_name or "")
        else:
            # Without its name or agencies, each of its findings would read as another audit: one
            # line per audit (and per area for improvement / strength), however many findings.
            key = (rf_id, audit_id, kind in AREA_KINDS)
            if key in unnamed:
                continue
            unnamed.add(key)
            shown = TrendEvidence(None, 0, kind)
        evidence[(rf_id, audit.year)].append(shown)
    years = sorted({a.year for a in audits.values()})
    factors = RiskFactor.objects.filter(pk__in=list(signals)).order_by("name") if signals else []
    rows = []
    for rf in factors:
        statuses = classify(signals[rf.pk])
        cells = [TrendCell(y, statuses.get(y), evidence.get((rf.pk, y), [])) for y in years]
        rows.append(TrendRow(rf, cells))
    named = sorted((a for a in audits.values() if _runs(user, a.lead_officer_id)), key=lambda a: (a.year, a.title))
    return ThemeTrends(years=years, rows=rows, audits=named, theme=theme, others=len(audits) - len(named))


@dataclass
class RecurringAlert:
    risk_factor: RiskFactor
    # (year, that year's audits with the area for improvement: the user's by title, others counted)
    earlier: list[tuple[int, list[str]]]


def recurring_for_audit(audit: Audit, user) -> list[RecurringAlert]:
    """Areas for improvement of this audit that came back from an earlier year's audit.

    Looks at every audit that counts in the user's trends (trend_audits, whatever its theme): a
    risk factor that recurs in a neglect audit after a CSE audit has still come back. The rules are
    theme_trends' (classify, _recurs), applied to this audit's own risk factors only and without the
    findings' text: this alert is on every view of the findings page. An earlier audit the user does
    not run is counted, not named. Queries: the audit's own area-for-improvement tags, the audits'
    years and titles, those risk factors' links to findings, the risk factors: four.
    """
    own = set(
        Finding.risk_factors.through.objects.filter(finding__audit=audit, finding__kind__in=AREA_KINDS).values_list(
            "riskfactor_id", flat=True
        )
    )
    if not own:
        return []
    counted = trend_audits(user) | Audit.objects.filter(pk=audit.pk)
    audits = {
        pk: (audit_year(part_b, created), title if _runs(user, lead_id) else None)
        for pk, part_b, created, title, lead_id in counted.values_list(
            "pk", "part_b_date", "created_at", "title", "lead_officer_id"
        )
    }
    signals: dict[int, dict[int, Signal]] = defaultdict(lambda: defaultdict(Signal))
    area_audits: dict[tuple[int, int], set[int]] = defaultdict(set)
    for rf_id, kind, audit_id in Finding.risk_factors.through.objects.filter(
        riskfactor_id__in=own, finding__kind__in=SIGNAL_KINDS, finding__audit__in=counted
    ).values_list("riskfactor_id", "finding__kind", "finding__audit_id"):
        year = audits[audit_id][0]
        signals[rf_id][year].add(kind)
        if kind in AREA_KINDS:
            area_audits[(rf_id, year)].add(audit_id)

    def titles(audit_ids: set[int]) -> list[str]:
        """The audits the user runs by title; the others counted, not named (one title would do for
        two audits of others, telling the reader there was one)."""
        named = sorted(t for t in (audits[pk][1] for pk in audit_ids) if t is not None)
        others = sum(1 for pk in audit_ids if audits[pk][1] is None)
        if others:
            named.append(ngettext("an audit run by someone else", "%(n)d audits run by others", others) % {"n": others})
        return named

    alerts = []
    for rf in RiskFactor.objects.filter(pk__in=own).order_by("name"):
        if classify(signals[rf.pk]).get(audit.year) != RECURRING:
            continue
        earlier_years = [y for y in sorted(signals[rf.pk]) if y < audit.year]
        chain = _recurs(signals[rf.pk], earlier_years)
        alerts.append(RecurringAlert(rf, [(year, titles(area_audits[(rf.pk, year)])) for year in sorted(chain)]))
    return alerts


# --- Recommendation tracker --------------------------------------------------------------------

REMINDER_LEAD_DAYS = 14
REMINDER_INTERVAL_DAYS = 7


def _owner_addresses(rec: Recommendation) -> list[str]:
    """The addresses a recommendation's reminders may go to, in turn: its own owner e-mail, its owner agency's lead."""
    return [rec.owner_email, rec.owner_agency.lead_email if rec.owner_agency_id else ""]


def departed_addresses(recs) -> frozenset[str]:
    """Of these recommendations' owner addresses (own and owner agency's lead), those (lower case) of
    somebody who left: the address of a deactivated account (an administrator deactivates a leaver's; an
    address is one account's, whatever its case). Not an address outside the portal. One query, none when
    no recommendation has one."""
    return deactivated_addresses(address for rec in recs for address in _owner_addresses(rec))


def owner_email_of(rec: Recommendation, departed: frozenset[str] = frozenset()) -> str:
    """Where a recommendation's reminders go: its own owner e-mail, else its owner agency's lead; not to an
    address in `departed` (departed_addresses: somebody who left), in whose place the agency's lead is
    reminded, or nobody."""
    for address in _owner_addresses(rec):
        if address and address.lower() not in departed:
            return address
    return ""


def departed_owner_email(rec: Recommendation, departed: frozenset[str]) -> str:
    """The owner address of somebody who left (departed_addresses) that the recommendation's reminders no
    longer go to, or "": its own owner e-mail, else its owner agency's lead's when that is where they went."""
    for address in _owner_addresses(rec):
        if address:
            if address.lower() in departed:
                return address
            return ""
    return ""


@dataclass
class TrackerItem:
    rec: Recommendation
    overdue: bool
    days: int | None  # days until the due date (negative: days overdue)
    contact: str
    last_reminder: object | None  # datetime of the last reminder sent
    # The owner address of somebody who left, no longer reminded (departed_owner_email): "" when none.
    departed: str = ""
    # Recommendation.rag as on `today` (the board report's: the day it was asked for).
    rag: str = ""
    # The first due date it was given, when its due date was moved since (slippage): None when not.
    first_due: date | None = None
    # Who last changed it (with_last_change: the tracker's, not the board report's): "" when not known.
    changed_by: str = ""

    @property
    def reminded(self) -> bool:
        """Whether its owner is e-mailed reminders (once due soon or overdue): open or in progress only."""
        return self.rec.status in OPEN_RECOMMENDATION_STATUSES

    @property
    def days_overdue(self) -> int:
        return -self.days if self.overdue and self.days is not None else 0


@dataclass
class Tracker:
    items: list[TrackerItem]  # those the filters let through
    total: int  # every recommendation of the audits the user runs, whatever the filters

    def count(self, rag: str) -> int:
        return sum(1 for i in self.items if i.rec.rag == rag)

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.overdue)

    @property
    def open(self) -> int:
        return sum(1 for i in self.items if i.rec.status in OPEN_RECOMMENDATION_STATUSES)


def may_track(user) -> bool:
    return Audit.objects.managed_by(user).exists()


def recommendation_tracker(
    user,
    *,
    status: str = "",
    rag: str = "",
    theme: AuditTheme | None = None,
    only_open: bool = False,
    today: date | None = None,
) -> Tracker:
    """Every recommendation of every audit the user runs (QA manager: all; lead officer: theirs),
    overdue first, then by due date, narrowed by the filters given (all of them at once). Built on
    Part B's recommendations_across.

    `total` is every recommendation of those audits, whatever the filters: the page's "3 of 12
    shown". Its overdue and open counts are of the items shown.

    Queries: the recommendations with audit and owner agency; the last reminder of each; which owner
    addresses are of somebody who left (departed_addresses, none when no recommendation has one): three.

    Overdue, days and the items' rag as on `today` (default: the local date now); the `rag` filter is
    Recommendation.rag's, the local date now.
    """
    today = today or timezone.localdate()
    recs = recommendations_across(user)
    total = len(recs)
    if status:
        recs = [r for r in recs if r.status == status]
    if only_open:
        recs = [r for r in recs if r.status in OPEN_RECOMMENDATION_STATUSES]
    if theme is not None:
        recs = [r for r in recs if r.audit.theme_id == theme.pk]
    if rag:
        recs = [r for r in recs if r.rag == rag]
    last = _last_reminders([r.pk for r in recs])
    departed = departed_addresses(recs)
    return Tracker(items=[_tracker_item(r, today, last, departed) for r in recs], total=total)


def _last_reminders(pks: list[int]) -> dict:
    """When each of these recommendations' owners was last reminded: one query (none for no rows)."""
    if not pks:
        return {}
    return dict(
        RecommendationReminder.objects.filter(recommendation__in=pks)
        .values("recommendation_id")
        .annotate(last=Max("sent_at"))
        .values_list("recommendation_id", "last")
        .order_by()
    )


def _rag_on(r: Recommendation, today: date) -> str:
    """Recommendation.rag's rule, as on `today`."""
    if r.status in (RecommendationStatus.COMPLETE, RecommendationStatus.CLOSED):
        return "green"
    if r.due_date is None:
        return "amber"
    if r.due_date < today:
        return "red"
    return "amber" if (r.due_date - today).days <= 30 else "green"


def _tracker_item(r: Recommendation, today, last: dict, departed: frozenset[str]) -> TrackerItem:
    return TrackerItem(
        rec=r,
        overdue=r.status in OPEN_RECOMMENDATION_STATUSES and r.due_date is not None and r.due_date < today,
        days=(r.due_date - today).days if r.due_date else None,
        contact=owner_email_of(r, departed),
        last_reminder=last.get(r.pk),
        departed=departed_owner_email(r, departed),
        rag=_rag_on(r, today),
        first_due=_moved_from(r),
        changed_by=_changed_by(r),
    )


def _changed_by(r: Recommendation) -> str:
    """Who last changed `r` (with_last_change), by name, else by username; "" when not known."""
    name = f"{getattr(r, 'changed_by_first', None) or ''} {getattr(r, 'changed_by_last', None) or ''}".strip()
    return name or getattr(r, "changed_by_username", None) or ""


def _moved_from(r: Recommendation) -> date | None:
    """The first due date given to `r` (Recommendation.first_due_date), when its due date is another now."""
    first = r.first_due_date
    return first if first is not None and first != r.due_date else None


# --- My recommendations: those whose reminders go to the signed-in person ----------------------------


def owned_by_address(address: str, *, as_lead: bool = True) -> Q:
    """The recommendations whose reminders go to `address` (owner_email_of's rule, compared without regard
    to case, as a filter): those whose own owner e-mail it is; and, as their owner agency's lead's, those
    with no owner e-mail or whose owner e-mail is a deactivated account's (somebody who left, reminded no
    more: departed_addresses), unless `as_lead` is False. For the account holding `address`, which is
    active: an address is one account's, whatever its case. Nothing for a blank address (a test checks the
    rule agrees with owner_email_of)."""
    if not address:
        return Q(pk__in=[])
    if not as_lead:
        return Q(owner_email__iexact=address)
    owner_left = Exists(
        User.objects.annotate(address=Lower("email")).filter(address=Lower(OuterRef("owner_email")), is_active=False)
    )
    as_lead = Q(owner_agency__lead_email__iexact=address) & (Q(owner_email="") | owner_left)
    return Q(owner_email__iexact=address) | as_lead


def owned_recommendations(user) -> QuerySet[Recommendation]:
    """The recommendations whose owner address is the user's own account's e-mail (owned_by_address), of
    every audit but a cancelled one (as the tracker: it will not go ahead, and its owners were told so).
    None for a person with no e-mail address. Not yet read: the menu asks whether there is one
    (agencies.selectors.assignments_of), the page reads them (my_recommendations).

    An administrator (no case access, and no agency's person) reads only those naming their own address as
    the owner's, not an agency's as its lead: the administrator edits each agency's lead e-mail, and giving
    one their own address would read the agency's recommendations without an owner and its leavers'."""
    email = (getattr(user, "email", "") or "").strip()
    if not user.is_authenticated or not email:
        return Recommendation.objects.none()
    owned = owned_by_address(email, as_lead=user.has_case_access)
    return Recommendation.objects.filter(owned).exclude(audit__status=AuditStatus.CANCELLED)


@dataclass
class OwnedItem:
    rec: Recommendation
    overdue: bool
    days: int | None  # days until the due date (negative: days overdue)
    first_due: date | None  # the first due date, when it was moved since
    # Whom to tell of progress: the audit's lead officer, while they can lead it and have an address; else
    # None, and the page names the partnership's contact, as the owners' e-mails do.
    lead_officer: object | None

    @property
    def days_overdue(self) -> int:
        return -self.days if self.overdue and self.days is not None else 0


def my_recommendations(user) -> list[OwnedItem]:
    """owned_recommendations, in the tracker's order (overdue first, then by due date), each with its audit,
    the audit's lead officer, its owner agency and first due date: one query, however many
    (none for a person with no e-mail address)."""
    today = timezone.localdate()
    recs = owned_recommendations(user).select_related("audit", "audit__lead_officer", "owner_agency")
    items = []
    for r in _in_order(recs):
        lead = r.audit.lead_officer
        able = lead is not None and lead.email and not r.audit.lead_officer_unable
        items.append(
            OwnedItem(
                rec=r,
                overdue=r.status in OPEN_RECOMMENDATION_STATUSES and r.due_date is not None and r.due_date < today,
                days=(r.due_date - today).days if r.due_date else None,
                first_due=_moved_from(r),
                lead_officer=lead if able else None,
            )
        )
    return items


# --- The tracker and the list across audits, a page at a time -------------------------------------

RECOMMENDATIONS_PER_PAGE = 25


def _rag_q(rag: str, today) -> Q:
    """Recommendation.rag as a filter, so that a page of one rating is read from the database: the
    same rule (a test checks the two agree)."""
    still_open = Q(status__in=OPEN_RECOMMENDATION_STATUSES)
    soon = today + timedelta(days=30)
    if rag == "red":
        return still_open & Q(due_date__lt=today)
    if rag == "amber":
        return still_open & (Q(due_date__isnull=True) | Q(due_date__gte=today, due_date__lte=soon))
    return ~still_open | Q(due_date__gt=soon)


def _matching_q(statuses: tuple[str, ...] | None, rag: str, theme: AuditTheme | None, today) -> Q:
    q = Q()
    if statuses is not None:
        q &= Q(status__in=statuses)
    if theme is not None:
        q &= Q(audit__theme=theme)
    if rag:
        q &= _rag_q(rag, today)
    return q


def _across(user) -> QuerySet[Recommendation]:
    # As recommendations_across: not a cancelled audit's.
    return Recommendation.objects.filter(audit__in=Audit.objects.managed_by(user).exclude(status=AuditStatus.CANCELLED))


def _in_order(qs: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """recommendations_across's order: overdue first, then by due date (undated last)."""
    return _with_overdue_first(qs).order_by(
        "overdue_first", F("due_date").asc(nulls_last=True), "audit__title", "order", "pk"
    )


def recommendations_matching(
    user, *, statuses: tuple[str, ...] | None = None, rag: str = "", theme: AuditTheme | None = None
) -> QuerySet[Recommendation]:
    """The recommendations of the audits the user runs with one of `statuses` (None: any), of the
    rating and theme given, in recommendations_across's order, with audit and owner agency. Not yet
    read: a page of it is."""
    q = _matching_q(statuses, rag, theme, timezone.localdate())
    recs = with_last_change(_across(user).filter(q).select_related("audit", "owner_agency"))
    return _in_order(recs)


class _CountedPaginator(Paginator):
    """A paginator told its count (read with the page's other figures) instead of asking for it."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass
class TrackerPage:
    page: Page  # of TrackerItem
    total: int  # every recommendation of the audits the user runs, whatever the filters
    overdue: int  # of those the filters let through, on every page
    open: int  # ditto

    @property
    def items(self) -> list[TrackerItem]:
        return self.page.object_list

    @property
    def matching(self) -> int:
        return self.page.paginator.count


def recommendation_tracker_page(
    user,
    *,
    statuses: tuple[str, ...] | None = None,
    rag: str = "",
    theme: AuditTheme | None = None,
    page: str | int | None = None,
    per_page: int = RECOMMENDATIONS_PER_PAGE,
) -> TrackerPage:
    """One page of the tracker (Paginator.get_page's rules for `page`), with the figures of every page.

    Queries, however many recommendations: the figures (one aggregate), the page's rows with audit and
    owner agency, the last reminder of each (one aggregate, none on an empty page), which owner addresses are
    of somebody who left (departed_addresses; none when no row has one): four.
    """
    today = timezone.localdate()
    shown = _matching_q(statuses, rag, theme, today)
    figures = _across(user).aggregate(
        total=Count("pk"),
        matching=Count("pk", filter=shown),
        overdue=Count("pk", filter=shown & Q(status__in=OPEN_RECOMMENDATION_STATUSES, due_date__lt=today)),
        open=Count("pk", filter=shown & Q(status__in=OPEN_RECOMMENDATION_STATUSES)),
    )
    matching = recommendations_matching(user, statuses=statuses, rag=rag, theme=theme)
    current = _CountedPaginator(matching, per_page, count=figures["matching"]).get_page(page)
    recs = list(current.object_list)
    last = _last_reminders([r.pk for r in recs])
    departed = departed_addresses(recs)
    current.object_list = [_tracker_item(r, today, last, departed) for r in recs]
    return TrackerPage(page=current, total=figures["total"], overdue=figures["overdue"], open=figures["open"])


def board_report_items(
    user, *, theme: AuditTheme | None = None, today: date | None = None
) -> tuple[list[TrackerItem], list[TrackerItem], int]:
    """(overdue, open and not overdue, number complete and awaiting closure) for the board report, as on
    `today` (the report's: the day it was asked for, whenever the worker renders it)."""
    tracker = recommendation_tracker(user, theme=theme, today=today)
    overdue = [i for i in tracker.items if i.overdue]
    still_open = [i for i in tracker.items if i.rec.status in OPEN_RECOMMENDATION_STATUSES and not i.overdue]
    complete = sum(1 for i in tracker.items if i.rec.status == RecommendationStatus.COMPLETE)
    return overdue, still_open, complete


# --- Agency profiles ---------------------------------------------------------------------------

# Agency staff read the findings about their agency once the Part B group has agreed them; lead
# officers' theme trends count other audits' findings from then on too.
AGREED_FINDINGS_STATUSES = (AuditStatus.REPORTING, AuditStatus.CLOSED)
PAST_PART_A = (AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED)


def profile_agencies(user) -> QuerySet[Agency]:
    """Agencies whose profile the user may open.

    QA manager: every agency that has taken part in an audit. A lead officer: the agencies of the
    audits they lead. Anyone with an agency: their own. Never the administrator (no case content,
    whatever audit they were named lead officer of, or agency their account names). Nobody else.
    As profile_audits, trends and the tracker: not for a cancelled audit, which did not go ahead (an
    agency only in cancelled audits would have an empty profile).
    """
    if not user.is_authenticated or not user.has_case_access:
        return Agency.objects.none()
    went_ahead = [status for status in AuditStatus.values if status != AuditStatus.CANCELLED]
    if user.is_qa_manager:
        return Agency.objects.filter(audit_participations__audit__status__in=went_ahead).distinct()
    query = Q(audit_participations__audit__lead_officer=user, audit_participations__audit__status__in=went_ahead)
    if user.case_agency_id:
        query |= Q(pk=user.case_agency_id)
    return Agency.objects.filter(query).distinct()


def may_see_report(user, report: InsightReport) -> bool:
    """Whether `user` may open this report now: the person who asked for it, while they may still see
    what it holds, by the rule of the page it was made from (the tracker's for a board report, the
    profile's for an agency profile), and while each audit it was made from (report.audit_ids, kept when
    it was rendered) is still one that page shows them: a lead officer replaced on one of them, or a QA
    manager now one audit's lead officer, no longer opens it. One query, two for a rendered report."""
    if not user.is_authenticated or report.requested_by_id != user.pk:
        return False
    if report.kind == InsightReportKind.BOARD:
        allowed = may_track(user)
    else:
        allowed = profile_agencies(user).filter(pk=report.agency_id).exists()
    if not allowed or not (report.audit_ids or report.findings_audit_ids):
        return allowed
    # An audit deleted since (in Planning, with no work in it) no longer holds anything to keep.
    lost = Audit.objects.filter(pk__in=report.audit_ids).exclude(pk__in=report_audits(user, report).values("pk"))
    # Findings printed before they were agreed, because the requester ran the audit: while they still do.
    lost_findings = (
        Audit.objects.filter(pk__in=report.findings_audit_ids)
        .exclude(status__in=AGREED_FINDINGS_STATUSES)
        .exclude(pk__in=Audit.objects.managed_by(user).values("pk"))
    )
    return not (lost | lost_findings).exists()


def report_findings_audits(user, report: InsightReport) -> QuerySet[Audit]:
    """Of report_audits, those whose findings not yet agreed an agency profile made for `user` now prints
    because they run them (agency_profile's `readable`); none for a board report, all of whose audits they
    run."""
    if report.kind == InsightReportKind.BOARD:
        return Audit.objects.none()
    return (
        report_audits(user, report)
        .exclude(status__in=AGREED_FINDINGS_STATUSES)
        .filter(pk__in=Audit.objects.managed_by(user).values("pk"))
    )


def report_audits(user, report: InsightReport) -> QuerySet[Audit]:
    """The audits a report made for `user` now would be made from: those they run for a board report (its
    tracker and named trends), the profile's audits for an agency profile."""
    if report.kind == InsightReportKind.BOARD:
        return Audit.objects.managed_by(user)
    return profile_audits(user, report.agency)


def profile_audits(user, agency: Agency) -> QuerySet[Audit]:
    """The audits a profile is built from, for this viewer: the agency's audits that the viewer runs,
    or all of them for the QA manager and for the agency's own staff."""
    # Not a cancelled audit: it did not go ahead, so its returns were neither late nor missing.
    audits = Audit.objects.filter(participants__agency=agency).exclude(status=AuditStatus.CANCELLED)
    if user.is_qa_manager or user.case_agency_id == agency.pk:
        return audits
    return audits.filter(lead_officer=user)


@dataclass
class AuditTiming:
    audit: Audit
    on_time: int = 0
    late: int = 0
    missing: int = 0
    awaited: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.missing + self.awaited


@dataclass
class StageDistribution:
    stage: str
    by_year: dict[int, list[int]]  # year → count per grade rank (index 0 = rank 1)

    @property
    def rows(self) -> list[tuple[int, list[int], int]]:
        """(year, counts per grade, total) for each year with graded answers, oldest first."""
        return [(y, counts, sum(counts)) for y, counts in sorted(self.by_year.items()) if sum(counts)]

    def counts(self, year: int, steps: int) -> list[int]:
        return (self.by_year.get(year) or [0] * steps)[:steps]

    def total(self, year: int) -> int:
        return sum(self.by_year.get(year) or [])


@dataclass
class AgencyProfile:
    agency: Agency
    timings: list[AuditTiming]
    years: list[int]
    grade_labels: list[str]  # by rank, best first
    stages: list[StageDistribution]
    findings: list[tuple[int, list[Finding]]]  # (year, that year's strengths and areas for improvement)
    findings_hidden: int  # audits whose findings the viewer cannot see yet
    grade_steps: list[tuple[int, int]] = field(default_factory=list)  # (rank, steps of its scale) per label

    @property
    def grade_positions(self) -> list[tuple[int, int]]:
        """(position on its scale from 0, steps of the scale) per grade label: for the chart's colours."""
        if len(self.grade_steps) == len(self.grade_labels):
            return [(min(rank, steps) - 1, steps) for rank, steps in self.grade_steps]
        return [(i, len(self.grade_labels)) for i in range(len(self.grade_labels))]

    @property
    def totals(self) -> AuditTiming:
        total = AuditTiming(audit=None)  # type: ignore[arg-type]
        for t in self.timings:
            total.on_time += t.on_time
            total.late += t.late
            total.missing += t.missing
            total.awaited += t.awaited
        return total

    @property
    def graded(self) -> int:
        return sum(stage.total(y) for stage in self.stages for y in self.years)


def _timings(agency: Agency, audits: list[Audit]) -> list[AuditTiming]:
    """Returns on time / late / missing per audit, from submitted_at and the audit's Part A due date.

    Received is what the progress dashboard calls received: submitted or accepted ("no involvement"
    returns included). On time: received, submitted on or before the due date (or at all, when the
    audit had no due date). Late: received, submitted after it. Missing: not received, and the audit
    has left Part A. Awaited: not received yet while the audit is still in planning or Part A.
    submitted_at is the latest submission, so a return sent back for amendment and submitted again
    counts by that date; one sent back and not submitted again is not received (its submitted_at is
    the earlier submission's, which the group sent back). One aggregate query.
    """
    submitted = Q(status__in=RECEIVED_STATUSES, submitted_at__isnull=False)
    in_time = Q(audit__part_a_due__isnull=True) | Q(submitted_at__date__lte=F("audit__part_a_due"))
    rows = (
        PartAReturn.objects.filter(agency=agency, audit__in=[a.pk for a in audits])
        .values("audit_id")
        .annotate(
            on_time=Count("pk", filter=submitted & in_time),
            late=Count("pk", filter=submitted & ~in_time),
            unsubmitted=Count("pk", filter=~submitted),
        )
        .order_by()
    )
    by_audit = {r["audit_id"]: r for r in rows}
    timings = []
    for audit in audits:
        row = by_audit.get(audit.pk, {"on_time": 0, "late": 0, "unsubmitted": 0})
        past = audit.status in PAST_PART_A
        timings.append(
            AuditTiming(
                audit=audit,
                on_time=row["on_time"],
                late=row["late"],
                missing=row["unsubmitted"] if past else 0,
                awaited=0 if past else row["unsubmitted"],
            )
        )
    return timings


def _stage_distribution(
    agency: Agency, audits: list[Audit]
) -> tuple[list[str], list[tuple[int, int]], list[StageDistribution]]:
    """Grades the agency gave, by journey stage (Section.title) and year. One aggregate query.

    Counts the graded answers of its received returns (submitted or accepted) for cases it was
    involved in, one column per grade label: a grade is counted under its own label, whatever its
    scale (after a change of scale, a 3-step scale's Good, its rank 1, is counted as Good, not as the
    4-step scale's rank 1, Outstanding). Labels go best first: by their mean place on the scales that
    have them (0 the best step, 1 the worst), then by rank, then by name; with one scale, its order.
    Also, for each label, (rank, number of steps of its scale) on the longest scale that has it: where
    it lies on its scale, for its colour (a Good given as the worst grade of all is still the second
    of four steps).
    """
    year_of = {a.pk: a.year for a in audits}
    scale_steps = (
        Grade.objects.filter(scale_id=OuterRef("grade__scale_id")).order_by().values("scale_id").annotate(n=Count("pk"))
    )
    rows = (
        Answer.objects.filter(
            part_a_return__agency=agency,
            part_a_return__audit__in=list(year_of),
            part_a_return__status__in=RECEIVED_STATUSES,
            part_a_return__no_involvement=False,
            grade__isnull=False,
        )
        .values("part_a_return__audit_id", "standard__section__title", "grade__rank", "grade__label", "grade__scale_id")
        .annotate(n=Count("pk"), stage_order=Max("standard__section__order"), steps=Subquery(scale_steps.values("n")))
        .order_by()
    )
    places: dict[str, set[tuple[int, int, int]]] = defaultdict(set)  # label → (scale, rank, steps)
    # A label is the same grade however it is spelt on each scale ("Requires Improvement", "Requires
    # improvement "): grouped without case or extra spaces, shown as the longest scale spells it.
    spellings: dict[str, set[tuple[int, int, str]]] = defaultdict(set)  # label → (steps, scale, as spelt)
    stage_order: dict[str, int] = {}
    counts: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for row in rows:
        title = row["standard__section__title"]
        label = " ".join(row["grade__label"].split()).casefold()
        spellings[label].add((row["steps"], row["grade__scale_id"], row["grade__label"].strip()))
        places[label].add((row["grade__scale_id"], row["grade__rank"], row["steps"]))
        stage_order[title] = min(stage_order.get(title, row["stage_order"]), row["stage_order"])
        counts[title][year_of[row["part_a_return__audit_id"]]][label] += row["n"]

    def position(rank: int, steps: int) -> float:
        return (rank - 1) / (steps - 1) if steps > 1 else 0.0

    def best_first(label: str) -> tuple[float, int, str]:
        found = places[label]
        mean = sum(position(rank, steps) for _scale, rank, steps in found) / len(found)
        return (mean, min(rank for _scale, rank, _steps in found), label)

    labels = sorted(places, key=best_first)
    # Its colour: its place on the longest scale that has it (the lowest rank there, should a scale repeat it).
    steps_of = {label: min(places[label], key=lambda p: (-p[2], p[1]))[1:] for label in labels}
    stages = [
        StageDistribution(
            stage=title,
            by_year={year: [by_label.get(label, 0) for label in labels] for year, by_label in counts[title].items()},
        )
        for title in sorted(counts, key=lambda t: (stage_order[t], t))
    ]
    shown = [min(spellings[label], key=lambda s: (-s[0], s[1]))[2] for label in labels]
    return shown, [steps_of[label] for label in labels], stages


def agency_profile(user, agency: Agency) -> AgencyProfile:
    """The agency across the audits this viewer may see (profile_audits).

    Queries: the audits; the returns' timing (aggregate); the grades by stage (aggregate); the
    agency's strengths and areas for improvement with their audit: four.
    """
    audits = sorted(profile_audits(user, agency).select_related("theme"), key=lambda a: (a.year, a.title))
    timings = _timings(agency, audits)
    grade_labels, grade_steps, stages = _stage_distribution(agency, audits)
    managed = user.is_qa_manager
    readable = [a.pk for a in audits if managed or a.lead_officer_id == user.pk or a.status in AGREED_FINDINGS_STATUSES]
    findings = (
        list(
            Finding.objects.filter(
                audit__in=readable,
                agency=agency,
                kind__in=(FindingKind.AGENCY_STRENGTH, FindingKind.AGENCY_IMPROVEMENT),
            )
            .select_related("audit")
            .order_by("kind", "order", "pk")
        )
        if readable
        else []
    )
    by_year: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_year[finding.audit.year].append(finding)
    years = sorted({a.year for a in audits})
    return AgencyProfile(
        agency=agency,
        timings=timings,
        years=years,
        grade_labels=grade_labels,
        grade_steps=grade_steps,
        stages=stages,
        findings=[(y, by_year[y]) for y in sorted(by_year)],
        findings_hidden=len(audits) - len(readable),
    )
