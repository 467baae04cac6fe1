"""For a text box written out by hand in a template (the briefing composer's), the attributes its
field (audits.forms_partb.LongLineField, LongTextField) gives it for app.js's character counter."""

from django import template
from django.forms.utils import flatatt

register = template.Library()

COUNTER_ATTRS = ("data-maxlength", "data-count-left", "data-count-over")


@register.filter
def counter_attrs(bound_field) -> str:
    """` data-maxlength="…" data-count-left="…" data-count-over="…"` (escaped), or "" for a field
    without a counter."""
    attrs = bound_field.field.widget.attrs
    return flatatt({name: attrs[name] for name in COUNTER_ATTRS if name in attrs})
