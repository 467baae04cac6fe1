"""Administration as the administrator sees it (IT: people, agencies, settings; no case content),
with the permissions the role is given (as in the demo), and as the superuser `createsuperuser`
makes: what reaches them of case content or of somebody's second sign-in step, page by page."""

import base64

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils.html import escape
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.admin import CASE_CONTENT_APPS
from agencies.models import AccessAction, AccessRecord, Agency, Partnership, User
from agencies.tests.test_admin import user_form
from audits.demo import ADMIN_PERMISSIONS, ADMIN_SECURITY_PERMISSIONS
from audits.models import FindingKind
from audits.tests.factories import FindingFactory, RecommendationFactory, RiskFactorFactory

pytestmark = pytest.mark.django_db

TOTP_KEY = "3132333435363738393031323334353637383930"  # hex, as django-otp stores it


@pytest.fixture
def it_admin(administrator):
    """The cast's administrator with every permission the role is given (demo), unlocks included."""
    administrator.user_permissions.set(
        Permission.objects.filter(content_type__app_label="agencies", codename__in=ADMIN_PERMISSIONS)
    )
    for app_label, codename in ADMIN_SECURITY_PERMISSIONS:
        administrator.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=administrator.pk)  # without the permission cache


@pytest.fixture
def root(db):
    """The first administrator, as README's `manage.py createsuperuser` makes them."""
    return User.objects.create_superuser("root", "root@example.org", "a long first administrator password")


@pytest.fixture(params=["it_admin", "root"])
def it_person(request):
    return request.getfixturevalue(request.param)


# --- Somebody's second step: an authenticator's key, its QR code, recovery codes ------------------


@pytest.fixture
def devices(auditor):
    totp = TOTPDevice.objects.create(user=auditor, name="Phone", confirmed=True, key=TOTP_KEY)
    static = StaticDevice.objects.create(user=auditor, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="recov42tok")
    return totp, static


def test_an_authenticators_key_and_qr_code_are_not_shown(client, it_person, devices):
    totp, _ = devices
    secret_b32 = base64.b32encode(bytes.fromhex(TOTP_KEY)).decode()
    client.force_login(it_person)

    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[totp.pk]))

    assert listing.status_code == 200 and page.status_code == 200  # who has which device: seen
    assert "Phone" in listing.content.decode() and "qrcode" not in listing.content.decode().lower()
    for text in (page.content.decode(), listing.content.decode()):
        assert TOTP_KEY not in text and secret_b32 not in text and "otpauth" not in text
    assert client.get(f"/admin/otp_totp/totpdevice/{totp.pk}/config/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{totp.pk}/qrcode/").status_code == 403


def test_recovery_codes_are_not_shown(client, it_person, devices):
    _, static = devices
    client.force_login(it_person)
    page = client.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk]))
    assert page.status_code == 200 and "Recovery codes" in page.content.decode()
    assert "recov42tok" not in page.content.decode()


def test_a_device_is_neither_added_for_somebody_nor_moved_onto_their_account(client, it_person, devices, auditor):
    totp, static = devices
    mine = TOTPDevice.objects.create(user=it_person, name="Mine", confirmed=True)
    client.force_login(it_person)

    added = client.post(
        reverse("admin:otp_totp_totpdevice_add"),
        {"user": auditor.pk, "name": "Chosen", "confirmed": "on", "key": TOTP_KEY, "step": 30, "t0": 0, "digits": 6},
    )
    moved = client.post(
        reverse("admin:otp_totp_totpdevice_change", args=[mine.pk]),
        {"user": auditor.pk, "name": "Mine", "confirmed": "on", "step": 30, "t0": 0, "digits": 6, "tolerance": 1},
    )
    codes = client.get(reverse("admin:otp_static_staticdevice_add"))

    assert added.status_code == 403 and moved.status_code == 403 and codes.status_code == 403
    assert list(TOTPDevice.objects.filter(user=auditor)) == [totp]
    mine.refresh_from_db()
    assert mine.user == it_person
    # What the administrator is there for still works: a lost authenticator is removed.
    delete = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[totp.pk]), {"post": "yes"})
    assert delete.status_code == 302 and not TOTPDevice.objects.filter(pk=totp.pk).exists()


def test_the_administrator_still_manages_people_agencies_and_settings(client, it_person, practitioner):
    client.force_login(it_person)
    for name in ("agencies_user_changelist", "agencies_agency_changelist", "axes_accessattempt_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200, name
    assert client.get(reverse("admin:agencies_user_change", args=[practitioner.pk])).status_code == 200
    assert client.get(reverse("admin:agencies_partnership_changelist")).status_code == 302
    delete = reverse("admin:agencies_user_delete", args=[practitioner.pk])
    assert escape(practitioner.get_full_name()) in client.get(delete).content.decode()
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=practitioner.pk).exists()


# --- Deleting an agency or a person: what goes with it, or prevents it, is counted, not named ------


@pytest.fixture
def agency_in_an_audit(audit, agency_a):
    """Agency A in an audit: its returns (Case 1, Case 2), a strength of its own and a recommendation."""
    FindingFactory(
        audit=audit, kind=FindingKind.AGENCY_STRENGTH, agency=agency_a, heading="Police shared the CSE referral"
    )
    RecommendationFactory(audit=audit, owner_agency=agency_a, text="Police to review the missing episodes")
    return agency_a


CASE_CONTENT_NAMED = ("Case 1", "Police shared the CSE referral", "Police to review the missing episodes")


def test_an_agencys_deletion_page_counts_its_returns_findings_and_recommendations(
    client, it_person, agency_in_an_audit, auditor
):
    client.force_login(it_person)
    url = reverse("admin:agencies_agency_delete", args=[agency_in_an_audit.pk])
    bulk = reverse("admin:agencies_agency_changelist")

    pages = [
        client.get(url),
        client.post(bulk, {"action": "delete_selected", "_selected_action": [agency_in_an_audit.pk]}),
    ]

    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200
        for text in CASE_CONTENT_NAMED:
            assert text not in page
        # The administrator still learns why it cannot go, and who works there.
        assert "Part a returns: 2" in page  # the model's own (default) verbose name
        assert "Findings: 1" in page and "Recommendations: 1" in page
        assert escape(auditor.get_full_name()) in page
    assert client.post(url, {"post": "yes"}).status_code == 200  # still refused: nothing deleted
    assert type(agency_in_an_audit).objects.filter(pk=agency_in_an_audit.pk).exists()


# --- Planning: the QA manager's, not the administrator's, superuser or not --------------------------

PLANNING_ADMINS = [model for model in admin.site._registry if model._meta.app_label in CASE_CONTENT_APPS]


def test_planning_is_registered_in_the_admin():
    assert {model._meta.model_name for model in PLANNING_ADMINS} >= {"audit", "audittool", "toolversion"}


@pytest.mark.parametrize("model", PLANNING_ADMINS, ids=lambda model: model._meta.model_name)
def test_planning_is_not_the_administrators_even_as_a_superuser(client, it_person, audit, model):
    obj = model._default_manager.order_by("pk").first()
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    client.force_login(it_person)

    assert client.get(reverse(f"{prefix}_changelist")).status_code == 403
    assert client.get(reverse(f"{prefix}_add")).status_code == 403
    if obj is not None:
        for view in ("change", "history", "delete"):
            assert client.get(reverse(f"{prefix}_{view}", args=[obj.pk])).status_code == 403, view


def test_nor_are_its_cases_themes_or_risk_factors_reached_another_way(client, it_person, audit):
    RiskFactorFactory(name="Missing episodes")
    client.force_login(it_person)
    index = client.get(reverse("admin:index")).content.decode()
    assert 'href="/admin/audits/' not in index and "Case 1" not in index
    for model_name, field in (("case", "risk_factors"), ("audit", "theme")):
        url = f"/admin/autocomplete/?app_label=audits&model_name={model_name}&field_name={field}&term="
        assert client.get(url).status_code == 403


def test_the_qa_manager_still_plans(client, qa_manager, audit):
    client.force_login(qa_manager)
    assert 'href="/admin/audits/audit/"' in client.get(reverse("admin:index")).content.decode()
    page = client.get(reverse("admin:audits_audit_change", args=[audit.pk]))
    assert page.status_code == 200 and "Case 1" in page.content.decode()


# --- Every change made in the admin is in the access log (README), for the administrator to read ---


def records_about(obj) -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("pk"))


def test_an_agency_added_changed_and_deleted_is_in_the_access_log(client, it_admin):
    client.force_login(it_admin)
    form = {"name": "Sussex Partnership NHS", "short_name": "SPFT", "sector": "health", "lead_email": ""}

    assert client.post(reverse("admin:agencies_agency_add"), form).status_code == 302
    agency = Agency.objects.get(short_name="SPFT")
    change = reverse("admin:agencies_agency_change", args=[agency.pk])
    assert client.post(change, {**form, "lead_email": "lead@spft.example.org"}).status_code == 302
    [added, changed] = records_about(agency)
    assert client.post(reverse("admin:agencies_agency_delete", args=[agency.pk]), {"post": "yes"}).status_code == 302

    deleted = records_about(agency)[-1]
    assert added.summary == "Administration: added agency Sussex Partnership NHS"
    assert changed.summary.startswith("Administration: changed agency Sussex Partnership NHS")
    assert "e-mail" in changed.summary.lower()
    assert deleted.summary == "Administration: deleted agency Sussex Partnership NHS"
    assert {r.username for r in (added, changed, deleted)} == {it_admin.username}
    assert {r.action for r in (added, changed, deleted)} == {AccessAction.CHANGE}
    # ... and the administrator reads what those records say.
    log = client.get(reverse("access_log")).content.decode()
    assert "Administration: deleted agency Sussex Partnership NHS" in log


def test_the_partnerships_settings_changed_are_in_the_access_log(client, it_admin):
    partnership = Partnership.load()
    client.force_login(it_admin)
    form = {
        "name": partnership.name,
        "short_name": partnership.short_name,
        "contact_email": "",
        "feedback_invitation": partnership.feedback_invitation,
        "training": "",
        "retention_months": "1",  # case-level detail purged a month after an audit closes
        "support_contacts-TOTAL_FORMS": "0",
        "support_contacts-INITIAL_FORMS": "0",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:agencies_partnership_change", args=[partnership.pk]), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    [record] = records_about(partnership)
    assert record.username == it_admin.username and "retention" in record.summary.lower()


def test_a_person_deleted_or_their_e_mail_address_changed_is_in_the_access_log(client, it_admin, practitioner):
    client.force_login(it_admin)
    change = reverse("admin:agencies_user_change", args=[practitioner.pk])
    old = practitioner.email

    assert client.post(change, user_form(practitioner, email="someone.else@example.org")).status_code == 302
    delete = client.post(reverse("admin:agencies_user_delete", args=[practitioner.pk]), {"post": "yes"})

    assert delete.status_code == 302
    [email, deleted] = records_about(practitioner)
    assert f"email {old} → someone.else@example.org" in email.summary  # where sign-in notices go
    assert deleted.summary == f"Account deleted: {practitioner.username}, role Practitioner"


def test_a_lockout_lifted_is_in_the_access_log(client, it_admin):
    attempt = AccessAttempt.objects.create(
        username="auditor.a",
        ip_address="192.0.2.7",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    client.force_login(it_admin)

    response = client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    [record] = records_about(attempt)
    assert record.summary == "Administration: deleted access attempt auditor.a from 192.0.2.7"
    assert record.summary in client.get(reverse("access_log")).content.decode()  # the administrator reads it


def test_a_group_added_by_a_superuser_is_in_the_access_log(client, root):
    client.force_login(root)
    assert client.post(reverse("admin:auth_group_add"), {"name": "Board"}).status_code == 302
    [record] = records_about(Group.objects.get(name="Board"))
    assert record.summary == "Administration: added group Board" and record.username == "root"
