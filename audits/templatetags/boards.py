"""The evidence board's cells and promote buttons, and the progress dashboard's matrix cells,
built in Python.

A full board is 15 agencies × 40 standards = 600 cells; printing them through the template engine
(a loop, six variable lookups and a filter per cell) was most of the page's time. `board_row`
returns one standard's whole row (its heading, then `board_cells`) as one safe string, escaped
exactly as the template did (`{{ label }}`, `{{ evidence|linebreaksbr }}`).
"""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audits.selectors.partb import edit_marker, judgement_marker
from audits.services.partb import CONSENSUS_INVALID

register = template.Library()

register.filter("judgement_marker", judgement_marker)

# A number no primary key reaches, reversed in its place and then replaced by each row's own.
PK_SENTINEL = 918273645546372819


def url_for_pks(viewname: str, *args) -> tuple[str, str]:
    """reverse(viewname, args=[*args, pk]) for any pk, reversed once: the (before, after) around the
    pk, to be joined as str(pk).join(...)."""
    before, after = reverse(viewname, args=[*args, PK_SENTINEL]).split(str(PK_SENTINEL))
    return before, after


@register.simple_tag
def board_row(row) -> SafeString:
    """One standard's row of a stage's table: its code, text and difference mark, then each agency's
    cell. Any difference between the agencies' grades is said in words, not only by the grades'
    colours (a partnership's own scale may have none); two or more steps get the stronger mark."""
    opening, flag = "<tr>", ""
    if row.differs:
        label = ngettext("Grades differ by %(n)s step", "Grades differ by %(n)s steps", row.spread) % {"n": row.spread}
        if row.divergent:
            opening = '<tr class="row-differs row-divergent" data-grades-differ="true" data-divergent="true">'
            flag = f'<span class="divergence-flag d-block"><span aria-hidden="true">⚑ </span>{escape(label)}</span>'
        else:
            opening = '<tr class="row-differs" data-grades-differ="true">'
            flag = f'<span class="difference-flag d-block"><span aria-hidden="true">≠ </span>{escape(label)}</span>'
    standard = row.standard
    return mark_safe(  # every piece of text is escaped, here and in board_cells
        f'{opening}<th scope="row" class="board-standard-col"><span class="fw-semibold">{escape(standard.code)}</span> '
        f"{escape(standard.text)}{flag}</th>{board_cells(row)}</tr>"
    )


def board_cells(row) -> str:
    """The row's cells, one per agency, as HTML (every piece of text escaped)."""
    parts = []
    for cell in row.cells:
        parts.append(f'<td class="{escape(cell.css)}">')
        if cell.label:
            parts.append(f'<span class="{escape(cell.label_css)}">{escape(cell.label)}</span>')
        if cell.evidence:
            evidence = escape(cell.evidence.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")
            parts.append(f'<div class="evidence">{evidence}</div>')
        parts.append("</td>")
    return "".join(parts)  # every piece of text above is escaped


@register.simple_tag(takes_context=True)
def promote_form(context, account, field: str, kind: str, target: str) -> SafeString:
    """The "Promote to …" button for one agency's strengths or improvements, or a note that the
    text shown is already in that list. Four per agency on a board of fifteen: as an `{% include %}`
    (a URL, a CSRF token and two translations each) they cost more than the whole table. Each posts a
    marker of the text it shows (`shown`)."""
    # What the board shows of the text (an edit marker, no query; once for the text's two buttons): a
    # text changed since, in Part A, is refused rather than promoted unseen (services.partb.finding_promote).
    markers = context.render_context.setdefault("promote_markers", {})
    shown = markers.get((account.ret.pk, field))
    if shown is None:
        shown = markers[account.ret.pk, field] = edit_marker(getattr(account.ret, field))
    # Already in: this very text. A text changed in Part A since an earlier version was promoted (the
    # return was sent back and amended) can be promoted too, and the board says the earlier one is there.
    promoted = account.promoted.get(kind, set())
    if shown in promoted:
        note = _("Already in %(target)s") % {"target": target}
        return format_html('<p class="small mb-1 promoted-note">✓ {}</p>', note)
    earlier = SafeString()
    if promoted:
        earlier = format_html(
            '<p class="small mb-1 text-body-secondary earlier-promoted-note">{}</p>',
            _("An earlier version of this text is in %(target)s.") % {"target": target},
        )
    # One URL and one CSRF token a page, not one a button.
    url = context.render_context.get("promote_url")
    if url is None:
        url = context.render_context["promote_url"] = reverse("audits:finding_promote", args=[context["audit"].slug])
    return earlier + format_html(
        '<form method="post" action="{}" class="d-inline-block me-1 mb-1 no-print">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="part_a_return" value="{}">'
        '<input type="hidden" name="field" value="{}">'
        '<input type="hidden" name="kind" value="{}">'
        '<input type="hidden" name="shown" value="{}">'
        '<button type="submit" class="btn btn-outline-success btn-sm">{}'
        '<span class="visually-hidden"> ({})</span></button></form>',
        url,
        context["csrf_token"],
        account.ret.pk,
        field,
        kind,
        shown,
        _("Promote to %(target)s") % {"target": target},
        account.participant.agency.name,
    )


@register.simple_tag
def board_head(participants) -> SafeString:
    """The column headings of a stage's table: each agency's short name, with its full name for
    screen readers."""
    return mark_safe(  # escaped here
        "".join(
            f'<th scope="col">{escape(p.agency.short_name)}'
            f'<span class="visually-hidden"> ({escape(p.agency.name)})</span></th>'
            for p in participants
        )
    )


@register.simple_tag
def matrix_cells(cells, case, overdue_label: str, no_return_label: str) -> SafeString:
    """One row of the progress dashboard's cases × agencies matrix: each agency's return for the
    case, as a link to it. One URL is reversed per row and the returns' numbers put into it: 150
    reverse() calls were a fifth of the page's time."""
    parts = []
    url = None
    reference = escape(case.reference)
    for cell in cells:
        parts.append('<td class="is-overdue">' if cell.overdue else '<td class="">')
        if cell.ret is not None:
            if url is None:
                url = url_for_pks("audits:return_detail")
            parts.append(
                f'<a class="{escape(cell.css)}" href="{escape(str(cell.ret.pk).join(url))}">{escape(cell.label)}'
                f'<span class="visually-hidden"> ({reference}, {escape(cell.agency_short)})</span></a>'
            )
            if cell.overdue:
                parts.append(f'<span class="overdue d-block small">{escape(overdue_label)}</span>')
        else:
            parts.append(f'<span class="text-body-secondary">{escape(no_return_label)}</span>')
        parts.append("</td>")
    return mark_safe("".join(parts))  # every piece of text above is escaped


@register.inclusion_tag("audits/partb/_error_summary.html")
def error_summary(*forms, level: int = 2) -> dict:
    """What a Part B form (or the forms one <form> holds) could not save, listed at its start, each
    field's error linked to the field (GOV.UK's error summary): partb.js puts the focus there when the
    page comes back, so the person starts where they acted, not at the top of a long page."""
    items = []
    for form in forms:
        if form is None or not form.errors:
            continue
        items.extend({"text": error, "href": ""} for error in form.non_field_errors())
        for field in form:
            for error in field.errors:
                if field.is_hidden:
                    items.append({"text": error, "href": ""})
                else:
                    # A group of radios or tick boxes is labelled by its legend: link to its first box.
                    target = field.id_for_label or f"{field.auto_id}_0"
                    items.append({"text": f"{field.label}: {error}", "href": target})
    return {"items": items, "level": level}


@register.inclusion_tag("audits/partb/_error_summary.html")
def board_error_summary(board) -> dict:
    """error_summary for the evidence board, whose consensus fields are printed by hand
    (`_judgement.html`): each stage a save refused (its `entry`), linked to its grade, or to its
    reasons when the grade was taken and the text was not."""
    items = []
    for prefix, entry in [(s.prefix, s.entry) for s in board.stages] + [("overall", board.overall_entry)]:
        if entry is None:
            continue
        field = "reasons" if entry.outcome == CONSENSUS_INVALID and entry.grade is not None else "grade"
        items.append({"text": f"{capfirst(entry.label)}: {entry.error}", "href": f"id_{prefix}-{field}"})
    return {"items": items, "level": 2}
