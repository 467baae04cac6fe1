"""Helpers the Part A tests share."""

from audits.models import Answer, PartAReturn
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


def evidence_history(ret, standard) -> list[str]:
    """A standard's evidence in each version of the return's answer, oldest first."""
    return list(
        Answer.history.filter(part_a_return_id=ret.pk, standard_id=standard.pk)
        .order_by("history_date", "history_id")
        .values_list("evidence", flat=True)
    )


def return_history_of(ret, name: str) -> list[str]:
    """A field of the return in each of its versions, oldest first."""
    return list(
        PartAReturn.history.filter(id=ret.pk).order_by("history_date", "history_id").values_list(name, flat=True)
    )
