from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin, with auditportal.admin.PortalAdminSite as the site; and the portal's own
    deployment checks (auditportal.checks)."""

    default_site = "auditportal.admin.PortalAdminSite"

    def ready(self) -> None:
        super().ready()
        from . import checks  # noqa: F401 - registers the checks


# django-otp's two kinds of device, named in Administration's index in the words an administrator resetting a
# lost authenticator looks for, instead of their packages' "Otp_Totp" and "Otp_Static" (same labels, tables and
# addresses).
class AuthenticatorAppsConfig(TotpConfig):
    verbose_name = _("Two-factor: authenticator apps")


class RecoveryCodesConfig(StaticConfig):
    verbose_name = _("Two-factor: recovery codes")
