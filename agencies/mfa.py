"""Two-factor authentication with django-otp: a TOTP authenticator app plus single-use recovery codes."""

import base64
import io

from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

RECOVERY_CODES = 10


def has_authenticator(user) -> bool:
    """Whether the person has a confirmed authenticator app. Recovery codes alone do not count: they
    stand in for the app at sign-in only while there is one (an administrator who deletes a lost
    phone's device sends its owner to set up a new one, after their password)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_device_pending(user) -> TOTPDevice:
    """The user's not-yet-confirmed authenticator, created on first visit to the set-up page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def qr_data_uri(device: TOTPDevice) -> str:
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def secret_for_manual_entry(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def mfa_confirm(*, user, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator, replace any other devices, and issue fresh recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def mfa_set_up(*, request: HttpRequest, user, device: TOTPDevice) -> list[str]:
    """The person's own authenticator app confirmed on the set-up page (mfa_confirm), recorded in the access
    log with the address it was done from: after an administrator removed a lost app, whoever has the
    password sets up the next one, so the account's records say when and where that was."""
    from .models import AccessAction
    from .services import access_record

    with transaction.atomic():
        codes = mfa_confirm(user=user, device=device)
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=user,
            summary=f"Sign-in of {user.get_username()} changed: authenticator app set up, new recovery codes issued",
        )
    return codes
