"""Test data for insights: audits in given years whose findings are tagged with risk factors."""

from __future__ import annotations

import datetime as dt

from audits.models import Audit, AuditStatus, Finding, FindingKind, RiskFactor
from audits.tests.factories import AuditFactory, AuditThemeFactory, FindingFactory, RiskFactorFactory


def audit_in(year: int, *, theme_slug: str = "cse", status: str = AuditStatus.CLOSED, **kwargs) -> Audit:
    """An audit whose Part B session was in `year` (Audit.year)."""
    theme = AuditThemeFactory(slug=theme_slug, name={"cse": "Child sexual exploitation"}.get(theme_slug, theme_slug))
    return AuditFactory(
        theme=theme, status=status, part_b_date=dt.date(year, 3, 1), part_a_due=dt.date(year, 2, 1), **kwargs
    )


def tag(audit: Audit, kind: str, *factors: RiskFactor, heading: str = "", agency=None) -> Finding:
    finding = FindingFactory(
        audit=audit, kind=kind, heading=heading or f"{FindingKind(kind).label} in {audit.year}", agency=agency
    )
    finding.risk_factors.set(factors)
    return finding


def factor(slug: str) -> RiskFactor:
    return RiskFactorFactory(slug=slug, name=slug.replace("-", " ").capitalize())
