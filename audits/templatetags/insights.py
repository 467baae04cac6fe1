"""Insights panels that other pages include: consistency checks (the audit dashboard) and the alert
for areas for improvement that came back from an earlier audit (the findings page)."""

from __future__ import annotations

from django import template

from audits.consistency import consistency_issues, issues_by_kind
from audits.models import Audit, AuditStatus
from audits.selectors.insights import PAST_PART_A, recurring_for_audit

register = template.Library()


@register.inclusion_tag("audits/insights/_consistency.html")
def consistency_panel(audit: Audit) -> dict:
    """Listed from Part B on: before it there are no judgements, findings or recommendations to check."""
    if audit.status not in PAST_PART_A:
        return {"audit": audit, "shown": False}
    issues = consistency_issues(audit)
    # Closed, most of what the checks point at is read-only: those are listed without a Fix link.
    closed = audit.status == AuditStatus.CLOSED
    return {"audit": audit, "shown": True, "issues": issues, "groups": issues_by_kind(issues), "closed": closed}


@register.inclusion_tag("audits/insights/_recurring_alert.html", takes_context=True)
def recurring_alert(context, audit: Audit) -> dict:
    return {"audit": audit, "alerts": recurring_for_audit(audit, context["request"].user)}
