"""The Part A form's standards, built in Python.

A form has a fieldset per standard (40 in a full tool), each with its grade and evidence fields
(forms.plain_field_html), its guidance and the identifier warnings of its evidence. As two
`{% include %}`s and a dozen variable lookups per standard they were about a fifth of the page's
time. The markup is the one the templates wrote, every value escaped the same way; the rare
conflict boxes (a save that met another one) are still rendered by a template,
`audits/parta/_conflicts.html`.
"""

from __future__ import annotations

from html import escape

from django import template
from django.template.defaultfilters import json_script, linebreaksbr
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()


# What parta.js says in the status line (a live region) of what the page changes by itself, with the
# view's strings (audits.views.parta.JS_STRINGS).
STATUS_STRINGS = {
    "warningPrefix": gettext_lazy("Warning:"),
    "flaggedOne": gettext_lazy("1 possible identifier flagged in %s: check it"),
    "flagged": gettext_lazy("%s possible identifiers flagged in %s: check them"),
    "unflagged": gettext_lazy("No possible identifiers are flagged now"),
    "andSaving": gettext_lazy("%s; saving…"),
    "restoredOne": gettext_lazy("Restored an answer from this device: %s"),
    "restored": gettext_lazy("Restored %s answers from this device: %s"),
    "discardedOne": gettext_lazy("Discarded the answer kept on this device (%s): the saved one is shown"),
    "discarded": gettext_lazy("Discarded %s answers kept on this device (%s): the saved ones are shown"),
    "keptMine": gettext_lazy("%s: your version kept"),
    "tookTheirs": gettext_lazy("%s: the saved version is back"),
    "conflictOne": gettext_lazy("Not saved — %s was changed elsewhere: choose which version to keep"),
    "conflictMany": gettext_lazy("Not saved — %s were changed elsewhere: choose which versions to keep"),
    # A save that could not be sent: what was typed is kept on this device (parta.js keepLocal) and sent by itself.
    "offlineKept": gettext_lazy(
        "Not saved yet — there is no connection. Your answers are kept on this device and saved by themselves "
        "when the connection is back: you can carry on."
    ),
    "unreachable": gettext_lazy(
        "Not saved yet — the portal cannot be reached just now. Your answers are kept on this device and sent "
        "again by themselves: you can carry on."
    ),
}


@register.simple_tag
def parta_strings(strings: dict) -> SafeString:
    """The strings parta.js shows, as JSON: the view's and the status line's."""
    return json_script({**strings, **STATUS_STRINGS}, "parta-i18n")


@register.simple_tag
def field_extras(name: str, warnings: list[str], conflicts: list) -> SafeString:
    """A field's identifier warnings (the box the autosave fills in too), then its conflict boxes."""
    notes = "".join(
        f'<p class="identifier-warning"><span class="visually-hidden">{escape(_("Warning:"))} </span>{escape(w)}</p>'
        for w in warnings
    )
    html = f'<div class="identifier-warnings" id="warnings-{escape(name)}" data-warnings-for="{escape(name)}">{notes}</div>'
    if conflicts:
        html += render_to_string("audits/parta/_conflicts.html", {"conflicts": conflicts})
    return mark_safe(html)  # every value above is escaped; the template escapes its own


@register.simple_tag
def standard_fieldset(item: dict) -> SafeString:
    """One standard of PartAReturnForm.section_rows: its legend, guidance, fields and extras."""
    standard = item["standard"]
    unsaved = f' data-unsaved="{escape(" ".join(item["unsaved"]))}"' if item["unsaved"] else ""
    guidance = (
        f'<details class="standard-guidance mb-2"><summary>{escape(_("Guidance for the auditor"))}</summary>'
        f'<p class="mb-0">{linebreaksbr(standard.guidance)}</p></details>'
        if standard.guidance
        else ""
    )
    return mark_safe(  # every value is escaped here, by linebreaksbr, or by plain_field_html and field_extras
        f'<fieldset class="standard" id="standard-{standard.pk}"{unsaved}>'
        f'<legend class="standard-legend"><span class="standard-code">{escape(standard.code)}</span> '
        f"{escape(standard.text)}</legend>{guidance}"
        f'<div class="row g-3"><div class="col-md-4">{item["grade"]["html"]}</div>'
        f'<div class="col-md-8">{item["evidence"]["html"]}</div></div>'
        f"{field_extras(item['evidence']['name'], item['warnings'], item['conflicts'])}</fieldset>"
    )


@register.simple_tag
def return_field(fields: dict, name: str) -> SafeString:
    """One of the return's own fields (PartAReturnForm.return_field_rows[name]) with its extras."""
    field = fields[name]
    unsaved = f' data-unsaved="{escape(name)}"' if field["unsaved"] else ""
    return mark_safe(  # plain_field_html and field_extras escape every value
        f"<div{unsaved}>{field['field']['html']}{field_extras(name, field['warnings'], field['conflicts'])}</div>"
    )


@register.simple_tag
def return_overdue(ret) -> bool:
    """Still awaited after its Part A due date (audits.selectors.parta.is_overdue, My returns' rule)."""
    from audits.selectors.parta import is_overdue

    return is_overdue(ret.audit, ret)
