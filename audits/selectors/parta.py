from django.db.models import QuerySet

from audits.models import AuditStatus, PartAReturn


def my_returns_for(user) -> QuerySet[PartAReturn]:
    """The Part A returns of the audits the user is the auditor for (their own agency only)."""
    return (
        PartAReturn.objects.visible_to(user)
        .filter(
            agency_id=user.agency_id,
            audit__participants__auditor=user,
            audit__participants__agency_id=user.agency_id,
        )
        .exclude(audit__status=AuditStatus.PLANNING)
        .select_related("audit", "case", "agency")
        .order_by("audit__part_a_due", "audit_id", "case__order")
    )
