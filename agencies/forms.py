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

    def __init__(self, user, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class AccessLogFilterForm(forms.Form):
    q = forms.CharField(label=_("Person, object or page"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        from .models import AccessAction

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any"))] + list(AccessAction.choices)
