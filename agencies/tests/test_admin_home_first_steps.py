"""The administrator's home page in a new partnership (the onboarding review): it lists the first steps
README's "Create the first administrator" gives, in order, each linked and marked when done (the
partnership named, the administrator's own name, agencies, people, a QA manager), and no longer once all
are done. Before, it listed Users, Agencies and Partnership settings with nothing to say where to start."""

import pytest
from django.urls import reverse

from agencies.models import Partnership, Role
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def steps_of(client) -> str:
    html = client.get(reverse("home")).content.decode()
    start = html.find('data-testid="first-steps"')
    return html[start : html.find("</section>", start)] if start >= 0 else ""


def test_a_new_partnership_is_shown_the_first_steps_each_linked(client, it_admin):
    it_admin.first_name = it_admin.last_name = ""  # as createsuperuser makes them
    it_admin.save()
    client.force_login(it_admin)

    steps = steps_of(client)

    assert "Name the partnership" in steps and "Done" not in steps
    for url in (
        reverse("admin:agencies_partnership_changelist"),
        reverse("admin:agencies_user_change", args=[it_admin.pk]),
        reverse("admin:agencies_agency_add"),
        reverse("admin:agencies_user_add"),
        reverse("admin:agencies_user_import"),
    ):
        assert f'href="{url}"' in steps, url


def test_each_step_is_marked_done_and_the_list_goes_once_all_are(client, it_admin, agency_a):
    it_admin.first_name, it_admin.last_name = "Ifor", "Evans"
    it_admin.save()
    client.force_login(it_admin)
    assert steps_of(client).count("Done") == 2  # own name; agencies

    partnership = Partnership.load()
    partnership.name = "Northshire Safeguarding Children Partnership"
    partnership.contact_email = "qa@northshire.example"
    partnership.save()
    UserFactory(agency=agency_a, role=Role.PRACTITIONER)
    assert steps_of(client).count("Done") == 4  # the QA manager is left

    UserFactory(role=Role.QA_MANAGER, agency=None)
    assert steps_of(client) == ""
    assert reverse("admin:agencies_user_changelist") in client.get(reverse("home")).content.decode()


def test_a_named_partnership_without_its_contact_address_is_not_done(client, it_admin, agency_a):
    """The first step names the partnership "with a contact e-mail address": invitations, password e-mails
    and refusals tell people to write to it. Named but with no address, the step is not marked Done, and
    the list does not go while everything else is done (it went, and nothing said the address was missing)."""
    it_admin.first_name, it_admin.last_name = "Ifor", "Evans"
    it_admin.save()
    partnership = Partnership.load()
    partnership.name = "Northshire Safeguarding Children Partnership"
    partnership.contact_email = ""
    partnership.save()
    UserFactory(role=Role.QA_MANAGER, agency=None)
    client.force_login(it_admin)

    steps = steps_of(client)

    assert "Name the partnership" in steps
    first = steps[steps.find("<li>") : steps.find("</li>")]
    assert "Done" not in first and steps.count("Done") == 4

    partnership.contact_email = "qa@northshire.example"
    partnership.save()
    assert steps_of(client) == ""
