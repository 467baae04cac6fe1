"""Filter forms of the insights pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.models import AuditTheme, RecommendationStatus

RAG_CHOICES = [("", _("Any rating")), ("red", _("Red")), ("amber", _("Amber")), ("green", _("Green"))]


class ThemeFilterForm(forms.Form):
    theme = forms.ModelChoiceField(
        label=_("Theme of audit"),
        queryset=AuditTheme.objects.order_by("name"),
        required=False,
        empty_label=_("All themes"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class TrackerFilterForm(ThemeFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *RecommendationStatus.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    rag = forms.ChoiceField(
        label=_("Red, amber, green"),
        choices=RAG_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
