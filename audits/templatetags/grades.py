"""`{{ grade|grade_tone:grades }}`: the class that colours a grade by its position in its scale.
`{{ grades|described }}`: those of them that say what they mean (audits/_grade_meanings.html).

`grades` is the scale's grades in rank order (a layout's or a board's, already read: no query).
The same rule as the charts (audits.grade_colours), whatever the grades' codes.
"""

from __future__ import annotations

from django import template

from audits.grade_colours import grade_tone_class

register = template.Library()


@register.filter
def grade_tone(grade, grades) -> str:
    """'grade-tone-N', or '' for no grade or a grade not of `grades`."""
    if grade is None or not grades:
        return ""
    grades = list(grades)
    for position, step in enumerate(grades):
        if step.pk == grade.pk:
            return grade_tone_class(position, len(grades))
    return ""


@register.filter
def described(grades) -> list:
    """The grades of `grades` that say what they mean (Grade.description), in their order: "What the grades
    mean" is shown only when there are any."""
    return [grade for grade in grades or () if grade.description.strip()]
