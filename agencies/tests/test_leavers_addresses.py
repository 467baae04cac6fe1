"""Addresses the portal gives out that are a leaver's: the partnership's contact address (every e-mail's reply
address), a support contact's, an agency's lead's. Once the account at the address is deactivated, replies
to the portal's e-mails no longer go to it, and the administrator's home page lists each, to be changed."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.mail import portal_mail_send
from agencies.models import Partnership, SupportContact
from agencies.tests.factories import AgencyFactory, QAManagerFactory, UserFactory

pytestmark = pytest.mark.django_db


def deactivate(person) -> None:
    person.is_active = False
    person.save()


def contact(email: str) -> Partnership:
    partnership = Partnership.load()
    partnership.contact_email = email
    partnership.save()
    return partnership


def test_replies_no_longer_go_to_the_contact_address_of_a_qa_manager_who_left():
    qa_manager = QAManagerFactory(email="jo.marsh@scp.example.gov.uk")
    contact("Jo.Marsh@scp.example.gov.uk")
    portal_mail_send(subject="Before", body="…", to=["auditor@example.org"])
    deactivate(qa_manager)
    portal_mail_send(subject="After", body="…", to=["auditor@example.org"])
    assert [message.reply_to for message in mail.outbox] == [["Jo.Marsh@scp.example.gov.uk"], []]


def leavers_section(client) -> str:
    html = client.get(reverse("home")).content.decode()
    start = html.find('data-testid="leavers-addresses"')
    return " ".join(html[start : html.find("</section>", start)].split()) if start >= 0 else ""


def test_the_administrator_is_shown_each_address_of_somebody_who_left(client, it_admin):
    partnership = contact("jo.marsh@scp.example.gov.uk")
    leaver = QAManagerFactory(email="jo.marsh@scp.example.gov.uk")
    police_lead = UserFactory(email="lead@police.example.org")
    police = AgencyFactory(name="Sussex Police", lead_email="Lead@police.example.org")
    AgencyFactory(name="Health", lead_email="lead@health.example.org")  # nobody's account: outside the portal
    UserFactory(email="still.here@example.org")
    SupportContact.objects.create(partnership=partnership, name="CSE team", email="cse.team@example.org")
    SupportContact.objects.create(partnership=partnership, name="MASH", email="still.here@example.org")
    team_member = UserFactory(email="cse.team@example.org")
    client.force_login(it_admin)
    assert leavers_section(client) == ""

    deactivate(leaver)
    deactivate(police_lead)
    deactivate(team_member)
    shown = leavers_section(client)

    settings_url = reverse("admin:agencies_partnership_changelist")
    assert "The partnership&#x27;s contact address: jo.marsh@scp.example.gov.uk" in shown
    assert "The support contact “CSE team”: cse.team@example.org" in shown
    assert "The lead&#x27;s e-mail of Sussex Police: Lead@police.example.org" in shown
    assert shown.count(f'href="{settings_url}"') == 2
    assert f'href="{reverse("admin:agencies_agency_change", args=[police.pk])}"' in shown
    assert "Health" not in shown and "MASH" not in shown
