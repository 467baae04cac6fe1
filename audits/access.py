"""One access helper per object type: each returns the object or raises 404.

404 rather than 403 for objects a user may not see, so that nothing leaks about what exists.
"""

from django.http import Http404

from .models import Audit


def get_managed_audit(user, slug: str) -> Audit:
    """An audit the user runs: any audit for the QA manager, their own for a lead officer."""
    audit = Audit.objects.managed_by(user).select_related("theme", "lead_officer", "tool_version").filter(slug=slug).first()
    if audit is None:
        raise Http404("No such audit.")
    return audit
