from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core import validators
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets max_length after making the field, so nothing checked it: a long
        # username reached authenticate() and django-axes' 255-character column (a 500).
        username = self.fields["username"]
        username.validators.append(validators.MaxLengthValidator(username.max_length))
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    errors_id = "login-errors"
    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": _("Your account is not active. If you still need it, ask your administrator to reactivate it."),
    }

    def full_clean(self) -> None:
        super().full_clean()
        # A wrong username or password is an error of the form, not of one field: both fields are marked
        # invalid and point at it, so a screen reader focused on either (autofocus puts it on the username,
        # below the error) reads the error too.
        if self.non_field_errors():
            for name in ("username", "password"):
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = " ".join(filter(None, [attrs.get("aria-describedby"), self.errors_id]))


class TokenForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The six-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()


class SetupTokenForm(TokenForm):
    """Confirming a new authenticator app: only the app's code (recovery codes come after)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("The six-digit code your authenticator app shows.")


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, request, **kwargs) -> None:
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        from .passwords import current_password_confirmed

        password = self.cleaned_data["password"]
        # Counted towards the sign-in lockout (django-axes), not check_password alone: see there.
        if not current_password_confirmed(self.request, self.user, password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class AccessLogFilterForm(forms.Form):
    """The access log's filters. `case_summaries`: the QA manager's view; the administrator, who has no
    access to case content, chooses audits by their short name (slug), which their pages show anyway."""

    person = forms.ChoiceField(label=_("Person"), required=False)
    audit = forms.ModelChoiceField(
        label=_("Audit"), required=False, queryset=None, to_field_name="slug", empty_label=_("Any")
    )
    object_type = forms.ChoiceField(label=_("Kind of object"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(
        label=_("Person, object, page or address"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, case_summaries: bool = True, **kwargs) -> None:
        from audits.models import Audit

        from .models import AccessAction, User

        super().__init__(*args, **kwargs)
        people = User.objects.order_by("username").values_list("username", "first_name", "last_name")
        self.fields["person"].choices = [("", _("Anyone"))] + [
            (username, f"{first} {last} ({username})".strip() if first or last else username)
            for username, first, last in people
        ]
        audit = self.fields["audit"]
        audit.queryset = Audit.objects.order_by("-created_at")
        audit.label_from_instance = (lambda a: f"{a.title} ({a.slug})") if case_summaries else (lambda a: a.slug)
        self.fields["object_type"].choices = [("", _("Any"))] + object_type_choices()
        self.fields["action"].choices = [("", _("Any"))] + list(AccessAction.choices)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:  # the error, printed above the field, is read with it
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs.update({"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-errors"})

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date cannot be before the start date."))
        return cleaned


# The apps whose objects the access log names (people, settings, audits, briefings, groups, lockouts).
LOGGED_APPS = ("agencies", "audits", "briefings", "auth", "axes")


def object_type_choices() -> list[tuple[str, str]]:
    """Each kind of object a record can be about, as the log names it (app.model), with its name."""
    from django.apps import apps
    from django.utils.text import capfirst

    installed = {config.label for config in apps.get_app_configs()}
    return sorted(
        (
            (model._meta.label_lower, f"{capfirst(model._meta.verbose_name)} ({model._meta.label_lower})")
            for label in LOGGED_APPS
            if label in installed
            for model in apps.get_app_config(label).get_models()
            if not model._meta.model_name.startswith("historical")
        ),
        key=lambda choice: choice[1],
    )


class ProfileForm(forms.Form):
    """A person's own choices (agencies.services.profile_update)."""

    new_briefing_emails = forms.BooleanField(
        label=_("E-mail me when a new learning briefing is published"),
        required=False,
        help_text=_(
            "One e-mail for each learning briefing you may read, when it is first published; not for a "
            "corrected version. As an audit's auditor or lead officer you are told of its briefings anyway."
        ),
    )
