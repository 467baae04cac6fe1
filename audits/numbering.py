"""Rows numbered by hand (a stage's or a standard's order, a grade's rank, a case's order) are stored as
PositiveSmallIntegerFields: no number can be higher than 32767, the database refusing it with a server
error. What numbers a row after the others (Planning's rows left empty, a spreadsheet's stages and
standards) asks here first, and refuses, saying why and what to do, rather than pass it."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.utils.translation import gettext as _


def highest_number(model, name: str) -> int | None:
    """The highest number `model`'s field `name` holds (None: no limit)."""
    field = model._meta.get_field(name)
    return min((v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)), default=None)


def _past(model, name: str, top: int, count: int) -> dict | None:
    highest = highest_number(model, name)
    if highest is None or top + count <= highest:
        return None
    return {"field": model._meta.get_field(name).verbose_name, "top": top, "highest": highest}


def past_highest_left_empty(model, name: str, top: int, count: int = 1) -> str | None:
    """Why `count` new rows whose `name` is left empty cannot go after the others, numbered up to `top`
    (None: they can)."""
    said = _past(model, name, top, count)
    if said is None:
        return None
    return (
        _(
            "A new row whose %(field)s is left empty goes after the others, but they are already numbered "
            "up to %(top)s and no %(field)s can be higher than %(highest)s: give it its %(field)s, or number "
            "the others lower."
        )
        % said
    )


def past_highest_in_a_sheet(model, name: str, top: int, what: str) -> str | None:
    """Why a spreadsheet's row cannot add `what` (a stage, a standard) after the others, numbered up to
    `top` (None: it can)."""
    said = _past(model, name, top, 1)
    if said is None:
        return None
    return _(
        "%(what)s goes after the others, but they are already numbered up to %(top)s and no %(field)s can be "
        "higher than %(highest)s: number the others lower on their page, then check the sheet again."
    ) % (said | {"what": what})
