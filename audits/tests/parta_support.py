"""Helpers the Part A tests share."""

from audits.models import PartAReturn
from audits.selectors.parta import evidence_field, grade_field


def load(pk: int) -> PartAReturn:
    """A return as the Part A pages load it, read afresh."""
    return PartAReturn.objects.select_related("audit", "case", "agency", "tool_version").get(pk=pk)


def complete(layout, **overrides) -> dict:
    """A whole return's changes: every standard graded (the scale's second step) with evidence, and an
    overall grade; `overrides` replace any of them."""
    good = layout.grades[1]
    changes = {"overall_grade": str(good.pk)}
    for standard in layout.standards:
        changes[grade_field(standard.pk)] = str(good.pk)
        changes[evidence_field(standard.pk)] = f"Evidence for {standard.code}."
    changes.update(overrides)
    return changes
