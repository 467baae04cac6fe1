"""Planning: a new audit planned like an earlier one (Planning's "Plan a new audit like this one").

A partnership runs its themed audits again and again with mostly the same agencies, named auditors and
tool version. The new audit starts in Planning with the earlier one's plan: its theme, scope question,
texts (why, methodology, cohort source), tool version, lead officer and agencies with their auditors. None
of the earlier audit's work or what identifies its cases: no cases, returns, session, judgements,
findings, recommendations, briefings, nor its dates, its "what next" or its cancellation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from agencies.services import AccessAction, access_record
from audits.models import Audit, AuditAgency, audit_slug_not_a_page, auditor_unable_reason, lead_unable_reason
from audits.services.partb import tool_refusal

NEW_AUDIT_SUFFIX = " — new audit"
_SLUG_SUFFIX = re.compile(r"-new(-\d+)?$")


@dataclass
class PlanCopy:
    audit: Audit
    # Agencies (by name) whose auditor could no longer audit for them: copied without one.
    agencies_without_auditor: list[str] = field(default_factory=list)
    # The lead officer left out (by name) because they can no longer lead an audit, or "".
    lead_left_out: str = ""
    # Why Part A could not open with the tool version copied (audits.services.partb.tool_refusal), or "".
    tool_problem: str = ""


def _title(old: Audit) -> str:
    base = old.title.removesuffix(NEW_AUDIT_SUFFIX)
    limit = Audit._meta.get_field("title").max_length - len(NEW_AUDIT_SUFFIX)
    return base[:limit] + NEW_AUDIT_SUFFIX


def _free_slug(old: Audit) -> str:
    """The earlier audit's slug and "-new" ("-new-2", "-new-3"… once taken), not one of the portal's pages."""
    limit = Audit._meta.get_field("slug").max_length
    base = _SLUG_SUFFIX.sub("", old.slug)
    n = 1
    while True:
        ending = "-new" if n == 1 else f"-new-{n}"
        slug = base[: limit - len(ending)].rstrip("-") + ending
        try:
            audit_slug_not_a_page(slug)
        except ValidationError:
            n += 1
            continue
        if not Audit.objects.filter(slug=slug).exists():
            return slug
        n += 1


def audit_plan_copy(*, audit: Audit, user, request: HttpRequest | None = None) -> PlanCopy:
    """A new audit in Planning, planned like `audit` (the module's docstring says what is copied). An auditor
    who can no longer audit for their agency, or a lead officer who can no longer lead, is left out; the tool
    version is copied whatever (an audit needs one), and `tool_problem` says why Part A could not open with it."""
    with transaction.atomic():
        # Under the earlier audit's row lock: the action posted twice (a double click) makes its two copies one
        # after the other, the second given the next free address, instead of a server error for one.
        old = (
            Audit.objects.select_for_update(of=("self",))
            .select_related("lead_officer", "tool_version")
            .get(pk=audit.pk)
        )
        lead = old.lead_officer
        keep_lead = lead is not None and not lead_unable_reason(lead)
        new = Audit.objects.create(
            title=_title(old),
            slug=_free_slug(old),
            theme_id=old.theme_id,
            scope_question=old.scope_question,
            context=old.context,
            methodology=old.methodology,
            cohort_source=old.cohort_source,
            tool_version_id=old.tool_version_id,
            lead_officer=lead if keep_lead else None,
        )
        result = PlanCopy(audit=new, lead_left_out=str(lead) if lead is not None and not keep_lead else "")
        rows = []
        for row in old.participants.select_related("agency", "auditor").order_by("agency__name"):
            auditor = row.auditor
            if auditor is not None and auditor_unable_reason(auditor, row.agency_id):
                result.agencies_without_auditor.append(row.agency.name)
                auditor = None
            rows.append(AuditAgency(audit=new, agency_id=row.agency_id, auditor=auditor))
        AuditAgency.objects.bulk_create(rows)
        result.tool_problem = str(tool_refusal(old.tool_version))
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=new,
            summary=f"Planning: added {new} (planned like {old})",
        )
    return result
