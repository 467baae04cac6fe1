"""Administration's index names the two kinds of second factor in words an administrator resetting a lost
authenticator looks for (README: "Administration → Two-factor: authenticator apps"), not django-otp's
package names ("Otp_Totp", "Otp_Static")."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_index_names_the_authenticator_apps_and_the_recovery_codes(client, administrator):
    client.force_login(administrator)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Two-factor: authenticator apps" in page
    assert "Two-factor: recovery codes" in page
    assert "Otp_Totp" not in page and "Otp_Static" not in page
    # The same pages, at the same addresses.
    assert reverse("admin:otp_totp_totpdevice_changelist") in page
    assert reverse("admin:otp_static_staticdevice_changelist") in page
