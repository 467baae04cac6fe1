"""The admin site: the administrator's (people, agencies, settings) and the QA manager's (planning).

Django's own AdminSite admits staff only. The QA manager plans audits here (audits/planning.py)
and the administrator manages people, agencies and settings (agencies/administration.py) by virtue
of the role, without being made staff by hand; what each may see and change in it is still decided
by their permissions, model by model.
"""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


class PortalAdminSite(admin.AdminSite):
    site_header = "Audit portal administration"
    site_title = "Audit portal administration"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (
            user.is_staff or getattr(user, "is_qa_manager", False) or getattr(user, "is_administrator", False)
        )

    def admin_view(self, view, cacheable=False):
        """Django's wrapper (admitted people only), and a refusal recorded in the access log, as every refused
        access to a protected object is (docs/permissions.md): who tried to open what, naming the audit of an
        audit's Planning page (its cases' age band, gender, risk factors). A page refused to somebody signed in
        whom the site does not admit (a manager, a practitioner, an auditor: has_permission), whom Django sends
        to its sign-in form, which says they may not open it; and to somebody admitted, a page of a kind of
        object they may not see at all (the administrator an audit's Planning page, the QA manager a person's).
        """
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def recorded(request, *args, **kwargs):
            try:
                response = inner(request, *args, **kwargs)
            except PermissionDenied:
                # Admitted, and refused a page of a kind of object not theirs to see at all (the QA manager a
                # person's page, the administrator an audit's Planning page or a tool): recorded. Not an action
                # refused on what they may see (an audit with work not deleted): that is no refused access.
                model = self._model_of(request)
                if model is not None and not self._registry[model].has_view_or_change_permission(request):
                    self._record_refused(request, kwargs, model)
                raise
            if request.user.is_authenticated and not self.has_permission(request):
                match = request.resolver_match
                if not match or match.url_name != "logout":  # signing out of a site they are not in: nothing tried
                    self._record_refused(request, kwargs, self._model_of(request))
            return response

        return recorded

    def _model_of(self, request):
        """The registered model whose admin page the request is for (by its URL's name), or None."""
        match = request.resolver_match
        name = (match.url_name if match else "") or ""
        for model in self._registry:
            if name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
                return model
        return None

    def _record_refused(self, request, kwargs, model) -> None:
        from agencies.models import AccessRecord
        from audits.access import record_refused
        from audits.models import Audit

        key = unquote(str(kwargs.get("object_id", "")))
        if model is not None:
            opts = model._meta
            object_id, audit_id = key, None
            if model is Audit:
                # As AuditAdmin names an audit whose Planning page it refuses: by its slug, an id that is
                # nobody's by itself.
                # An id of ASCII digits only: "²" is a digit to isdigit() and no number to the database (a 500).
                audit = (
                    Audit.objects.filter(pk=key).values_list("pk", "slug").first()
                    if key.isascii() and key.isdigit()
                    else None
                )
                object_id, audit_id = (str(audit[0]), audit[0]) if audit else ("", None)
                summary = f"Planning of audit {audit[1] if audit else key}" if key else "Planning: the audits"
            elif key:
                summary = f"Administration: {opts.verbose_name} {key}"
            else:
                summary = f"Administration: {opts.verbose_name_plural}"
            # The id as the access log's column holds it (60 characters; the page's whole address is recorded
            # too): a longer one typed in the address was a 500 instead of the refusal.
            record_refused(
                request,
                object_type=opts.label_lower,
                object_id=object_id[: AccessRecord._meta.get_field("object_id").max_length],
                summary=summary[:300],
                audit_id=audit_id,
            )
            return
        match = request.resolver_match
        name = (match.url_name if match else "") or request.path
        record_refused(request, object_type="admin", summary=f"Administration: {name}"[:300])

    def login(self, request, extra_context=None):
        """Somebody not signed in signs in on the portal's own page, with its two-factor step and its
        lockout, and comes back to the admin page they asked for. The admin's own sign-in form is for
        the signed-in person without access to the admin, who is told so there. Whoever signs in on it is
        recorded in the access log as on the portal's page: here, after the password where no second factor
        is required; else after the code (agencies.views.otp_login)."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))
        before = request.session.session_key
        response = super().login(request, extra_context)
        signed_in = request.method == "POST" and request.session.session_key != before
        if signed_in and request.user.is_authenticated and not settings.MFA_REQUIRED:
            from agencies.services import sign_in_record

            sign_in_record(request=request)
        return response
