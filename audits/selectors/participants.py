"""Reads about an audit's participating agencies and the auditors they name."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import AGENCY_STAFF_ROLES, User

# Who may be named an agency's auditor: its own staff. The QA manager and administrators are not
# agency staff (an administrator has no access to case content at all). Planning checks the same
# (AuditAgency.clean), and a named auditor whose role changes cannot complete the returns (auditor_unable).
AUDITOR_ROLES = AGENCY_STAFF_ROLES


def auditor_candidates(agency_id: int) -> QuerySet[User]:
    """The people an agency may name as its auditor: its active managers and practitioners."""
    return User.objects.filter(agency_id=agency_id, is_active=True, role__in=AUDITOR_ROLES).order_by(
        "last_name", "first_name", "username"
    )


def shown_auditor(participant) -> str:
    """What a page says of an agency's auditor, as its form posts it back: the person's id, or "none"."""
    return str(participant.auditor_id) if participant.auditor_id else "none"
