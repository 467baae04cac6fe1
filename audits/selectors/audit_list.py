"""The audits list: the audits a person runs, current ones apart from closed ones, filtered."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from audits.models import Audit, AuditStatus, AuditTheme, audit_year


@dataclass(frozen=True)
class AuditListFilters:
    q: str = ""
    theme: str = ""
    year: int | None = None
    stage: str = ""

    def __bool__(self) -> bool:
        return bool(self.q or self.theme or self.year or self.stage)


def audit_filter_choices(user) -> tuple[list[AuditTheme], list[int]]:
    """The themes and years of the audits the user runs, for the filter. One query."""
    themes: dict[int, AuditTheme] = {}
    years: set[int] = set()
    for part_b, created, theme_id, name, slug in Audit.objects.managed_by(user).values_list(
        "part_b_date", "created_at", "theme_id", "theme__name", "theme__slug"
    ):
        years.add(audit_year(part_b, created))
        themes[theme_id] = AuditTheme(pk=theme_id, name=name, slug=slug)
    return sorted(themes.values(), key=lambda t: (t.name, t.pk)), sorted(years, reverse=True)


def _audits_matching(user, filters: AuditListFilters) -> QuerySet[Audit]:
    audits = Audit.objects.managed_by(user).select_related("theme", "lead_officer")
    if filters.q:
        audits = audits.filter(title__icontains=filters.q)
    if filters.theme:
        audits = audits.filter(theme__slug=filters.theme)
    if filters.year:
        # The year an audit counts for (Audit.year): its Part B session's, else the year it was created.
        audits = audits.filter(
            Q(part_b_date__year=filters.year) | Q(part_b_date__isnull=True, created_at__year=filters.year)
        )
    if filters.stage:
        audits = audits.filter(status=filters.stage)
    return audits


# An audit that has ended: closed, or cancelled (it will not go ahead). Not among the current ones.
ENDED_STATUSES = (AuditStatus.CLOSED, AuditStatus.CANCELLED)


def current_audits(user, filters: AuditListFilters) -> QuerySet[Audit]:
    """The audits not closed or cancelled (Planning to Reporting), newest first: a handful at any time."""
    return _audits_matching(user, filters).exclude(status__in=ENDED_STATUSES).order_by("-created_at", "-pk")


def closed_audits(user, filters: AuditListFilters) -> QuerySet[Audit]:
    """The closed and cancelled audits, the most recently ended first: they grow with the years, so the
    page pages them."""
    return (
        _audits_matching(user, filters)
        .filter(status__in=ENDED_STATUSES)
        .order_by(Coalesce("closed_at", "cancelled_at").desc(nulls_last=True), "-created_at", "-pk")
    )
