from django.http import HttpRequest

from .models import AccessAction, AccessRecord


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_record(
    *,
    request: HttpRequest | None = None,
    user=None,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
) -> AccessRecord:
    """Write one append-only record of who saw, changed, exported or was refused what."""
    if user is None and request is not None:
        user = request.user
    if user is not None and not user.is_authenticated:
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        summary = summary or str(obj)[:300]
    return AccessRecord.objects.create(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:300],
        path=(request.get_full_path()[:500] if request is not None else ""),
        ip_address=_client_ip(request),
    )


__all__ = ["AccessAction", "access_record"]
