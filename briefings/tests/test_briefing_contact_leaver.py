"""A briefing made after the partnership's contact address became a leaver's (a QA manager's own address given
as the contact, who has left: Partnership.contact_address) does not tell its readers to write to it: the
introduction and feedback sections it starts with, and the 'Contact:' its PDF prints, say what they say with no
contact address set, as the portal's e-mails and pages already did (868be05). A contact address nobody left
is printed as before."""

import pytest

from agencies.models import Partnership, SupportContact
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


def test_a_support_contacts_address_that_is_a_leavers_is_not_printed(findings_audit, qa_manager):
    """The local support section gives each contact's number and e-mail address for readers worried about a
    child: not the mailbox of somebody who left, where nobody would read what they wrote."""
    partnership = Partnership.load()
    UserFactory(username="cse.left", email="cse.worker@example.org", is_active=False)
    SupportContact.objects.create(partnership=partnership, name="CSE team", email="CSE.Worker@example.org")
    SupportContact.objects.create(partnership=partnership, name="Front door", email="front.door@example.org")

    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)

    support = briefing.sections.get(key="local_support").body
    assert "**CSE team**" in support and "cse.worker@example.org" not in support.lower()
    assert "E-mail front.door@example.org." in support
