"""The addresses the portal gives out (the partnership's contact address, a support contact's, an agency
lead's) refuse a deactivated account's address as a new value, on the field, saying the person left and to
give the address of whoever takes it on, what was typed kept. An address already stored that became a leaver's
does not stop the page's other changes (the administrator's home page lists it, to be changed)."""

import re

import pytest
from django.urls import reverse

from agencies.models import Agency, Partnership, Sector, SupportContact
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LEFT = "jo.marsh@scp.example.gov.uk"


@pytest.fixture
def leaver(db):
    return UserFactory(email=LEFT, is_active=False)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def refused(page: str) -> bool:
    return f"{LEFT} is the address of an account that was deactivated: the person left." in page


def settings_form(partnership: Partnership, contacts=(), **fields) -> dict:
    form = {
        "name": partnership.name,
        "short_name": partnership.short_name,
        "contact_email": partnership.contact_email,
        "feedback_invitation": partnership.feedback_invitation,
        "training": partnership.training,
        "retention_months": str(partnership.retention_months),
        "support_contacts-TOTAL_FORMS": str(len(contacts)),
        "support_contacts-INITIAL_FORMS": str(sum(1 for contact in contacts if "id" in contact)),
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        **fields,
    }
    for index, contact in enumerate(contacts):
        form |= {f"support_contacts-{index}-{name}": value for name, value in contact.items()}
    return form


def settings_url(partnership) -> str:
    return reverse("admin:agencies_partnership_change", args=[partnership.pk])


def test_the_contact_address_refuses_a_leavers_and_keeps_what_was_typed(signed_in, leaver):
    partnership = Partnership.load()
    response = signed_in.post(settings_url(partnership), settings_form(partnership, contact_email=LEFT.upper()))

    page = text(response)
    assert response.status_code == 200
    assert f"{LEFT.upper()} is the address of an account that was deactivated: the person left." in page
    assert "Give the address of whoever takes it on." in page
    assert f'value="{LEFT.upper()}"' in page  # what was typed, kept
    assert Partnership.load().contact_email == ""

    fine = settings_form(partnership, contact_email="team@scp.example.gov.uk")
    assert signed_in.post(settings_url(partnership), fine).status_code == 302


def test_a_stored_contact_address_that_became_a_leavers_does_not_stop_other_changes(signed_in):
    partnership = Partnership.load()
    partnership.contact_email = LEFT
    partnership.save()
    SupportContact.objects.create(partnership=partnership, name="CSE team", email=LEFT)
    UserFactory(email=LEFT, is_active=False)  # then they left
    contact = SupportContact.objects.get()
    row = {"id": contact.pk, "name": "CSE team", "email": LEFT, "order": "0", "partnership": partnership.pk}

    form = settings_form(Partnership.load(), [row], short_name="WSCP")
    response = signed_in.post(settings_url(partnership), form)

    assert response.status_code == 302, text(response)[:3000]
    assert Partnership.load().short_name == "WSCP"


def test_a_support_contact_refuses_a_leavers_address(signed_in, leaver):
    partnership = Partnership.load()
    row = {"name": "CSE team", "email": LEFT, "order": "0", "partnership": partnership.pk}
    response = signed_in.post(settings_url(partnership), settings_form(partnership, [row]))

    page = text(response)
    assert response.status_code == 200 and refused(page)
    assert "Briefings print it for their readers to write to." in page
    assert not SupportContact.objects.exists()


def test_an_agency_lead_refuses_a_leavers_address_but_not_one_already_stored(signed_in, leaver):
    agency = Agency.objects.create(name="Sussex Police", short_name="Police", sector=Sector.POLICE)
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    form = {"name": "Sussex Police", "short_name": "Police", "sector": Sector.POLICE, "lead_email": LEFT}

    page = text(signed_in.post(url, form))
    assert refused(page) and "The agency&#x27;s reminders about the recommendations it owns would go to nobody." in page
    assert f'value="{LEFT}"' in page
    assert Agency.objects.get(pk=agency.pk).lead_email == ""

    added = signed_in.post(reverse("admin:agencies_agency_add"), {**form, "name": "Health", "short_name": "NHS"})
    assert refused(text(added)) and not Agency.objects.filter(name="Health").exists()

    Agency.objects.filter(pk=agency.pk).update(lead_email=LEFT)  # stored before they left
    assert signed_in.post(url, {**form, "short_name": "SP"}).status_code == 302
    assert Agency.objects.get(pk=agency.pk).short_name == "SP"


def test_a_leavers_address_left_as_the_page_showed_it_keeps_the_one_saved_meanwhile(signed_in, leaver):
    """The page showed the leaver's address; another administrator gave the new lead's meanwhile: this page's
    save of something else is not refused for the address it left alone, and keeps theirs."""
    agency = Agency.objects.create(name="Sussex Police", short_name="Police", sector=Sector.POLICE, lead_email=LEFT)
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    shown = re.search(r'name="shown" value="([^"]*)"', signed_in.get(url).content.decode()).group(1)
    Agency.objects.filter(pk=agency.pk).update(lead_email="new.lead@police.example.org")

    form = {"name": "Sussex Police", "short_name": "SP", "sector": Sector.POLICE, "lead_email": LEFT, "shown": shown}
    response = signed_in.post(url, form)

    assert response.status_code == 302, text(response)[:3000]
    saved = Agency.objects.get(pk=agency.pk)
    assert (saved.short_name, saved.lead_email) == ("SP", "new.lead@police.example.org")
