"""The "Part A is open" e-mail to a named auditor who never chose a password (the onboarding review: added
with an invitation whose link works for three days, and Part A opened weeks later) says how to get a new link:
"Forgotten your password?" on the sign-in page, whose address it gives. Nobody else is told so: not an auditor
who has a password, nor one whose password was turned off after use, to whom that page sends nothing."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.passwords import accounts_with_email
from agencies.tests.factories import UserFactory
from audits.models import AuditStatus
from audits.services.partb import audit_transition
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory

pytestmark = pytest.mark.django_db

NEW_LINK = (
    "You have not chosen your password for the portal yet. The link in your invitation works for 3 days only: "
    'if it has expired, ask for a new one with "Forgotten your password?" on the sign-in page, '
)


@pytest.fixture
def planned(agency_a, agency_b, agency_c, auditor, other_auditor):
    audit = AuditFactory(title="Neglect audit", slug="neglect", status=AuditStatus.PLANNING, part_a_due="2027-03-01")
    AuditAgencyFactory(audit=audit, agency=agency_a, auditor=auditor)
    AuditAgencyFactory(audit=audit, agency=agency_b, auditor=other_auditor)
    AuditAgencyFactory(audit=audit, agency=agency_c, auditor=UserFactory(username="auditor.c", agency=agency_c))
    CaseFactory(audit=audit, reference="Case 1", order=1)
    return audit


def test_an_auditor_who_never_chose_a_password_is_told_how_to_get_a_new_link(
    planned, qa_manager, auditor, other_auditor, settings, django_capture_on_commit_callbacks
):
    auditor.set_unusable_password()  # as agencies.admin adds a person, with an invitation
    auditor.last_login = None
    auditor.save()
    turned_off = planned.participants.get(auditor__username="auditor.c").auditor
    turned_off.set_unusable_password()  # Django's "password-based authentication: disabled", after use
    turned_off.last_login = timezone.now()
    turned_off.save()
    # Whom "Forgotten your password?" sends a link: the invited auditor, not the one whose password was turned off.
    assert accounts_with_email(auditor.email) == [auditor] and accounts_with_email(turned_off.email) == []

    with django_capture_on_commit_callbacks(execute=True):
        audit_transition(user=qa_manager, audit=planned, to_status=AuditStatus.PART_A)
    bodies = {m.to[0]: m.body for m in mail.outbox}

    sign_in = f"{settings.SITE_URL}{reverse('login')}"
    assert f"{NEW_LINK}{sign_in}\n" in bodies[auditor.email]
    assert bodies[auditor.email].index("Your returns:") < bodies[auditor.email].index(NEW_LINK)
    # The auditor with a password is sent the e-mail as before, and so is the one whose password was turned off.
    for other in (other_auditor, turned_off):
        assert "Forgotten your password?" not in bodies[other.email]
        assert (
            bodies[other.email].rstrip().endswith(f"Your returns:\n{settings.SITE_URL}{reverse('audits:my_returns')}")
        )
