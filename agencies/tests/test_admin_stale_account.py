"""Administration: a person's page opened before somebody else changed their account (another
administrator, or the same one's other tab, deactivated it or changed their role) does not undo that when
saved for something else; a field it changes too is refused with the value stored now."""

import datetime
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role, User
from audits.tests.admin_support import opened

pytestmark = pytest.mark.django_db


def page(admin_user, person: User) -> tuple[Client, str, dict]:
    url = reverse("admin:agencies_user_change", args=[person.pk])
    client, data = opened(admin_user, url)
    return client, url, data


def test_a_page_opened_before_the_account_was_deactivated_does_not_activate_it_again(it_admin, practitioner):
    _, url, mine = page(it_admin, practitioner)
    client, _, theirs = page(it_admin, practitioner)
    del theirs["is_active"]  # the box unticked: the person has left
    assert client.post(url, theirs).status_code == 302
    assert client.post(url, mine | {"job_title": "Senior practitioner"}).status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.is_active and practitioner.job_title == "Senior practitioner"


def test_a_role_changed_on_both_pages_is_refused_with_theirs(it_admin, practitioner):
    client, url, mine = page(it_admin, practitioner)
    _, _, theirs = page(it_admin, practitioner)
    assert client.post(url, theirs | {"role": Role.MANAGER}).status_code == 302
    response = client.post(url, mine | {"role": Role.AUDITOR if hasattr(Role, "AUDITOR") else Role.QA_MANAGER})
    assert response.status_code == 200
    said = unescape(" ".join(response.content.decode().split()))
    assert "Changed by somebody else since you opened this page: it is now Manager" in said
    practitioner.refresh_from_db()
    assert practitioner.role == Role.MANAGER


def test_the_person_signing_in_meanwhile_does_not_refuse_the_page(it_admin, practitioner):
    # Signed in before, at a time the page shows to the second.
    User.objects.filter(pk=practitioner.pk).update(last_login=timezone.now() - datetime.timedelta(days=2))
    client, url, mine = page(it_admin, practitioner)
    User.objects.filter(pk=practitioner.pk).update(last_login=timezone.now())  # they signed in meanwhile
    assert client.post(url, mine | {"job_title": "Senior practitioner"}).status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.job_title == "Senior practitioner" and practitioner.last_login is not None
