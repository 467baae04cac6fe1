"""The briefings library's rows, built in Python.

A page is twenty briefings, each with a link, a download button and its versions: through the
template engine (three reversed URLs, three translations and two date filters a row) they were
most of the page's time. `library_rows` writes the same markup, escaped the same way, with the
two URLs reversed once a page.
"""

from __future__ import annotations

from django import template
from django.utils import dateformat
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audits.templatetags.boards import url_for_pks

register = template.Library()


def _version_label(version) -> str:
    return _("Version %(n)s, %(date)s") % {
        "n": version.number,
        "date": dateformat.format(localtime(version.published_at), "j M Y") if version.published_at else "",
    }


def _read_mark(briefing) -> str:
    """What the reader has not read of the briefing (selectors.with_read_by), as a badge with the words: never
    downloaded, "New"; its newest version not downloaded but an earlier one was, "Corrected since you
    downloaded it"; its newest version downloaded, nothing."""
    if getattr(briefing, "latest_read", True):
        return ""
    if briefing.earlier_read:
        return format_html(
            ' <span class="badge read-badge read-badge-corrected" data-testid="read-mark">{}</span>',
            _("Corrected since you downloaded it"),
        )
    return format_html(' <span class="badge read-badge read-badge-new" data-testid="read-mark">{}</span>', _("New"))


@register.simple_tag
def library_rows(briefings) -> SafeString:
    """The <tr>s of the library table for `briefings`, each with its rendered versions, newest
    first, prefetched as `done_versions`."""
    page_url = url_for_pks("briefings:briefing_page")
    download_url = url_for_pks("briefings:download")
    # On a phone each row is stacked (app.css, .library-table): these cells say what they are.
    theme_label, year_label = _("Theme"), _("Year")
    rows = []
    for briefing in briefings:
        if not briefing.done_versions:  # the library lists only briefings with a rendered version
            continue
        latest, *earlier = briefing.done_versions
        audit = briefing.audit
        # As published (selectors.with_published_details), not the draft's title.
        title = getattr(latest, "published_title", None) or briefing.title
        details = _version_label(latest)
        if latest.pages:
            details += " · " + ngettext("%(pages)s page", "%(pages)s pages", latest.pages) % {"pages": latest.pages}
        row = [
            format_html(
                '<tr role="row" data-testid="library-row"><td role="cell"><a href="{}">{}</a>{}'
                '<div class="small text-body-secondary">{}</div></td>'
                '<td role="cell"><span class="badge edition-badge edition-badge-{}">{}</span></td>'
                '<td role="cell" data-label="{}">{}</td><td role="cell" data-label="{}">{}</td>'
                '<td role="cell"><a class="btn btn-sm btn-outline-primary" href="{}" data-testid="download-latest">{}'
                '<span class="visually-hidden">: {}</span></a>'
                '<div class="small text-body-secondary">{}</div>',
                str(briefing.pk).join(page_url),
                title,
                _read_mark(briefing),
                audit.title,
                briefing.edition,
                briefing.get_edition_display(),
                theme_label,
                audit.theme.name if audit.theme_id else "",
                year_label,
                audit.year,
                str(latest.pk).join(download_url),
                _("Download PDF"),
                title,
                details,
            )
        ]
        if earlier:
            items = "".join(
                f'<li><a href="{escape(str(v.pk).join(download_url))}">{escape(_version_label(v))}</a></li>'
                for v in earlier
            )
            row.append(
                f'<details class="small mt-1"><summary>{escape(_("Earlier versions"))}</summary>'
                f'<ul class="list-unstyled mb-0">{items}</ul></details>'
            )
        row.append("</td></tr>")
        rows.append("".join(row))
    return mark_safe("".join(rows))  # format_html and escape above escape every piece of text
