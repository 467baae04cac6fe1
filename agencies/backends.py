from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .administration import ADMINISTRATION_PERMISSIONS
from .models import Role


class PortalBackend(ModelBackend):
    """Django's ModelBackend, reading the signed-in person with their agency: every page's menu
    shows it and most views check it, so one joined query instead of two. A QA manager also holds,
    by the role, the permissions of planning in Administration, and an administrator those of
    Administration (agencies/administration.py)."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("agency").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if user.is_active else None

    def user_can_authenticate(self, user) -> bool:
        """A deactivated person with the right password is let through authenticate(), so that the
        sign-in form can tell them their account is not active (LoginForm.confirm_login_allowed
        refuses them) instead of "wrong password", which also counted towards a lockout. Only the
        right password learns this. Their sessions still end (get_user)."""
        return True

    def get_all_permissions(self, user_obj, obj=None):
        """A QA manager's role grants the planning permissions (audits/planning.py) on top of any given, and
        the administrator role those of Administration (agencies/administration.py): an administrator added
        with Add user or from a spreadsheet has them without anybody ticking them by hand."""
        permissions = super().get_all_permissions(user_obj, obj)
        if obj is None and user_obj.is_active and getattr(user_obj, "is_qa_manager", False):
            from audits.planning import PLANNING_PERMISSIONS

            permissions = {*permissions, *PLANNING_PERMISSIONS}
        if obj is None and user_obj.is_active and getattr(user_obj, "role", None) == Role.ADMINISTRATOR:
            permissions = {*permissions, *ADMINISTRATION_PERMISSIONS}
        return permissions
