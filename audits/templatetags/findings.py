"""What the findings page prints for each finding besides its text — the citations, and the actions
(move up and down, edit, delete) — built in Python: as template code (three URLs, two forms with
CSRF tokens, four translated labels and three loops per finding) they were a third of the page's
time for an audit's thirty-odd findings."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from audits.templatetags.boards import url_for_pks

register = template.Library()


@register.simple_tag(takes_context=True)
def finding_actions(context, finding, forloop, items) -> SafeString:
    """`items`: the list the finding is in, as shown: its move form posts the finding's place and its
    neighbours, for a move from a page overtaken by another tab's to be refused (FindingMoveForm)."""
    slug, n, pk = context["audit"].slug, forloop["counter"], str(finding.pk)
    above = items[n - 2].pk if not forloop["first"] else ""
    below = items[n].pk if not forloop["last"] else ""
    urls = context.render_context.get("finding_urls")
    if urls is None:  # reversed once a page, not three times a finding
        urls = context.render_context["finding_urls"] = {
            name: url_for_pks(f"audits:finding_{name}", slug) for name in ("move", "edit", "delete")
        }
    return format_html(
        '<div class="d-flex flex-nowrap gap-1 no-print finding-actions">'
        '<form method="post" action="{move}" class="d-flex gap-1">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<input type="hidden" name="place" value="{n}">'
        '<input type="hidden" name="above" value="{above}">'
        '<input type="hidden" name="below" value="{below}">'
        '<button type="submit" name="direction" value="up" class="btn btn-outline-secondary btn-sm"{up_disabled}>'
        '↑<span class="visually-hidden"> {up}</span></button>'
        '<button type="submit" name="direction" value="down" class="btn btn-outline-secondary btn-sm"{down_disabled}>'
        '↓<span class="visually-hidden"> {down}</span></button></form>'
        '<a class="btn btn-outline-primary btn-sm" href="{edit}">{edit_label}'
        '<span class="visually-hidden"> {item}</span></a>'
        '<form method="post" action="{delete}" data-confirm="{confirm}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<button type="submit" class="btn btn-outline-danger btn-sm">{delete_label}'
        '<span class="visually-hidden"> {item}</span></button></form>'
        "</div>",
        move=pk.join(urls["move"]),
        csrf=context["csrf_token"],
        n=n,
        above=above,
        below=below,
        up_disabled=" disabled" if forloop["first"] else "",
        down_disabled=" disabled" if forloop["last"] else "",
        up=_("Move item %(n)s up") % {"n": n},
        down=_("Move item %(n)s down") % {"n": n},
        edit=pk.join(urls["edit"]),
        edit_label=_("Edit"),
        item=_("item %(n)s") % {"n": n},
        delete=pk.join(urls["delete"]),
        confirm=_("Delete this finding?"),
        delete_label=_("Delete"),
    )


@register.simple_tag
def finding_citations(finding) -> SafeString:
    """The finding's risk factors, and the cases and returns it cites (see findings_by_kind)."""
    html = SafeString()
    if finding.risk_factor_names:
        html += format_html('<div class="small">{} {}</div>', _("Risk factors:"), ", ".join(finding.risk_factor_names))
    if finding.case_references or finding.return_citations:
        # A case whose agency's return is cited too (a finding taken from the evidence board cites both)
        # is named once, with the agency: "Case 1 (CSW)", not "Case 1; Case 1 (CSW)".
        cases = [
            ref
            for ref in finding.case_references
            if not any(c.startswith(f"{ref} (") for c in finding.return_citations)
        ]
        cited = "; ".join(part for part in (", ".join(cases), ", ".join(finding.return_citations)) if part)
        html += format_html('<div class="small text-body-secondary">{} {}</div>', _("Evidence:"), cited)
    return html
