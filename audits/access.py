"""One access helper per object type: each returns the object or raises 404.

404 rather than 403 for objects a user may not see, so that nothing leaks about what exists.
"""

from django.http import Http404, HttpRequest

from agencies.services import AccessAction, access_record

from .models import Audit, AuditAgency, AuditStatus


def get_managed_audit(user, slug: str) -> Audit:
    """An audit the user runs: any audit for the QA manager, their own for a lead officer."""
    audit = (
        Audit.objects.managed_by(user).select_related("theme", "lead_officer", "tool_version").filter(slug=slug).first()
    )
    if audit is None:
        raise Http404("No such audit.")
    return audit


# --- Part B (additive: the QA manager's and lead officer's pages, and the evidence board) -------

# The audit team's auditors read the evidence board during the Part B session only: that is the
# point of the session. Before it they see only their own agency (Part A), and afterwards the
# aggregated findings, not the side-by-side case detail.
BOARD_READ_STATUSES = (AuditStatus.PART_B,)


def record_refused(
    request: HttpRequest, *, object_type: str, object_id: str = "", summary: str = "", audit_id: int | None = None
) -> None:
    """The 404 path of a protected object: write one REFUSED access record."""
    access_record(
        request=request,
        action=AccessAction.REFUSED,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        audit_id=audit_id,
    )


def object_or_404(request: HttpRequest, queryset, *, object_type: str, summary: str = "", **lookup):
    """One object of an audit the user may already open (a case on its board, a finding, a
    recommendation), or 404: an id from another audit, or none, is recorded as refused first, as every
    404 on a protected object is (docs/permissions.md). An id of another audit's object names that audit
    (one query, on refusals only), as the log's other records name theirs: "who tried to see what of this
    audit" finds it there; a case is named by its reference too, after the summary, as its board's record
    names it, for a search of the log for the case to find it. An id that is nobody's names none (the
    page's address says which audit it was tried in)."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        pk = lookup.get("pk", "")
        fields = ("audit_id", "reference") if object_type == "audits.case" else ("audit_id",)
        row = queryset.model._base_manager.filter(pk=pk).values_list(*fields).first() if pk else None
        if row is not None and len(row) > 1:
            summary = f"{summary}: {row[1]}"
        record_refused(
            request,
            object_type=object_type,
            object_id=str(pk),
            summary=summary,
            audit_id=row[0] if row is not None else None,
        )
        raise Http404("Not found.") from None


def managed_audit_or_404(request: HttpRequest, slug: str) -> Audit:
    """get_managed_audit for a view: a refusal is recorded before the 404."""
    try:
        return get_managed_audit(request.user, slug)
    except Http404:
        audit_id = Audit.objects.filter(slug=slug).values_list("pk", flat=True).first()
        record_refused(request, object_type="audits.audit", object_id=str(audit_id or ""), summary=f"audit {slug}")
        raise


def get_board_audit(user, slug: str, *, request: HttpRequest | None = None) -> tuple[Audit, bool]:
    """An audit whose evidence board the user may open, and whether they may edit it.

    QA manager and the audit's lead officer: read and write, at any stage. The auditors the
    audit's agencies named: read-only, and only while the audit is in the Part B stage.
    Anyone else: 404 (recorded as refused when a request is given).
    """
    audit = Audit.objects.select_related("theme", "lead_officer", "tool_version").filter(slug=slug).first()
    if audit is not None and user.is_authenticated and user.is_active:
        if Audit.objects.managed_by(user).filter(pk=audit.pk).exists():
            return audit, True
        if (
            audit.status in BOARD_READ_STATUSES
            and AuditAgency.objects.filter(audit=audit, auditor=user, agency_id=user.case_agency_id).exists()
        ):
            return audit, False
    if request is not None:
        record_refused(
            request, object_type="audits.audit", object_id=str(audit.pk) if audit else "", summary=f"audit {slug}"
        )
    raise Http404("No such audit.")
