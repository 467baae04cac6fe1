"""Administration: a person's page, an agency's or the partnership's settings saved from two pages at the same
moment (two administrators, or the same one's two tabs), each changing something else: both changes are kept.
Each save reads the page's object under its row lock, so the second waits and is checked against the first's
save, instead of both passing the check and the second undoing the first unseen."""

import pytest
from django.db import connection
from django.urls import reverse

from agencies.models import AccessRecord, Agency, Partnership, Role, User
from audits.tests.admin_support import opened
from audits.tests.concurrency_support import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def saved_at_once(user, url: str, changes: dict[str, dict]) -> dict:
    """The page at `url` opened in one tab per change, each posted with its change at the same moment."""
    assert connection.vendor == "postgresql"  # about its row locks
    tabs = {name: opened(user, url) for name in changes}

    def save(name: str):
        client, data = tabs[name]
        posted = data | changes[name]
        posted = {key: value for key, value in posted.items() if value is not None}  # None: a box unticked
        return lambda: client.post(url, posted)

    outcomes = at_once({name: save(name) for name in changes})
    assert sorted(response.status_code for response in outcomes.values()) == [302, 302], outcomes
    return outcomes


def test_a_person_deactivated_and_given_another_role_at_once_stays_deactivated(it_admin, practitioner):
    url = reverse("admin:agencies_user_change", args=[practitioner.pk])
    saved_at_once(it_admin, url, {"deactivated": {"is_active": None}, "role": {"role": Role.MANAGER}})
    person = User.objects.get(pk=practitioner.pk)
    assert (person.is_active, person.role) == (False, Role.MANAGER)


def test_an_agency_renamed_and_its_short_name_changed_at_once_keeps_both(it_admin, agency_a):
    url = reverse("admin:agencies_agency_change", args=[agency_a.pk])
    saved_at_once(it_admin, url, {"name": {"name": "Sussex Police Service"}, "short": {"short_name": "SPS"}})
    agency = Agency.objects.get(pk=agency_a.pk)
    assert (agency.name, agency.short_name) == ("Sussex Police Service", "SPS")


def test_two_settings_changed_at_once_are_both_kept(it_admin):
    settings = Partnership.load()
    url = reverse("admin:agencies_partnership_change", args=[settings.pk])
    saved_at_once(
        it_admin, url, {"retention": {"retention_months": 120}, "training": {"training": "Level 3, each year."}}
    )
    settings = Partnership.objects.get(pk=settings.pk)
    assert (settings.retention_months, settings.training) == (120, "Level 3, each year.")


def test_a_password_set_outside_a_test_transaction_is_saved_and_recorded(client, it_admin, qa_manager):
    """The password form reads the person under their row lock too: in a transaction of its own (as in
    production, where no test wraps the request in one), or it would fail."""
    client.force_login(it_admin)
    url = reverse("admin:auth_user_password_change", args=[qa_manager.pk])
    response = client.post(url, {"password1": "A new passphrase 42!", "password2": "A new passphrase 42!"})
    assert response.status_code == 302
    assert User.objects.get(pk=qa_manager.pk).check_password("A new passphrase 42!")
    assert AccessRecord.objects.filter(object_id=str(qa_manager.pk), summary__endswith="changed: password").exists()
