"""The colour of a grade: by its position in its own scale, never by its code.

One rule for every page, chart and PDF: a grade at `position` (0 for the best) of a scale of
`steps` grades takes tone `round(position * 6 / (steps - 1))` of seven tones, from the best (0)
to the worst (6). Each grade of a scale of up to seven grades has a tone of its own; a scale of
four (Outstanding, Good, Requires improvement, Inadequate) takes tones 0, 2, 4 and 6, and a scale
of three or five the middle tone 3. (`round` halves to even: 1.5 → 2, 4.5 → 4.)

The charts fill with PALETTE; the pages and the briefing colour a text cell with the tone's class,
`grade-tone-N` (static/css/app.css and briefing-pdf.css), a pale tint of the same order under dark
text (#212529). Colour is never the only signal: the grade's label is always written.
"""

from __future__ import annotations

# From the best tone to the worst. Dark text (#212529) on any of these, at any opacity over
# white, stays above a 4.5:1 contrast ratio (audits/tests/test_grade_colours.py checks it).
PALETTE = ["#4caf50", "#7dc268", "#aed581", "#ffd54f", "#ffb74d", "#f29560", "#e57373"]
# The page and briefing tints of the same tones (as in the CSS): tones 0, 2, 4 and 6 are the
# four-grade Ofsted colours the pages always had.
TINTS = ["#d1e7dd", "#d9ebdb", "#e2f0d9", "#f0f2d3", "#fff3cd", "#fce5d4", "#f8d7da"]
TONES = len(PALETTE)


def grade_tone(position: int, steps: int) -> int:
    """The tone (0 best … 6 worst) of the grade at `position` (0 for the best) of a scale of `steps`."""
    if steps <= 1:
        return 0
    position = min(max(position, 0), steps - 1)
    return round(position * (TONES - 1) / (steps - 1))


def grade_colour(position: int, steps: int) -> str:
    return PALETTE[grade_tone(position, steps)]


def grade_tone_class(position: int, steps: int) -> str:
    return f"grade-tone-{grade_tone(position, steps)}"


def tone_classes(grades) -> dict[int, str]:
    """{grade pk: its tone's class} for a scale's grades, in rank order (best first)."""
    grades = list(grades)
    return {grade.pk: grade_tone_class(i, len(grades)) for i, grade in enumerate(grades)}
