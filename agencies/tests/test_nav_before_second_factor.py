"""A first sign-in (the onboarding review): until the second factor is passed, the menu offers no page but
signing out. The set-up page and the two-factor page showed the whole menu (Audits, Planning, Access log, Your
profile, Change password…), each of which only sent the person back to the page they were on."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.tests.test_security import current_code, sign_in

pytestmark = pytest.mark.django_db

MENU = ("audits:audit_list", "audits:insights_trends", "access_log", "admin:index", "profile", "password_change")


def offered(html: str) -> list[str]:
    return [name for name in MENU if f'href="{reverse(name)}"' in html]


@override_settings(MFA_REQUIRED=True)
def test_the_menu_waits_for_the_second_factor(client, qa_manager):
    assert sign_in(client, qa_manager.username).status_code == 302

    setup = client.get(reverse("mfa_setup"))
    html = setup.content.decode()
    assert setup.status_code == 200 and offered(html) == []
    assert f'action="{reverse("logout")}"' in html  # signing out is still offered

    device = TOTPDevice.objects.get(user=qa_manager, confirmed=False)
    assert client.post(reverse("mfa_setup"), {"code": current_code(device)}).status_code == 302
    assert offered(client.get(reverse("audits:audit_list")).content.decode()) == list(MENU)


def test_without_two_factor_sign_in_the_menu_is_as_ever(client, qa_manager):
    client.force_login(qa_manager)
    assert offered(client.get(reverse("audits:audit_list")).content.decode()) == list(MENU)
