"""The audits list's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.models import AuditStatus


class AuditListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search titles"), required=False, max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, themes=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("All stages")), *AuditStatus.choices]
        self.fields["theme"].choices = [("", _("All themes"))] + [(t.slug, t.name) for t in themes]
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]
