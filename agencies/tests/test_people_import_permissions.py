"""Add people from a spreadsheet is for whoever may use Add user: with the permissions to add users and to
change them (django.contrib.auth's rule for Add user). It asked only for the permission to add, so an
administrator refused Add user for want of the permission to change could add people from a sheet."""

import pytest
from django.contrib.auth.models import Permission

from agencies.models import Role, User
from agencies.tests.factories import UserFactory
from audits.demo import ADMIN_PERMISSIONS

pytestmark = pytest.mark.django_db

URL = "/admin/agencies/user/import/"


def staff_without(codename: str) -> User:
    """Somebody a superuser made staff and gave Administration's permissions by hand, but `codename`: the
    administrator role grants them all (agencies/administration.py), so nobody with it lacks one."""
    person = UserFactory(role=Role.MANAGER, is_staff=True)
    person.user_permissions.set(
        Permission.objects.filter(content_type__app_label="agencies", codename__in=ADMIN_PERMISSIONS).exclude(
            codename=codename
        )
    )
    return User.objects.get(pk=person.pk)  # without the permission cache


def test_without_the_permission_to_change_users_neither_add_user_nor_the_sheet_opens(client):
    client.force_login(staff_without("change_user"))
    assert client.get("/admin/agencies/user/add/").status_code in (403, 404)  # Add user: Django's own rule

    assert client.get(URL).status_code == 403
    text = "First name,Last name,E-mail,Role\nAnn,Lee,ann@example.org,QA manager\n"
    assert client.post(URL, {"text": text, "check": "Check"}).status_code == 403
    assert client.post(URL, {"text": text, "add": "Add", "checked": "x"}).status_code == 403
    assert not User.objects.filter(email="ann@example.org").exists()


def test_the_users_list_offers_the_sheet_only_to_whoever_may_open_it(client, it_admin):
    client.force_login(User.objects.get(pk=it_admin.pk))
    assert URL in client.get("/admin/agencies/user/").content.decode()

    client.force_login(staff_without("change_user"))
    response = client.get("/admin/agencies/user/")
    assert response.status_code == 200 and URL not in response.content.decode()
