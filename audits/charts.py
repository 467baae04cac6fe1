"""Server-rendered SVG charts, embedded inline in pages and in briefing PDFs.

No script, no style attributes (the Content-Security-Policy forbids inline styles): presentation
attributes only. Every piece of text is escaped. Colour is never the only signal: each cell
writes its count, and every column is labelled with its grade.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from audits.grade_colours import PALETTE, grade_colour  # noqa: F401 (PALETTE: kept importable from here)
from audits.models import Audit, Grade
from audits.selectors.partb import GradeDistribution, grade_distribution

TEXT = "#212529"
MUTED = "#595959"
FONT = "Arial, Helvetica, sans-serif"

LABEL_WIDTH = 300
CELL = 28
GROUP_GAP = 10
ROW = 28
HEADER = 130
LEGEND = 40
PAD = 10


def grade_abbreviations(grades: list[Grade]) -> list[str]:
    """ "Requires improvement" → "RI"; the rank number when two grades would share initials."""
    initials = ["".join(word[0] for word in g.label.split() if word).upper() or str(g.rank) for g in grades]
    if len(set(initials)) < len(initials):
        return [str(g.rank) for g in grades]
    return initials


def _truncate(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _describe(dist: GradeDistribution) -> str:
    """The chart's text for screen readers: who gave grades (an agency with no involvement in any case, or
    whose returns graded nothing, is a column of empty cells and is not said to have given any), to how many
    standards, and the totals by grade."""
    totals = ", ".join(f"{grade.label} {n}" for grade, n in dist.totals_by_grade())
    giving = sum(1 for i in range(len(dist.agencies)) if any(cells[i].graded for _s, cells in dist.rows))
    who = _count(giving, "agency", "agencies")
    if giving != len(dist.agencies):
        who = f"{giving} of the {_count(len(dist.agencies), 'agency', 'agencies')}"
    return (
        f"Heatmap of the grades {who} gave to {_count(len(dist.rows), 'standard', 'standards')} across "
        f"the cases of {dist.audit.title}. Each cell shows, for one standard and one agency, how many cases "
        f"were graded at each step of the scale. {dist.total} graded answers in all: {totals}. "
        "The same figures are in the table that accompanies the chart."
    )


def _row_label(standard, y: int) -> str:
    """A row's standard: its code and text, cut short, with the whole of it as the row's tooltip (an open <g>)."""
    return (
        f"<g><title>{escape(f'{standard.code} {standard.text}')}</title>"
        f'<text x="{PAD}" y="{y + ROW / 2 + 4:.0f}" fill="{TEXT}">'
        f"{escape(_truncate(f'{standard.code} {standard.text}', 44))}</text>"
    )


def heatmap_key(dist: GradeDistribution) -> list[dict[str, str]]:
    """The chart's key, for the page to show above it (and keep in view while it is scrolled): each step of
    the scale, best first, with its abbreviation (the chart's columns), its name and its colour."""
    steps = len(dist.grades)
    return [
        {"abbreviation": abbr, "label": grade.label, "colour": grade_colour(i, steps)}
        for i, (grade, abbr) in enumerate(zip(dist.grades, grade_abbreviations(dist.grades), strict=True))
    ]


def render_heatmap_svg(dist: GradeDistribution, *, key: bool = True) -> SafeString:
    """The chart, with its key at its top; `key=False` (the page, which shows heatmap_key above the chart and
    keeps it in view while the chart is scrolled): without it, the chart starting at its column headers."""
    grades, agencies = dist.grades, dist.agencies
    abbreviations = grade_abbreviations(grades)
    steps = len(grades)
    legend = LEGEND if key else 0
    group = max(steps, 1) * CELL + GROUP_GAP
    width = PAD * 2 + LABEL_WIDTH + max(len(agencies), 1) * group
    height = PAD * 2 + legend + HEADER + max(len(dist.rows), 1) * ROW
    peak = max((n for _s, cells in dist.rows for cell in cells for n in cell.counts), default=0)
    uid = f"heatmap-{dist.audit.pk}"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap-svg" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="12">',
        f'<title id="{uid}-title">{escape("Grades by standard and agency: " + dist.audit.title)}</title>',
        f'<desc id="{uid}-desc">{escape(_describe(dist))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    # Legend: a swatch, the abbreviation and the grade's full name, for every step of the scale (heatmap_key,
    # as the page shows it above the chart).
    x = PAD
    for step in heatmap_key(dist) if key else ():
        label = f"{step['abbreviation']} = {step['label']}"
        out.append(
            f'<rect x="{x}" y="{PAD}" width="16" height="16" fill="{step["colour"]}" stroke="{TEXT}" '
            f'stroke-width="0.5"/><text x="{x + 22}" y="{PAD + 13}" fill="{TEXT}">{escape(label)}</text>'
        )
        x += 36 + 7 * len(label)
    top = PAD + legend
    # Column headers: the agency (slanted, to fit) and, under it, one column per grade.
    for a, agency in enumerate(agencies):
        gx = PAD + LABEL_WIDTH + a * group
        cx = gx + (steps * CELL) / 2
        out.append(
            f'<text x="{cx:.0f}" y="{top + HEADER - 30}" fill="{TEXT}" font-weight="bold" '
            f'transform="rotate(-35 {cx:.0f} {top + HEADER - 30})">{escape(_truncate(agency.short_name, 22))}'
            f"<title>{escape(agency.name)}</title></text>"
        )
        for g, abbr in enumerate(abbreviations):
            out.append(
                f'<text x="{gx + g * CELL + CELL / 2:.0f}" y="{top + HEADER - 8}" fill="{TEXT}" '
                f'text-anchor="middle" font-size="11">{escape(abbr)}</text>'
            )
    y0 = top + HEADER
    if not dist.rows or not agencies:
        out.append(f'<text x="{PAD}" y="{y0 + 18}" fill="{TEXT}">{escape("No graded standards yet.")}</text>')
    for r, (standard, cells) in enumerate(dist.rows):
        y = y0 + r * ROW
        out.append(_row_label(standard, y))
        for a, cell in enumerate(cells):
            gx = PAD + LABEL_WIDTH + a * group
            for g, count in enumerate(cell.counts):
                cx = gx + g * CELL
                if count:
                    opacity = 0.3 + 0.7 * count / peak
                    fill = f'fill="{grade_colour(g, steps)}" fill-opacity="{opacity:.2f}"'
                else:
                    fill = 'fill="#ffffff"'
                out.append(
                    f'<rect x="{cx}" y="{y + 2}" width="{CELL - 2}" height="{ROW - 4}" {fill} '
                    f'stroke="#adb5bd" stroke-width="0.5"/>'
                    f'<text x="{cx + (CELL - 2) / 2:.0f}" y="{y + ROW / 2 + 4:.0f}" text-anchor="middle" '
                    f'fill="{TEXT if count else MUTED}">{count}</text>'
                )
        out.append("</g>")
    out.append("</svg>")
    # Every interpolated text went through escape(); numbers and colours are our own.
    return mark_safe("".join(out))  # noqa: S308


def render_heatmap_labels_svg(dist: GradeDistribution, *, key: bool = True) -> SafeString:
    """The chart's column of standards again, from below its key to its foot, on white, to lie over the chart's
    own at its left (the page only, in large type: it stays there while the chart scrolls sideways under it).
    Hidden from screen readers, which have the chart's own; "" when the chart has no rows of cells. `key`: as
    the chart's it lies over."""
    if not dist.rows or not dist.agencies:
        return mark_safe("")
    width = PAD + LABEL_WIDTH
    top = PAD + (LEGEND if key else 0)
    height = HEADER + len(dist.rows) * ROW + PAD  # the chart's height below its key
    y0 = top + HEADER
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap-labels" aria-hidden="true" focusable="false" '
        f'viewBox="0 {top} {width} {height}" width="{width}" height="{height}" font-family="{FONT}" font-size="12">',
        f'<rect x="0" y="{top}" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for r, (standard, _cells) in enumerate(dist.rows):
        out.append(_row_label(standard, y0 + r * ROW) + "</g>")
    out.append("</svg>")
    # As the chart's: every interpolated text went through escape().
    return mark_safe("".join(out))  # noqa: S308


def heatmap_svg(audit: Audit) -> SafeString:
    """The audit's standards × agencies grade distribution as an inline SVG (a str, safe markup)."""
    return render_heatmap_svg(grade_distribution(audit))


# --- Insights (additive): theme trends and an agency's grades by journey stage ------------------

TREND_COLOURS = {
    "strength": "#4caf50",
    "improving": "#aed581",
    "mixed": "#ffd54f",
    "area": "#ffb74d",
    "recurring": "#e57373",
}
TREND_LABEL_WIDTH = 260
TREND_COLUMN = 64
TREND_ROW = 28


def _svg_open(uid: str, width: int, height: int, title: str, desc: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="12">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def describe_trends(trends) -> str:
    from audits.selectors.insights import RECURRING

    if not trends.rows:
        return "No finding of these audits is tagged with a theme from the shared list yet."
    counts = ", ".join(f"{label} {n}" for _s, label, n in trends.totals if n)
    recurring = sorted({row.risk_factor.name for row in trends.rows for c in row.cells if c.status == RECURRING})
    years = f"{trends.years[0]} to {trends.years[-1]}" if len(trends.years) > 1 else str(trends.years[0])
    text = (
        f"Grid of {len(trends.rows)} themes (rows) by year (columns), {years}. Each cell names the theme's status "
        f"that year with a letter: S strength, I improving, S+A strength and area for improvement, "
        f"A area for improvement, R recurring area for improvement; blank when no strength or area for "
        f"improvement was tagged with it. "
        f"Cells: {counts}."
    )
    if recurring:
        text += f" Recurring: {', '.join(recurring)}."
    return text + " The same figures are in the table that accompanies the chart."


def trends_svg(trends, *, uid: str = "trends") -> SafeString:
    """Theme × year grid: each cell coloured by status and labelled with its letter code."""
    from audits.selectors.insights import TREND_CODES, TREND_LABELS, TREND_ORDER

    columns = max(len(trends.years), 1)
    legend = [f"{TREND_CODES[status]} = {TREND_LABELS[status]}" for status in TREND_ORDER]
    legend_width = max(sum(36 + 7 * len(label) for label in part) for part in (legend[:3], legend[3:]))
    width = PAD * 2 + max(TREND_LABEL_WIDTH + columns * TREND_COLUMN, legend_width)
    legend_rows = 2
    top = PAD + legend_rows * 22 + 8
    height = top + 26 + max(len(trends.rows), 1) * TREND_ROW + PAD
    out = _svg_open(
        uid,
        width,
        height,
        "Theme trends by year" + (f": {trends.theme}" if trends.theme else ""),
        describe_trends(trends),
        "trends-svg",
    )
    # Legend: swatch, letter and meaning, in two rows so it fits narrow grids too.
    x, y = PAD, PAD
    for i, (status, label) in enumerate(zip(TREND_ORDER, legend, strict=True)):
        if i == 3:
            x, y = PAD, PAD + 22
        out.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" fill="{TREND_COLOURS[status]}" stroke="{TEXT}" '
            f'stroke-width="0.5"/><text x="{x + 22}" y="{y + 13}" fill="{TEXT}">{escape(label)}</text>'
        )
        x += 36 + 7 * len(label)
    for c, year in enumerate(trends.years):
        cx = PAD + TREND_LABEL_WIDTH + c * TREND_COLUMN + TREND_COLUMN / 2
        out.append(
            f'<text x="{cx:.0f}" y="{top + 16}" fill="{TEXT}" font-weight="bold" text-anchor="middle">{year}</text>'
        )
    y0 = top + 26
    if not trends.rows:
        out.append(f'<text x="{PAD}" y="{y0 + 18}" fill="{TEXT}">{escape("No tagged findings yet.")}</text>')
    for r, row in enumerate(trends.rows):
        y = y0 + r * TREND_ROW
        out.append(
            f"<g><title>{escape(row.risk_factor.name)}</title>"
            f'<text x="{PAD}" y="{y + TREND_ROW / 2 + 4:.0f}" fill="{TEXT}">'
            f"{escape(_truncate(row.risk_factor.name, 38))}</text>"
        )
        for c, cell in enumerate(row.cells):
            cx = PAD + TREND_LABEL_WIDTH + c * TREND_COLUMN
            fill = TREND_COLOURS.get(cell.status or "", "#ffffff")
            out.append(
                f'<rect x="{cx + 1}" y="{y + 2}" width="{TREND_COLUMN - 2}" height="{TREND_ROW - 4}" fill="{fill}" '
                f'stroke="#adb5bd" stroke-width="0.5"><title>{escape(f"{row.risk_factor.name}, {cell.year}: ")}'
                f"{escape(cell.label or 'not mentioned')}</title></rect>"
            )
            if cell.status:
                out.append(
                    f'<text x="{cx + TREND_COLUMN / 2:.0f}" y="{y + TREND_ROW / 2 + 4:.0f}" fill="{TEXT}" '
                    f'text-anchor="middle" font-weight="bold">{escape(cell.code)}</text>'
                )
        out.append("</g>")
    out.append("</svg>")
    # Every interpolated text went through escape(); numbers and colours are our own.
    return mark_safe("".join(out))  # noqa: S308


STAGE_BAR = 360
STAGE_LABEL = 150
STAGE_ROW = 24


def describe_stage_distribution(profile) -> str:
    if not profile.graded:
        return f"No graded Part A answers from {profile.agency.name} yet."
    parts = []
    for stage in profile.stages:
        for year, counts, _total in stage.rows:
            detail = ", ".join(f"{label} {n}" for label, n in zip(profile.grade_labels, counts, strict=True))
            parts.append(f"{stage.stage} {year}: {detail}")
    return (
        f"Stacked bars of the grades {profile.agency.name} gave in its Part A returns, by journey stage and year. "
        + "; ".join(parts)
        + ". The same figures are in the table that accompanies the chart."
    )


def stage_distribution_svg(profile, *, uid: str = "stages") -> SafeString:
    """For each journey stage, one bar per year split by grade (best first), each part labelled with its count."""
    # Each grade in the colour of its place on its own scale (as on the Part B heatmap), not of its
    # place among the grades this agency happened to give.
    colours = [grade_colour(position, steps) for position, steps in profile.grade_positions]
    width = PAD * 2 + STAGE_LABEL + 60 + STAGE_BAR
    lines = sum(1 + len(stage.rows) for stage in profile.stages) or 1
    height = PAD * 2 + LEGEND + lines * STAGE_ROW
    out = _svg_open(
        uid,
        width,
        height,
        f"Grades by journey stage and year: {profile.agency.name}",
        describe_stage_distribution(profile),
        "stages-svg",
    )
    x = PAD
    for i, label in enumerate(profile.grade_labels):
        out.append(
            f'<rect x="{x}" y="{PAD}" width="16" height="16" fill="{colours[i]}" stroke="{TEXT}" '
            f'stroke-width="0.5"/><text x="{x + 22}" y="{PAD + 13}" fill="{TEXT}">{escape(label)}</text>'
        )
        x += 36 + 7 * len(label)
    y = PAD + LEGEND
    if not profile.stages:
        out.append(f'<text x="{PAD}" y="{y + 16}" fill="{TEXT}">{escape("No graded answers yet.")}</text>')
    for stage in profile.stages:
        out.append(f'<text x="{PAD}" y="{y + 16}" fill="{TEXT}" font-weight="bold">{escape(stage.stage)}</text>')
        y += STAGE_ROW
        for year, counts, total in stage.rows:
            out.append(f'<text x="{PAD + STAGE_LABEL}" y="{y + 15}" fill="{TEXT}">{year}</text>')
            bx = PAD + STAGE_LABEL + 60
            for i, n in enumerate(counts):
                if not n:
                    continue
                w = STAGE_BAR * n / total
                out.append(
                    f'<rect x="{bx:.1f}" y="{y + 2}" width="{w:.1f}" height="{STAGE_ROW - 6}" '
                    f'fill="{colours[i]}" stroke="#ffffff" stroke-width="1">'
                    f"<title>{escape(f'{stage.stage} {year}: {profile.grade_labels[i]} {n}')}</title></rect>"
                )
                if w >= 18:
                    out.append(f'<text x="{bx + w / 2:.1f}" y="{y + 15}" fill="{TEXT}" text-anchor="middle">{n}</text>')
                bx += w
            y += STAGE_ROW
    out.append("</svg>")
    # Every interpolated text went through escape(); numbers and colours are our own.
    return mark_safe("".join(out))  # noqa: S308
