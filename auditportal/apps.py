from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin, with auditportal.admin.PortalAdminSite as the site."""

    default_site = "auditportal.admin.PortalAdminSite"
