"""Filter forms of the insights pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.models import AuditTheme, RecommendationStatus
from audits.selectors.partb import OPEN_RECOMMENDATION_STATUSES

RAG_CHOICES = [("", _("Any rating")), ("red", _("Red")), ("amber", _("Amber")), ("green", _("Green"))]


class ThemeFilterForm(forms.Form):
    theme = forms.ModelChoiceField(
        label=_("Theme of audit"),
        queryset=AuditTheme.objects.order_by("name"),
        required=False,
        empty_label=_("All themes"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


# The status filter of the recommendation lists: by default what is still to act on; "all" for every status.
STILL_TO_ACT = ""
ALL_STATUSES = "all"
STATUS_FILTER_CHOICES = [
    (STILL_TO_ACT, _("Still to act on (open or in progress)")),
    (ALL_STATUSES, _("All statuses")),
    *RecommendationStatus.choices,
]


def _status_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_FILTER_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def statuses_chosen(form: forms.Form) -> tuple[str, ...] | None:
    """The statuses the form's status filter lets through (None: every one); still to act on when the
    form is not filled in or its status is not one of the choices."""
    form.is_valid()
    choice = getattr(form, "cleaned_data", {}).get("status", STILL_TO_ACT)
    if choice == ALL_STATUSES:
        return None
    if choice == STILL_TO_ACT:
        return OPEN_RECOMMENDATION_STATUSES
    return (choice,)


class RecommendationStatusFilterForm(forms.Form):
    """The status filter of "Recommendations across your audits"."""

    status = _status_field()


class TrackerFilterForm(ThemeFilterForm):
    status = _status_field()
    rag = forms.ChoiceField(
        label=_("Red, amber, green"),
        choices=RAG_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:  # the error, printed above the field (tracker.html), is read with it
            if name in self.fields:
                attrs = self.fields[name].widget.attrs = dict(self.fields[name].widget.attrs)
                attrs.update({"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-errors"})
