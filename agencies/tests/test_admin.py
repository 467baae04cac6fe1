"""Administration: the administrator manages people and settings, but cannot raise their own (or
anyone's) access to reach case content, and the case content is not in the admin at all."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessAction, AccessRecord, Partnership, Role, User
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def user_form(user: User, **fields) -> dict:
    """The user change form as the admin posts it, with the account's current values."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role,
        "agency": user.agency_id or "",
        "job_title": user.job_title,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        **({"board_access": "on"} if user.board_access else {}),
        **fields,
    }


def change_url(user: User) -> str:
    return reverse("admin:agencies_user_change", args=[user.pk])


def test_the_administrator_cannot_make_themselves_superuser_or_change_their_own_access(client, it_admin):
    client.force_login(it_admin)
    page = client.get(change_url(it_admin)).content.decode()
    for name in ("is_superuser", "is_staff", "user_permissions", "groups", "role", "board_access"):
        assert f'name="{name}"' not in page, name
    audit_permission = Permission.objects.get(codename="view_partareturn")

    response = client.post(
        change_url(it_admin),
        user_form(
            it_admin,
            job_title="IT",
            is_superuser="on",
            is_staff="on",
            role=Role.QA_MANAGER,
            board_access="on",
            user_permissions=[audit_permission.pk],
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    it_admin.refresh_from_db()
    assert it_admin.job_title == "IT"  # the form was saved, without what it may not change
    assert not it_admin.is_superuser and it_admin.role == Role.ADMINISTRATOR and not it_admin.board_access
    assert not it_admin.user_permissions.filter(pk=audit_permission.pk).exists()
    assert not User.objects.get(pk=it_admin.pk).has_perm("audits.view_partareturn")


def test_the_administrator_cannot_raise_anyone_else_to_superuser_staff_or_permissions(client, it_admin, practitioner):
    client.force_login(it_admin)
    permission = Permission.objects.get(codename="view_finding")

    response = client.post(
        change_url(practitioner),
        user_form(practitioner, is_superuser="on", is_staff="on", user_permissions=[permission.pk]),
    )

    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.is_superuser and not practitioner.is_staff
    assert not practitioner.user_permissions.exists()


def test_a_role_change_leaves_an_access_record(client, it_admin, practitioner):
    client.force_login(it_admin)

    response = client.post(change_url(practitioner), user_form(practitioner, role=Role.MANAGER, board_access="on"))

    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.role == Role.MANAGER and practitioner.board_access
    record = AccessRecord.objects.get(object_type="agencies.user", object_id=str(practitioner.pk))
    assert record.user == it_admin and record.action == AccessAction.CHANGE
    assert "role Practitioner → Manager" in record.summary and "board access no → yes" in record.summary


def test_a_change_that_leaves_access_alone_is_not_recorded_as_one(client, it_admin, practitioner):
    client.force_login(it_admin)
    assert client.post(change_url(practitioner), user_form(practitioner, job_title="Social worker")).status_code == 302
    assert not AccessRecord.objects.filter(object_type="agencies.user").exists()


def test_a_superusers_account_and_password_are_a_superusers_to_change(client, it_admin):
    root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
    client.force_login(it_admin)
    assert 'name="first_name"' not in client.get(change_url(root)).content.decode()  # seen, read-only
    assert client.post(change_url(root), user_form(root, first_name="Changed")).status_code == 403
    password = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "a new long passphrase", "password2": "a new long passphrase", "set_usable_password": "true"},
    )
    assert password.status_code == 403
    root.refresh_from_db()
    assert root.check_password("correct horse battery staple")


def test_a_superuser_still_grants_staff_status(client, practitioner):
    root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.post(change_url(practitioner), user_form(practitioner, is_staff="on")).status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.is_staff
    assert "is staff no → yes" in AccessRecord.objects.get(object_id=str(practitioner.pk)).summary


CASE_CONTENT_ADMIN_URLS = [
    "/admin/audits/partareturn/",
    "/admin/audits/answer/",
    "/admin/audits/finding/",
    "/admin/audits/recommendation/",
    "/admin/audits/partbsession/",
    "/admin/audits/attendance/",
    "/admin/audits/casejudgement/",
    "/admin/briefings/briefing/",
    "/admin/briefings/briefingsection/",
    "/admin/briefings/briefingversion/",
    "/admin/briefings/feedback/",
]


@pytest.mark.parametrize("url", CASE_CONTENT_ADMIN_URLS)
def test_case_content_is_not_in_the_admin_even_for_a_superuser(client, url):
    root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}1/change/").status_code == 404
    assert client.get(f"{url}add/").status_code == 404


def test_the_admin_index_lists_no_case_content(client):
    root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    index = client.get(reverse("admin:index")).content.decode()
    assert 'href="/admin/briefings/' not in index
    for url in CASE_CONTENT_ADMIN_URLS:
        assert f'href="{url}"' not in index
    assert 'href="/admin/audits/' not in index  # nor Planning: the QA manager's (test_admin_privacy.py)


def test_the_partnership_settings_cannot_be_added_over_or_deleted(client, it_admin):
    partnership = Partnership.load()
    partnership.training = "Two CSE courses a year."
    partnership.save()
    client.force_login(it_admin)

    add = client.post(
        "/admin/agencies/partnership/add/",
        {"name": "New", "short_name": "N", "feedback_invitation": "", "training": "", "retention_months": "24"},
    )
    delete = client.post(f"/admin/agencies/partnership/{partnership.pk}/delete/", {"post": "yes"})

    assert add.status_code == 403 and delete.status_code == 403
    Partnership.clear_cache()
    assert Partnership.objects.count() == 1
    assert Partnership.load().training == "Two CSE courses a year."
    assert Partnership.load().feedback_invitation.startswith("We would like to hear")


def test_the_partnership_settings_list_opens_the_one_record(client, it_admin):
    partnership = Partnership.load()
    client.force_login(it_admin)
    response = client.get(reverse("admin:agencies_partnership_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:agencies_partnership_change", args=[partnership.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'name="training"' in page and "/admin/agencies/partnership/add/" not in page
    assert f"/admin/agencies/partnership/{partnership.pk}/delete/" not in page


def test_the_partnership_settings_are_not_opened_for_someone_without_the_permission(client, qa_manager):
    client.force_login(qa_manager)  # in the admin for Planning, not for the settings
    assert client.get(reverse("admin:agencies_partnership_changelist")).status_code == 403


# --- Changes to somebody's sign-in: recorded, and the person is told -------------------------------


@pytest.fixture
def unlocker(it_admin):
    """The administrator with the demo role's unlock permissions (lost authenticators)."""
    from audits.demo import ADMIN_SECURITY_PERMISSIONS

    for app_label, codename in ADMIN_SECURITY_PERMISSIONS:
        it_admin.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=it_admin.pk)


def test_a_password_set_by_the_administrator_is_recorded_and_the_person_told(
    client, it_admin, qa_manager, django_capture_on_commit_callbacks
):
    client.force_login(it_admin)
    url = reverse("admin:auth_user_password_change", args=[qa_manager.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"password1": "A new passphrase 42!", "password2": "A new passphrase 42!"})
    assert response.status_code == 302
    record = AccessRecord.objects.get(object_id=str(qa_manager.pk), summary__startswith="Sign-in of")
    assert record.username == it_admin.username and record.summary.endswith("changed: password")
    [notice] = mail.outbox
    assert notice.to == [qa_manager.email]
    assert "set a new password for your account" in notice.body and "somebody else may be able" in notice.body


def test_a_refused_password_change_records_and_tells_nothing(client, it_admin, qa_manager):
    client.force_login(it_admin)
    url = reverse("admin:auth_user_password_change", args=[qa_manager.pk])
    response = client.post(url, {"password1": "A new passphrase 42!", "password2": "something else"})
    assert response.status_code == 200
    assert not AccessRecord.objects.filter(summary__startswith="Sign-in of").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("kind", ["totp", "static"])
def test_removing_an_authenticator_or_recovery_codes_is_recorded_and_the_person_told(
    client, unlocker, auditor, kind, django_capture_on_commit_callbacks
):
    if kind == "totp":
        device = TOTPDevice.objects.create(user=auditor, name="Phone", confirmed=True)
        url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    else:
        device = StaticDevice.objects.create(user=auditor, name="Recovery codes", confirmed=True)
        url = reverse("admin:otp_static_staticdevice_delete", args=[device.pk])
    client.force_login(unlocker)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert not type(device).objects.filter(pk=device.pk).exists()
    change = "authenticator" if kind == "totp" else "recovery codes"
    assert AccessRecord.objects.filter(
        object_id=str(auditor.pk), summary=f"Sign-in of {auditor.username} changed: {change}"
    ).exists()
    [notice] = mail.outbox
    assert notice.to == [auditor.email] and "removed" in notice.body


# --- Support contacts and links for some audit themes only -------------------------------------------


def test_the_settings_inlines_save_the_audit_themes_of_contacts_and_links(client, it_admin):
    from agencies.models import PartnershipLink, SupportContact
    from audits.tests.factories import AuditThemeFactory

    partnership = Partnership.load()
    cse = AuditThemeFactory(name="Child sexual exploitation", slug="cse")
    neglect = AuditThemeFactory(name="Neglect", slug="neglect")
    contact = SupportContact.objects.create(partnership=partnership, name="Wise", phone="01273 222583")
    client.force_login(it_admin)
    url = reverse("admin:agencies_partnership_change", args=[partnership.pk])

    page = client.get(url).content.decode()
    # Checkboxes, each with its label: the theme names are no case content.
    assert 'type="checkbox" name="support_contacts-0-themes"' in page
    assert f'value="{cse.pk}"' in page and "Child sexual exploitation</label>" in page
    response = client.post(
        url,
        {
            "name": partnership.name,
            "short_name": partnership.short_name,
            "contact_email": "",
            "feedback_invitation": partnership.feedback_invitation,
            "training": "",
            "retention_months": "24",
            "support_contacts-TOTAL_FORMS": "1",
            "support_contacts-INITIAL_FORMS": "1",
            "support_contacts-0-id": contact.pk,
            "support_contacts-0-partnership": partnership.pk,
            "support_contacts-0-name": "Wise",
            "support_contacts-0-phone": "01273 222583",
            "support_contacts-0-order": "0",
            "support_contacts-0-themes": [cse.pk],
            "links-TOTAL_FORMS": "1",
            "links-INITIAL_FORMS": "0",
            "links-0-partnership": partnership.pk,
            "links-0-kind": "reading",
            "links-0-title": "Neglect: a practice guide",
            "links-0-url": "https://example.org/neglect",
            "links-0-order": "0",
            "links-0-themes": [cse.pk, neglect.pk],
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(contact.themes.all()) == [cse]
    assert set(PartnershipLink.objects.get(title="Neglect: a practice guide").themes.all()) == {cse, neglect}
    page = client.get(url).content.decode()
    assert f'type="checkbox" name="support_contacts-0-themes" value="{cse.pk}"' in page


def test_the_settings_page_reads_the_themes_once_however_many_contacts(client, it_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.models import SupportContact
    from audits.tests.factories import AuditThemeFactory

    partnership = Partnership.load()
    theme = AuditThemeFactory(name="Neglect", slug="neglect")
    client.force_login(it_admin)
    url = reverse("admin:agencies_partnership_change", args=[partnership.pk])

    def queries(contacts: int) -> int:
        for i in range(contacts):
            SupportContact.objects.create(partnership=partnership, name=f"Line {i}").themes.set([theme])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(1) == queries(5)
