"""A briefing made after the partnership's contact address became a leaver's (a QA manager's own address given
as the contact, who has left: Partnership.contact_address) does not tell its readers to write to it: the
introduction and feedback sections it starts with, and the 'Contact:' its PDF prints, say what they say with no
contact address set, as the portal's e-mails and pages already did (868be05). A contact address nobody left
is printed as before."""

import pytest

from agencies.models import Partnership
from agencies.tests.factories import UserFactory
from briefings import services
from briefings.content import build_content
from briefings.models import Edition

pytestmark = pytest.mark.django_db

LEAVER = "Grace.Leaver@Example.org"


def contact_left():
    UserFactory(username="grace.left", email=LEAVER.lower(), is_active=False)
    partnership = Partnership.load()
    partnership.contact_email = LEAVER  # in another case than the account's
    partnership.save()


def sections_text(briefing) -> str:
    return " ".join(section.body for section in briefing.sections.all())


@pytest.mark.parametrize("edition", [Edition.MANAGERS, Edition.FULL_REPORT])
def test_a_leavers_contact_address_is_not_printed_in_a_briefing(findings_audit, qa_manager, edition):
    contact_left()
    briefing = services.briefing_create(audit=findings_audit, edition=edition, user=qa_manager)

    assert LEAVER.lower() not in sections_text(briefing).lower()
    assert build_content(briefing)["partnership"]["contact_email"] == ""


def test_a_contact_address_nobody_left_is_printed(findings_audit, qa_manager):
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)

    assert "lscb@example.org" in sections_text(briefing)
    assert build_content(briefing)["partnership"]["contact_email"] == "lscb@example.org"
