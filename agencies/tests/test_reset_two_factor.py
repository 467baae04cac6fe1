"""manage.py reset_two_factor: when the only administrator (or anybody, with no administrator to help) has
lost both their authenticator app and their recovery codes, the server's operator removes them at the
command line, as Administration's OTP pages do, recorded in the access log with the operator's OS user and
reason; the person's next sign-in sets up a new app. Bad input is refused and changes nothing."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command, load_command_class
from django.db import connection, connections
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessAction, AccessRecord, OutboxMessage
from agencies.tests.test_account_journeys import current_code, enrolled, sign_in

REASON = "lost phone and recovery codes, confirmed by phone call, ticket 4821"


@pytest.fixture(autouse=True)
def _operator(monkeypatch):
    """The OS user running the command, as getpass tells it; not through sudo."""
    monkeypatch.setattr("getpass.getuser", lambda: "opsadmin")
    monkeypatch.delenv("SUDO_USER", raising=False)


@pytest.fixture
def only_admin(administrator):
    """The only administrator, enrolled: an authenticator app and ten recovery codes (as at set-up)."""
    enrolled(administrator)
    return administrator


def devices_of(person) -> tuple[int, int, int]:
    return (
        TOTPDevice.objects.filter(user=person).count(),
        StaticDevice.objects.filter(user=person).count(),
        StaticToken.objects.filter(device__user=person).count(),
    )


def reset(*args, **options) -> str:
    out = StringIO()
    call_command("reset_two_factor", *args, stdout=out, **options)
    return out.getvalue()


def test_the_devices_and_codes_go_and_the_access_log_says_who_why_and_from_where(
    only_admin, auditor, django_capture_on_commit_callbacks
):
    enrolled(auditor)  # somebody else's: left alone
    pending = TOTPDevice.objects.create(user=only_admin, name="Half set up", confirmed=False)
    assert devices_of(only_admin) == (2, 1, 10)

    assert connection.vendor == "postgresql"  # scripts/test_services.py's, as in production
    with django_capture_on_commit_callbacks(execute=True):
        out = reset("it.admin", "--yes", f"--reason={REASON}")

    assert devices_of(only_admin) == (0, 0, 0)
    assert not TOTPDevice.objects.filter(pk=pending.pk).exists()
    assert devices_of(auditor) == (1, 1, 10)
    record = AccessRecord.objects.get(object_type="agencies.user", object_id=str(only_admin.pk))
    assert record.action == AccessAction.CHANGE
    assert record.summary == (
        "Sign-in of it.admin changed: authenticator and recovery codes, at the command line "
        f"(manage.py reset_two_factor) by OS user opsadmin. Reason: {REASON}"
    )
    assert (record.user_id, record.username, record.ip_address) == (None, "", None)
    assert record.path == "manage.py reset_two_factor"
    assert "Removed the 2 authenticator apps and 10 unused recovery codes of it.admin." in out
    # Told once, as for a removal in Administration, for all that was removed.
    [notice] = mail.outbox
    assert notice.to == [only_admin.email]
    assert "an administrator removed the authenticator app and the recovery codes of your account" in notice.body
    assert REASON not in notice.body


def test_sudo_is_named_with_the_os_user(only_admin, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    monkeypatch.setenv("SUDO_USER", "jbloggs")
    reset("it.admin", "--yes", "--reason", "lost both")
    record = AccessRecord.objects.get(object_id=str(only_admin.pk))
    assert "by OS user root (sudo from jbloggs). Reason: lost both" in record.summary


@override_settings(MFA_REQUIRED=True)
def test_the_next_sign_in_sets_up_a_new_authenticator_as_at_first_sign_in(client, only_admin):
    old_codes = list(StaticToken.objects.filter(device__user=only_admin).values_list("token", flat=True))
    reset("it.admin", "--yes", "--reason", REASON)

    assert sign_in(client, "it.admin").status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home.url.startswith(reverse("mfa_verify"))
    verify = client.get(home.url)  # no app to ask a code of: on to set one up
    assert verify.status_code == 302 and verify.url.startswith(reverse("mfa_setup"))
    page = client.get(verify.url)
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    # An old recovery code (had one been kept) is no way in.
    refused = client.post(reverse("mfa_verify"), {"code": old_codes[0]})
    assert refused.status_code == 302 and refused.url.startswith(reverse("mfa_setup"))

    device = TOTPDevice.objects.get(user=only_admin, confirmed=False)
    client.post(reverse("mfa_setup"), {"code": current_code(device)})
    new_codes = client.get(reverse("mfa_setup")).context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert client.get(reverse("home")).status_code == 200  # the administrator's home page


@override_settings(MFA_REQUIRED=True)
def test_the_persons_sessions_end_also_one_past_the_password_only(client, only_admin):
    """A session signed in with the removed app ends; so does one that got past the password but not the
    second factor, which would otherwise be sent to set up an app of its own choosing."""
    device = TOTPDevice.objects.get(user=only_admin)
    sign_in(client, "it.admin")
    client.post(reverse("mfa_verify"), {"code": current_code(device)})
    assert client.get(reverse("home")).status_code == 200
    half = Client()
    sign_in(half, "it.admin")  # the password, and no code yet
    assert half.get(reverse("home")).url.startswith(reverse("mfa_verify"))

    reset("it.admin", "--yes", "--reason", REASON)
    for session in (client, half):
        home = session.get(reverse("home"))
        assert home.status_code == 302 and home.url.startswith(reverse("login"))
        assert session.get(reverse("mfa_setup")).url.startswith(reverse("login"))


def test_typing_the_username_again_confirms(only_admin, monkeypatch):
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "it.admin")
    reset("it.admin", "--reason", REASON)
    assert asked == ["Type the username (it.admin) again to remove them: "]
    assert devices_of(only_admin) == (0, 0, 0)
    assert AccessRecord.objects.filter(object_id=str(only_admin.pk)).count() == 1


def test_nothing_to_remove_records_nothing(administrator):
    out = reset("it.admin", "--yes", "--reason", REASON)
    assert "nothing to remove" in out
    assert not AccessRecord.objects.exists() and not OutboxMessage.objects.exists()


# --- Refused: nothing changes ------------------------------------------------------------------------


def assert_unchanged(person) -> None:
    assert devices_of(person) == (1, 1, 10)
    assert not AccessRecord.objects.exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_without_a_reason_it_is_refused(only_admin, reason):
    options = {} if reason is None else {"reason": reason}
    with pytest.raises(CommandError, match=r'Say why with --reason "\.\.\."'):
        reset("it.admin", "--yes", **options)
    assert_unchanged(only_admin)


def test_an_unknown_username_is_refused_with_a_near_one_named(only_admin):
    with pytest.raises(
        CommandError, match=r"There is no account with the username 'IT.Admin'\. Did you mean 'it.admin'"
    ):
        reset("IT.Admin", "--yes", "--reason", REASON)
    with pytest.raises(CommandError, match=r"There is no account with the username 'nobody'\. Nothing was changed"):
        reset("nobody", "--yes", "--reason", REASON)
    assert_unchanged(only_admin)


def test_an_e_mail_address_given_for_the_username_names_the_account_it_is_of(only_admin):
    """The operator has the person's e-mail (they wrote from it), not their username: refused, naming the username."""
    typed = only_admin.email.upper()
    with pytest.raises(
        CommandError,
        match=rf"There is no account with the username '{typed}'\. '{typed}' is the e-mail address of the account "
        r"'it\.admin': give its username .*Nothing was changed",
    ):
        reset(typed, "--yes", "--reason", REASON)
    with pytest.raises(CommandError, match=r"username 'nobody@example\.org'\. Nothing was changed"):
        reset("nobody@example.org", "--yes", "--reason", REASON)
    assert_unchanged(only_admin)


def test_a_deactivated_account_is_refused_saying_to_reactivate_it_first(only_admin):
    only_admin.is_active = False
    only_admin.save()
    with pytest.raises(CommandError, match=r"deactivated\. Reactivate it first \(Administration → Users → it\.admin"):
        reset("it.admin", "--yes", "--reason", REASON)
    assert_unchanged(only_admin)


@pytest.mark.parametrize("typed", ["it.admi", "", "yes", EOFError])
def test_a_wrong_or_missing_confirmation_is_refused(only_admin, monkeypatch, typed):
    def answer(prompt):
        if typed is EOFError:
            raise EOFError
        return typed

    monkeypatch.setattr("builtins.input", answer)
    with pytest.raises(CommandError, match="Nothing was changed|nothing was changed"):
        reset("it.admin", "--reason", REASON)
    assert_unchanged(only_admin)


def test_a_reason_too_long_for_the_access_log_is_refused(only_admin):
    with pytest.raises(CommandError, match=r"The reason is too long for the access log: at most \d+ characters"):
        reset("it.admin", "--yes", "--reason", "x" * 300)
    assert_unchanged(only_admin)


def test_a_refusal_at_the_command_line_exits_non_zero_saying_why(only_admin, capsys, monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)  # as manage.py ends: not the test's transaction
    # The command as manage.py runs it (its argv parsed, a refusal turned into the exit code), without
    # ManagementUtility's django.setup(), which would set logging up again on this test's captured stderr
    # and leave later tests' log handlers writing to a closed file.
    command = load_command_class("agencies", "reset_two_factor")
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "reset_two_factor", "nobody", "--yes", "--reason", REASON])
    assert exited.value.code == 1
    assert "There is no account with the username 'nobody'." in capsys.readouterr().err
    assert_unchanged(only_admin)


# --- Removing one's own in Administration → OTP -------------------------------------------------------------


def unlocking(person):
    """The demo role's permissions to remove lost authenticators and recovery codes in Administration → OTP."""
    from django.contrib.auth.models import Permission

    from audits.demo import ADMIN_SECURITY_PERMISSIONS

    for app_label, codename in ADMIN_SECURITY_PERMISSIONS:
        person.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return person


def signed_in_verified(client, person) -> None:
    device = TOTPDevice.objects.filter(user=person, confirmed=True).order_by("pk").first()
    sign_in(client, person.username)
    client.post(reverse("mfa_verify"), {"code": current_code(device)})
    assert client.get(reverse("home")).status_code == 200


@override_settings(MFA_REQUIRED=True)
@pytest.mark.parametrize("kept_an_app", [True, False])
def test_an_administrator_removing_their_own_is_signed_out_told_why_and_what_next(client, only_admin, kept_an_app):
    """Their sessions end as anybody's do, this one included: the sign-in page they land on says it was their
    removal that ended it, and how they sign in now (with the app they kept, or setting up a new one)."""
    unlocking(only_admin)
    spare = TOTPDevice.objects.create(user=only_admin, name="Spare phone", confirmed=True)
    signed_in_verified(client, only_admin)
    removed = spare if kept_an_app else TOTPDevice.objects.exclude(pk=spare.pk).get(user=only_admin)
    if not kept_an_app:
        spare.delete()  # the one they signed in with is their only app

    landed = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[removed.pk]), {"post": "yes"}, follow=True)

    assert landed.redirect_chain[-1][0].startswith(reverse("login"))
    page = " ".join(landed.content.decode().replace("&#x27;", "'").split())
    assert "You removed an authenticator app of yours, which ends your sessions, this one included" in page
    if kept_an_app:
        assert "Sign in again with your password and your authenticator app." in page
    else:
        assert "after your password you set up a new authenticator app and are given new recovery codes" in page
    assert not TOTPDevice.objects.filter(pk=removed.pk).exists()


def test_delete_selected_removes_all_or_nothing_so_no_device_goes_without_its_access_record(
    client, only_admin, auditor, monkeypatch
):
    """Administration's "Delete selected" over two people's apps: if the second's access record cannot be written,
    neither app is removed (it was removed without a record, the first one's record kept)."""
    import agencies.services

    unlocking(only_admin)
    enrolled(auditor)
    client.force_login(only_admin)
    devices = list(TOTPDevice.objects.filter(user__in=[only_admin, auditor]).order_by("user_id"))
    assert len(devices) == 2
    recorded = []
    real_record = agencies.services.access_record

    def record_once(**kwargs):
        if recorded:
            raise RuntimeError("access log unavailable")
        recorded.append(kwargs)
        return real_record(**kwargs)

    monkeypatch.setattr(agencies.services, "access_record", record_once)
    with pytest.raises(RuntimeError, match="access log unavailable"):
        client.post(
            reverse("admin:otp_totp_totpdevice_changelist"),
            {"action": "delete_selected", "_selected_action": [d.pk for d in devices], "post": "yes"},
        )
    assert TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).count() == 2
    assert not AccessRecord.objects.filter(summary__startswith="Sign-in of").exists()
