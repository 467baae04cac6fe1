"""Reads about an audit's participating agencies and the auditors they name."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import Role, User

# Who may be named an agency's auditor: its own staff. The QA manager and administrators are not
# agency staff (an administrator has no access to case content at all).
AUDITOR_ROLES = (Role.MANAGER, Role.PRACTITIONER)


def auditor_candidates(agency_id: int) -> QuerySet[User]:
    """The people an agency may name as its auditor: its active managers and practitioners."""
    return User.objects.filter(agency_id=agency_id, is_active=True, role__in=AUDITOR_ROLES).order_by(
        "last_name", "first_name", "username"
    )
