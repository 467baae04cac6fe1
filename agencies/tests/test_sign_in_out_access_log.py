"""Signing in and out are in the access log, with the person and the address, so that the data protection
officer's one CSV for an account ("everything it did, and from where, between these dates") says when and
from where it signed in. A sign-in counts once the person can use pages: after the second factor where it is
required, after the password where it is not. Failed sign-ins are in django-axes' records only."""

import csv
import io

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessAction, AccessRecord
from agencies.tests.test_account_journeys import PASSWORD, current_code, enrolled
from agencies.views import NEW_CODES
from audits.models import PartAReturn

pytestmark = pytest.mark.django_db

AWAY = "203.0.113.9"


def sign_in(client, password: str = PASSWORD, address: str = "127.0.0.1"):
    return client.post(reverse("login"), {"username": "auditor.a", "password": password}, REMOTE_ADDR=address)


def _signs(user) -> list[tuple[str, str, str | None]]:
    records = AccessRecord.objects.filter(action__in=[AccessAction.SIGN_IN, AccessAction.SIGN_OUT]).order_by("pk")
    return [(r.action, r.username, r.ip_address) for r in records if r.user_id == user.pk]


@override_settings(MFA_REQUIRED=True)
def test_a_sign_in_with_the_second_factor_is_recorded_once_after_the_code(client, auditor, audit):
    recovery_codes = enrolled(auditor)

    assert sign_in(client, address=AWAY).status_code == 302
    assert _signs(auditor) == []  # the password alone: no page can be used yet

    device = TOTPDevice.objects.get(user=auditor)
    code = {"code": current_code(device), "next": reverse("audits:my_returns")}
    assert client.post(reverse("mfa_verify"), code, REMOTE_ADDR=AWAY).status_code == 302

    assert _signs(auditor) == [(AccessAction.SIGN_IN, auditor.username, AWAY)]
    record = AccessRecord.objects.get(action=AccessAction.SIGN_IN)
    assert (record.object_type, record.object_id) == ("agencies.user", str(auditor.pk))
    assert record.summary == "Signed in with password and authenticator app"
    # A code given again in the same session (the two-factor page opened once signed in) is no new sign-in.
    again = client.post(reverse("mfa_verify"), {"code": recovery_codes[0]}, REMOTE_ADDR=AWAY)
    assert again.status_code == 302
    assert len(_signs(auditor)) == 1


def _set_up_app(client, address: str) -> None:
    """Open the set-up page and confirm its new key with the code the app shows."""
    assert client.get(reverse("mfa_setup")).status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(reverse("mfa_setup"), {"code": current_code(device)}, REMOTE_ADDR=address)
    assert done.status_code == 302
    session = client.session
    session.pop(NEW_CODES)  # the new recovery codes seen: the page sets up an app again
    session.save()


@override_settings(MFA_REQUIRED=True)
def test_the_first_sign_in_is_recorded_once_the_app_is_set_up_and_replacing_it_is_no_sign_in(client, auditor, audit):
    sign_in(client, address=AWAY)
    assert _signs(auditor) == []

    _set_up_app(client, AWAY)

    assert _signs(auditor) == [(AccessAction.SIGN_IN, auditor.username, AWAY)]
    _set_up_app(client, AWAY)  # replaced while signed in
    assert len(_signs(auditor)) == 1
    assert TOTPDevice.objects.filter(user=auditor, confirmed=True).count() == 1


def test_without_a_required_second_factor_the_password_signs_in_and_a_wrong_one_stays_in_axes_only(
    client, auditor, audit
):
    assert sign_in(client, password="not the password", address=AWAY).status_code == 200
    assert not AccessRecord.objects.exists()
    assert AccessAttempt.objects.filter(username=auditor.username).exists()

    assert sign_in(client, address=AWAY).status_code == 302

    assert _signs(auditor) == [(AccessAction.SIGN_IN, auditor.username, AWAY)]
    assert AccessRecord.objects.get().summary == "Signed in with password"


def test_signing_out_is_recorded_and_signing_out_again_is_not(client, auditor, audit):
    sign_in(client)

    assert client.post(reverse("logout"), REMOTE_ADDR=AWAY).status_code == 302
    assert client.post(reverse("logout"), REMOTE_ADDR=AWAY).status_code == 302  # no longer signed in

    assert _signs(auditor) == [
        (AccessAction.SIGN_IN, auditor.username, "127.0.0.1"),
        (AccessAction.SIGN_OUT, auditor.username, AWAY),
    ]
    assert AccessRecord.objects.get(action=AccessAction.SIGN_OUT).summary == "Signed out"


@override_settings(MFA_REQUIRED=True)
def test_signing_out_before_the_second_factor_is_not_recorded_as_no_sign_in_was(client, auditor, audit):
    enrolled(auditor)
    sign_in(client)

    assert client.post(reverse("logout")).status_code == 302

    assert _signs(auditor) == []


def test_the_data_protection_officers_csv_for_one_account_says_when_and_from_where_it_signed_in_and_out(
    client, client_for, auditor, audit
):
    sign_in(client, address=AWAY)
    ret = PartAReturn.objects.filter(audit=audit, agency=auditor.agency).first()
    assert client.get(reverse("audits:return_detail", args=[ret.pk]), REMOTE_ADDR=AWAY).status_code == 200
    client.post(reverse("logout"), REMOTE_ADDR=AWAY)
    dpo = client_for("qa_manager")

    response = dpo.get(reverse("access_log"), {"person": auditor.username, "download": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    header, *rows = csv.reader(io.StringIO(text))
    rows = [dict(zip(header, row, strict=True)) for row in rows]

    assert [(row["Action"], row["Kind of object"], row["From"]) for row in rows] == [
        ("Signed out", "agencies.user", AWAY),
        ("Viewed", "audits.partareturn", AWAY),
        ("Signed in", "agencies.user", AWAY),
    ]
    assert (rows[0]["What"], rows[2]["What"]) == ("Signed out", "Signed in with password")
    # The page's action filter offers them by name, and finds them.
    page = dpo.get(reverse("access_log"), {"action": "sign_in"})
    assert ("sign_in", "Signed in") in page.context["form"].fields["action"].choices
    assert ("sign_out", "Signed out") in page.context["form"].fields["action"].choices
    assert [r.username for r in page.context["page"]] == [auditor.username]
    assert "Signed in" in page.content.decode()


def test_the_admin_shows_sign_ins_and_outs_in_words(client, client_for, auditor, audit):
    sign_in(client)
    client.post(reverse("logout"))

    page = client_for("administrator").get(reverse("admin:agencies_accessrecord_changelist")).content.decode()

    assert "Signed in" in page and "Signed out" in page


def _admin_sign_in(client, address: str = AWAY):
    """Signed in, sign in again on the admin's own form (shown to somebody the admin does not admit)
    as the administrator."""
    return client.post(
        reverse("admin:login"), {"username": "it.admin", "password": PASSWORD, "next": "/admin/"}, REMOTE_ADDR=address
    )


def test_signing_in_on_the_admins_own_form_is_recorded_as_on_the_portals(client, auditor, administrator, audit):
    """The admin's sign-in form, shown to a signed-in person it does not admit, signs in as whoever is typed
    there: that sign-in is recorded, with the address, as one on the portal's own page is."""
    sign_in(client)
    assert client.get(reverse("admin:login")).status_code == 200  # the form, for somebody not admitted

    assert _admin_sign_in(client).status_code == 302

    assert _signs(administrator) == [(AccessAction.SIGN_IN, administrator.username, AWAY)]
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_wrong_password_on_the_admins_own_form_is_no_sign_in(client, auditor, administrator, audit):
    sign_in(client)
    wrong = client.post(reverse("admin:login"), {"username": "it.admin", "password": "not it"}, REMOTE_ADDR=AWAY)
    assert wrong.status_code == 200
    assert _signs(administrator) == []


@override_settings(MFA_REQUIRED=True)
def test_the_admins_own_form_with_a_required_second_factor_records_the_sign_in_after_the_code(
    client, auditor, administrator, audit
):
    enrolled(auditor)
    enrolled(administrator)
    sign_in(client)
    device = TOTPDevice.objects.get(user=auditor)
    client.post(reverse("mfa_verify"), {"code": current_code(device)})

    assert _admin_sign_in(client).status_code == 302
    assert _signs(administrator) == []  # the password alone: no page can be used yet

    device = TOTPDevice.objects.get(user=administrator)
    assert client.post(reverse("mfa_verify"), {"code": current_code(device)}, REMOTE_ADDR=AWAY).status_code == 302
    assert _signs(administrator) == [(AccessAction.SIGN_IN, administrator.username, AWAY)]
