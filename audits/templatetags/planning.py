"""What the Planning page (the audit's change form in Administration) says beside Django's form."""

from __future__ import annotations

from django import template

from audits.models import Audit, AuditAgency

register = template.Library()


@register.simple_tag
def auditors_unable(audit: Audit) -> list[AuditAgency]:
    """The audit's agencies whose named auditor can no longer audit for them (AuditAgency.auditor_unable: the
    account deactivated, moved to another agency, another role), with their auditor and agency. The lists of
    auditors offer only who can, so such a row shows nobody chosen, and saving clears it. One query."""
    participants = audit.participants.filter(auditor__isnull=False).select_related("auditor", "agency")
    return [p for p in participants.order_by("agency__name") if p.auditor_unable]
