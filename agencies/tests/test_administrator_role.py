"""A second administrator, added as the first one is told to add people (Add user, the Administrator role),
opens Administration at their first sign-in: the role grants its permissions (agencies/administration.py),
as the QA manager's role grants Planning's. Added that way, with nobody ticking staff status or some thirty
permissions among two hundred, they were refused every page their home page offered (Users, Agencies,
Partnership settings) with Django's "You are authenticated as …, but are not authorized to access this page"."""

import pytest
from django.urls import reverse

from agencies.models import Partnership, Role, User
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPENED = (
    "/admin/",
    "/admin/agencies/user/",
    "/admin/agencies/user/add/",
    "/admin/agencies/user/import/",
    "/admin/agencies/agency/add/",
    "/admin/agencies/accessrecord/",
    "/admin/axes/accessattempt/",
    "/admin/otp_totp/totpdevice/",
    "/admin/otp_static/staticdevice/",
)


@pytest.fixture
def added_administrator(client):
    """An administrator added by the superuser createsuperuser made, with Add user, as README says."""
    root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:agencies_user_add"),
        {
            "username": "bea.support",
            "first_name": "Bea",
            "last_name": "Jones",
            "email": "bea.jones@example.org",
            "role": Role.ADMINISTRATOR,
            "agency": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    person = User.objects.get(username="bea.support")
    assert not person.is_staff and not person.is_superuser and not person.user_permissions.exists()
    client.logout()
    return person


def test_an_administrator_added_with_add_user_opens_administration(client, added_administrator):
    client.force_login(added_administrator)
    for url in OPENED:
        assert client.get(url).status_code == 200, url
    settings_page = client.get(reverse("admin:agencies_partnership_change", args=[Partnership.load().pk]))
    assert settings_page.status_code == 200 and "contact_email" in settings_page.content.decode()


def test_and_still_no_case_content_nor_planning(client, added_administrator):
    client.force_login(added_administrator)
    index = client.get("/admin/").content.decode()
    assert reverse("admin:audits_audit_changelist") not in index
    for url in ("/admin/audits/audit/", "/admin/audits/audit/add/", "/admin/audits/toolversion/"):
        assert client.get(url).status_code in (302, 403, 404), url


def test_the_role_taken_away_takes_administration_with_it(client, added_administrator, agency_a):
    added_administrator.role, added_administrator.agency = Role.PRACTITIONER, agency_a
    added_administrator.save()
    client.force_login(User.objects.get(pk=added_administrator.pk))
    assert client.get("/admin/agencies/user/").status_code == 302  # to the admin's "not authorised" sign-in
    assert not User.objects.get(pk=added_administrator.pk).has_perm("agencies.change_user")


def test_the_role_grants_what_the_demo_administrator_is_given():
    from agencies.administration import ADMINISTRATION_PERMISSIONS
    from audits.demo import ADMIN_PERMISSIONS, ADMIN_SECURITY_PERMISSIONS

    given = {f"agencies.{codename}" for codename in ADMIN_PERMISSIONS}
    given |= {f"{app_label}.{codename}" for app_label, codename in ADMIN_SECURITY_PERMISSIONS}
    assert given == ADMINISTRATION_PERMISSIONS


def test_the_persons_page_no_longer_says_an_administrator_needs_staff_status(client, added_administrator):
    root = User.objects.get(username="root")
    client.force_login(root)
    text = client.get(reverse("admin:agencies_user_change", args=[added_administrator.pk])).content.decode()
    assert "An administrator opens it by the role, without it" in text
    assert "an administrator needs it" not in text
