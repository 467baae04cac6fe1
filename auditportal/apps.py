from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin, with auditportal.admin.PortalAdminSite as the site; and the portal's own
    deployment checks (auditportal.checks)."""

    default_site = "auditportal.admin.PortalAdminSite"

    def ready(self) -> None:
        super().ready()
        from . import checks  # noqa: F401 - registers the checks
