"""The profile page (the person's account and e-mail choices) is behind the second factor like every other
page: only signing in and out, the two-factor and password pages and static files are open before it."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery staple"  # agencies/tests/factories.py


@pytest.fixture
def password_only(client, auditor, settings):
    """Signed in with the password, the second factor not given yet."""
    settings.MFA_REQUIRED = True
    TOTPDevice.objects.create(user=auditor, name="Authenticator app", confirmed=True)
    assert client.post(reverse("login"), {"username": "auditor.a", "password": PASSWORD}).status_code == 302
    return client


def test_the_profile_page_asks_for_the_second_factor_first(password_only, auditor):
    page = password_only.get(reverse("profile"))
    assert page.status_code == 302 and page.url.startswith(reverse("mfa_verify"))

    saved = password_only.post(reverse("profile"), {})  # would untick "E-mail me when…"
    assert saved.status_code == 302 and saved.url.startswith(reverse("mfa_verify"))
    auditor.refresh_from_db()
    assert auditor.new_briefing_emails is True
