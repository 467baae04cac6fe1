from django.db.models import QuerySet

from .models import BriefingVersion, Edition, RenderStatus


def editions_readable_by(user) -> list[str]:
    """Which editions a person may read: managers both briefings, practitioners theirs, full report restricted."""
    if not user.is_authenticated or not user.is_active:
        return []
    editions = [Edition.PRACTITIONERS]
    if user.is_manager:
        editions.append(Edition.MANAGERS)
    if user.is_qa_manager or user.board_access:
        editions.append(Edition.FULL_REPORT)
    return editions


def library_versions_for(user) -> QuerySet[BriefingVersion]:
    return (
        BriefingVersion.objects.filter(status=RenderStatus.DONE, briefing__edition__in=editions_readable_by(user))
        .select_related("briefing", "briefing__audit", "briefing__audit__theme")
        .order_by("-published_at")
    )
