"""The admin site: the administrator's (people, agencies, settings) and the QA manager's (planning).

Django's own AdminSite admits staff only. The QA manager plans audits here (audits/planning.py)
by virtue of the role, without being made staff by hand; what each may see and change in it is
still decided by their permissions, model by model.
"""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


class PortalAdminSite(admin.AdminSite):
    site_header = "Audit portal administration"
    site_title = "Audit portal administration"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or getattr(user, "is_qa_manager", False))

    def login(self, request, extra_context=None):
        """Somebody not signed in signs in on the portal's own page, with its two-factor step and its
        lockout, and comes back to the admin page they asked for. The admin's own sign-in form is for
        the signed-in person without access to the admin, who is told so there."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))
        return super().login(request, extra_context)
