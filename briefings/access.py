"""One access helper per object type: each returns the object or records a refusal and raises 404.

404 rather than 403, so that nothing leaks about which audits, briefings or versions exist.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from agencies.services import AccessAction, access_record
from audits.access import record_refused
from audits.models import Audit

from .models import Briefing, BriefingVersion, Edition
from .selectors import readable_briefings_filter, readable_versions


def refuse(
    request: HttpRequest, *, object_type: str, object_id: str = "", summary: str = "", audit_id: int | None = None
) -> Http404:
    """Record the refusal (one REFUSED access record, as audits.access records theirs) and give the 404."""
    record_refused(request, object_type=object_type, object_id=object_id, summary=summary, audit_id=audit_id)
    return Http404("Not found.")


def _audit_of_version(pk: int) -> int | None:
    """The audit of the briefing version `pk`, if there is one: a refusal names it, as every record of the
    access log names its audit, so that "who tried to read what of this audit" finds a download refused
    (a practitioner trying the full report's link) as well as one made. One query, on refusals only."""
    return BriefingVersion.objects.filter(pk=pk).values_list("briefing__audit_id", flat=True).first()


def _audit_of_briefing(pk: int) -> int | None:
    return Briefing.objects.filter(pk=pk).values_list("audit_id", flat=True).first()


def record_view(request: HttpRequest, obj, summary: str = "") -> None:
    access_record(request=request, action=AccessAction.VIEW, obj=obj, summary=summary)


def managed_audit(request: HttpRequest, slug: str) -> Audit:
    """An audit whose briefings the user composes: QA manager any, lead officer their own."""
    audit = Audit.objects.managed_by(request.user).select_related("theme", "lead_officer").filter(slug=slug).first()
    if audit is None:
        audit_id = Audit.objects.filter(slug=slug).values_list("pk", flat=True).first()
        raise refuse(request, object_type="audits.audit", object_id=str(audit_id or ""), summary=f"briefings of {slug}")
    return audit


def edition_or_404(edition: str) -> str:
    if edition not in Edition.values:
        raise Http404("No such edition.")
    return edition


def managed_briefing(request: HttpRequest, slug: str, edition: str) -> Briefing:
    """The draft of one edition of a managed audit (404 if it has not been started)."""
    audit = managed_audit(request, slug)
    briefing = Briefing.objects.select_related("audit", "audit__theme").filter(audit=audit, edition=edition).first()
    if briefing is None:
        raise Http404("This briefing has not been started.")
    return briefing


def managed_version(request: HttpRequest, pk: int, *, summary: str = "render status") -> BriefingVersion:
    """A version of a briefing of an audit the user composes (for its status, retry and withdrawal)."""
    version = (
        BriefingVersion.objects.select_related("briefing", "briefing__audit", "withdrawn_by")
        .defer("content")
        .filter(pk=pk, briefing__audit__in=Audit.objects.managed_by(request.user))
        .first()
    )
    if version is None:
        raise refuse(
            request,
            object_type="briefings.briefingversion",
            object_id=str(pk),
            summary=summary,
            audit_id=_audit_of_version(pk),
        )
    return version


def readable_version(request: HttpRequest, pk: int) -> BriefingVersion:
    """A rendered version the user may download: the library's rule, or the audit's composers."""
    version = readable_versions(request.user).select_related("briefing", "briefing__audit").filter(pk=pk).first()
    if version is None:
        raise refuse(
            request,
            object_type="briefings.briefingversion",
            object_id=str(pk),
            summary="download",
            audit_id=_audit_of_version(pk),
        )
    return version


def readable_briefing(request: HttpRequest, pk: int) -> Briefing:
    """A briefing with at least one rendered version the user may read (its page in the library)."""
    briefing = (
        Briefing.objects.filter(pk=pk)
        .filter(pk__in=readable_versions(request.user).values("briefing_id"))
        .select_related("audit", "audit__theme")
        .first()
    )
    if briefing is None:
        raise refuse(
            request,
            object_type="briefings.briefing",
            object_id=str(pk),
            summary="library page",
            audit_id=_audit_of_briefing(pk),
        )
    return briefing


__all__ = [
    "edition_or_404",
    "managed_audit",
    "managed_briefing",
    "managed_version",
    "readable_briefing",
    "readable_briefings_filter",
    "readable_version",
    "record_view",
    "refuse",
]
