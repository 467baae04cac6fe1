"""The admin site: the administrator's (people, agencies, settings) and the QA manager's (planning).

Django's own AdminSite admits staff only. The QA manager plans audits here (audits/planning.py)
by virtue of the role, without being made staff by hand; what each may see and change in it is
still decided by their permissions, model by model.
"""

from django.contrib import admin


class PortalAdminSite(admin.AdminSite):
    site_header = "Audit portal administration"
    site_title = "Audit portal administration"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or getattr(user, "is_qa_manager", False))
