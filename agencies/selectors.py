from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from audits.models import Audit, AuditAgency, AuditStatus

from .models import User


@dataclass(frozen=True)
class Capabilities:
    """What a user's navigation offers. Access itself is checked per object in every view."""

    authenticated: bool = False
    qa_manager: bool = False
    lead_officer: bool = False
    auditor: bool = False
    administrator: bool = False
    reader: bool = False

    @property
    def runs_audits(self) -> bool:
        return self.qa_manager or self.lead_officer


def user_capabilities(user) -> Capabilities:
    """One query (two EXISTS in one SELECT), on every signed-in page that prints the navigation."""
    if user is None or not user.is_authenticated:
        return Capabilities()
    lead_officer, auditor = (
        User.objects.filter(pk=user.pk)
        .values_list(
            Exists(Audit.objects.filter(lead_officer=OuterRef("pk"))),
            Exists(AuditAgency.objects.filter(auditor=OuterRef("pk")).exclude(audit__status=AuditStatus.PLANNING)),
        )
        .get()
    )
    return Capabilities(
        authenticated=True,
        qa_manager=user.is_qa_manager,
        lead_officer=lead_officer,
        auditor=auditor,
        administrator=user.is_administrator,
        reader=user.agency_id is not None or user.is_qa_manager,
    )


def access_records_matching(*, q: str = "", action: str = "", since=None, until=None):
    from django.db.models import Q

    from .models import AccessRecord

    records = AccessRecord.objects.all()
    if q:
        records = records.filter(
            Q(username__icontains=q) | Q(summary__icontains=q) | Q(path__icontains=q) | Q(object_id=q)
        )
    if action:
        records = records.filter(action=action)
    if since:
        records = records.filter(at__date__gte=since)
    if until:
        records = records.filter(at__date__lte=until)
    return records.order_by("-at", "-pk")
