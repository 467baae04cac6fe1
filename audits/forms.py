"""Part A forms: the return form generated from a tool version, and the review actions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from audits.models import AnswerType
from audits.selectors.parta import (
    BOOLEAN_FIELDS,
    NOT_APPLICABLE,
    RETURN_FIELD_LABELS,
    TEXT_FIELDS,
    ToolLayout,
    evidence_field,
    grade_field,
)


def _normalise_text(value: str) -> str:
    # Browsers post textarea line breaks as CRLF and JavaScript reads them as LF: store one form,
    # so that the same text typed through either path compares equal. Nothing else is touched.
    return value.replace("\r\n", "\n").replace("\r", "\n")


class PartATextField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        kwargs.setdefault("max_length", settings.PART_A_MAX_TEXT)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return _normalise_text(super().to_python(value))


class PartAReturnForm(forms.Form):
    """The whole return: one grade and one evidence box per standard, then the return's own fields.

    Every field is optional here: a draft may be partial. What a submission needs is checked on
    the saved state (selectors.parta.submission_errors), so that a failed submission still saves.
    """

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, layout: ToolLayout, only: Iterable[str] | None = None, **kwargs: Any) -> None:
        """`only`: the fields to have (and the version), for validating a partial save such as an autosave."""
        super().__init__(*args, **kwargs)
        self.layout = layout
        wanted = None if only is None else {*only, "version"}
        grade_choices = [(str(g.pk), g.label) for g in layout.grades]
        invalid_grade = _("Choose a grade from this tool's scale, or Not applicable.")
        for standard in layout.standards:
            grade_name, evidence_name = grade_field(standard.pk), evidence_field(standard.pk)
            if wanted is None or grade_name in wanted:
                choices = [("", _("Choose…"))]
                if standard.answer_type == AnswerType.GRADE:
                    choices += grade_choices
                choices.append((NOT_APPLICABLE, _("Not applicable")))
                self.fields[grade_name] = forms.ChoiceField(
                    label=_("Grade"), required=False, choices=choices, error_messages={"invalid_choice": invalid_grade}
                )
            if wanted is None or evidence_name in wanted:
                self.fields[evidence_name] = PartATextField(label=_("Evidence"))
        self.fields["strengths"] = PartATextField(label=RETURN_FIELD_LABELS["strengths"])
        self.fields["improvements"] = PartATextField(label=RETURN_FIELD_LABELS["improvements"])
        if wanted is None or "risk_factors" in wanted:  # the taxonomy is read only if needed
            self.fields["risk_factors"] = forms.MultipleChoiceField(
                label=RETURN_FIELD_LABELS["risk_factors"],
                required=False,
                choices=[(str(rf.pk), rf.name) for rf in layout.risk_factors],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": _("%(value)s is not a risk factor of the shared taxonomy.")},
            )
        self.fields["overall_grade"] = forms.ChoiceField(
            label=RETURN_FIELD_LABELS["overall_grade"],
            required=False,
            choices=[("", _("Choose…")), *grade_choices],
            error_messages={"invalid_choice": _("Choose a grade from this tool's scale.")},
        )
        self.fields["no_involvement"] = forms.BooleanField(label=RETURN_FIELD_LABELS["no_involvement"], required=False)
        self.fields["no_involvement_reason"] = PartATextField(
            label=RETURN_FIELD_LABELS["no_involvement_reason"],
            help_text=_("For example: the young person was not known to the service during the period audited."),
        )
        self.fields["identifiers_confirmed"] = forms.BooleanField(
            label=RETURN_FIELD_LABELS["identifiers_confirmed"], required=False
        )
        if wanted is not None:
            for name in [name for name in self.fields if name not in wanted]:
                del self.fields[name]
        for name, form_field in self.fields.items():
            if isinstance(form_field, PartATextField):
                # The identifier warnings next to a text box describe it (templates/audits/parta/_field_extras.html).
                form_field.widget.attrs["aria-describedby"] = f"warnings-{name}"

    # --- Rendering helpers: the template walks the tool's sections, not a flat list of fields.

    def section_rows(
        self, warnings: dict[str, list[str]], conflicts: dict[str, Any], unsaved: set[str]
    ) -> list[dict[str, Any]]:
        rows = []
        for section in self.layout.sections:
            items = []
            for standard in section.standards:
                grade_name, evidence_name = grade_field(standard.pk), evidence_field(standard.pk)
                items.append(
                    {
                        "standard": standard,
                        "grade": self.plain_field(grade_name),
                        "evidence": self.plain_field(evidence_name),
                        "warnings": warnings.get(evidence_name, []),
                        "conflicts": [conflicts[n] for n in (grade_name, evidence_name) if n in conflicts],
                        "unsaved": [n for n in (grade_name, evidence_name) if n in unsaved],
                    }
                )
            rows.append({"section": section.section, "items": items})
        return rows

    def plain_field(self, name: str) -> dict[str, Any]:
        """What templates/audits/parta/_plain_field.html needs to write one field by hand.

        Rendering the fields through crispy-forms took about two thirds of the page's time (two fields
        per standard), so they are written directly, with the markup crispy-forms' bootstrap5 pack wrote.
        """
        bound = self[name]
        form_field = bound.field
        value = bound.value()
        plain = {
            "name": name,
            "id": bound.auto_id,
            "label": bound.label,
            "errors": self.errors.get(name, []),
            "help_text": form_field.help_text,
        }
        if isinstance(form_field, forms.BooleanField):
            plain.update(kind="checkbox", checked=bool(value))
        elif isinstance(form_field, forms.MultipleChoiceField):
            chosen = {str(v) for v in value or []}
            plain.update(
                kind="checkboxes",
                options=[
                    {"value": v, "label": label, "id": f"{bound.auto_id}_{i}", "checked": str(v) in chosen}
                    for i, (v, label) in enumerate(form_field.choices)
                ],
            )
        elif isinstance(form_field, forms.ChoiceField):
            plain.update(kind="select", value="" if value is None else str(value), choices=form_field.choices)
        else:
            plain.update(kind="textarea", value="" if value is None else str(value), max_length=form_field.max_length)
        return plain

    def return_field_rows(
        self, warnings: dict[str, list[str]], conflicts: dict[str, Any], unsaved: set[str]
    ) -> dict[str, dict[str, Any]]:
        names = (
            "strengths",
            "improvements",
            "risk_factors",
            "overall_grade",
            "no_involvement",
            "no_involvement_reason",
        )
        return {
            name: {
                "field": self.plain_field(name),
                "warnings": warnings.get(name, []),
                "conflicts": [conflicts[name]] if name in conflicts else [],
                "unsaved": [name] if name in unsaved else [],
            }
            for name in names
        }

    def error_summary(self) -> list[dict[str, str]]:
        """Each error with a link target, for the summary at the top of the page."""
        if not self.is_bound:
            return []
        summary = []
        for name, errors in self.errors.items():
            if name == "__all__":
                summary += [{"id": "", "label": "", "message": str(e)} for e in errors]
                continue
            target = self[name].auto_id
            if name == "risk_factors":
                target += "_0"
            summary += [{"id": target, "label": self.layout.field_label(name), "message": str(e)} for e in errors]
        return summary

    @property
    def answer_field_names(self) -> list[str]:
        return [name for name in self.fields if name != "version"]

    def changes(self, only: Iterable[str] | None = None) -> dict[str, Any]:
        """The cleaned values as a state (see selectors.parta), limited to `only` when given."""
        names = self.answer_field_names if only is None else [n for n in only if n in self.fields and n != "version"]
        values: dict[str, Any] = {}
        for name in names:
            value = self.cleaned_data.get(name)
            if name == "risk_factors":
                values[name] = sorted(value or [])
            elif name in BOOLEAN_FIELDS:
                values[name] = bool(value)
            else:
                values[name] = value or ""
        return values


def state_to_data(state: Mapping[str, Any], version: int) -> MultiValueDict:
    """Form data (as a browser would post it) for a state: to re-render a merged form."""
    data = MultiValueDict({"version": [str(version)]})
    for name, value in state.items():
        if name == "risk_factors":
            data.setlist(name, list(value))
        elif name in BOOLEAN_FIELDS:
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


class AutosaveError(ValueError):
    pass


def autosave_data(payload: Any, form_fields: Iterable[str]) -> tuple[MultiValueDict, list[str]]:
    """Turn an autosave JSON body ({"version": n, "fields": {...}}) into form data and the names sent.

    Raises AutosaveError with a message a person can read for anything malformed or unknown.
    """
    if not isinstance(payload, dict):
        raise AutosaveError(_("The request body must be a JSON object."))
    unknown_keys = set(payload) - {"version", "fields"}
    if unknown_keys:
        raise AutosaveError(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown_keys))})
    version = payload.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise AutosaveError(_("“version” must be the whole number of the version your answers are based on."))
    fields = payload.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise AutosaveError(_("“fields” must be an object holding at least one field."))
    known = set(form_fields) - {"version"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise AutosaveError(
            _("Unknown fields: %(fields)s. They are not part of this return's audit tool.")
            % {"fields": ", ".join(unknown[:10])}
        )
    data = MultiValueDict({"version": [str(version)]})
    for name, value in fields.items():
        if name == "risk_factors":
            if not isinstance(value, list) or not all(
                isinstance(v, str | int) and not isinstance(v, bool) for v in value
            ):
                raise AutosaveError(_("“risk_factors” must be a list of risk factor ids."))
            data.setlist(name, [str(v) for v in value])
        elif name in BOOLEAN_FIELDS:
            if not isinstance(value, bool):
                raise AutosaveError(_("“%(name)s” must be true or false.") % {"name": name})
            if value:
                data[name] = "on"
        elif isinstance(value, str):
            data[name] = value
        elif isinstance(value, int) and not isinstance(value, bool) and name.endswith("grade"):
            data[name] = str(value)
        else:
            raise AutosaveError(_("“%(name)s” must be text.") % {"name": name})
    return data, list(fields)


# --- Review ---------------------------------------------------------------------------------------


class ReviewAction:
    SEND_BACK = "send_back"
    ACCEPT = "accept"
    UNLOCK = "unlock"
    CHOICES = [(SEND_BACK, _("Return for amendment")), (ACCEPT, _("Accept")), (UNLOCK, _("Unlock"))]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=ReviewAction.CHOICES, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment for the auditor"),
        required=False,
        max_length=settings.PART_A_MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in (ReviewAction.SEND_BACK, ReviewAction.UNLOCK) and not (cleaned.get("comment") or "").strip():
            message = (
                _("Say what needs amending: the auditor reads this comment.")
                if action == ReviewAction.SEND_BACK
                else _("Give the reason for unlocking this return.")
            )
            self.add_error("comment", message)
        return cleaned


def _review_form(action: str, **kwargs: Any) -> ReviewForm:
    # Several of these forms share a page: each gets its own element ids.
    form = ReviewForm(auto_id=f"id_{action}_%s", **kwargs)
    if action == ReviewAction.UNLOCK:
        form.fields["comment"].label = _("Reason for unlocking")
    return form


def bound_review_form(data: Mapping[str, Any]) -> ReviewForm:
    action = data.get("action")
    return _review_form(action if action in dict(ReviewAction.CHOICES) else "review", data=data)


def review_forms(version: int, bound: ReviewForm | None = None) -> dict[str, ReviewForm]:
    """One small form per action, the bound one (with its errors) in place of its blank twin."""
    forms_by_action = {
        action: _review_form(action, initial={"action": action, "version": version})
        for action, _label in ReviewAction.CHOICES
    }
    if bound is not None and bound.data.get("action") in forms_by_action:
        forms_by_action[bound.data["action"]] = bound
    return forms_by_action


__all__ = [
    "AutosaveError",
    "PartAReturnForm",
    "ReviewAction",
    "ReviewForm",
    "TEXT_FIELDS",
    "autosave_data",
    "bound_review_form",
    "review_forms",
    "state_to_data",
]
