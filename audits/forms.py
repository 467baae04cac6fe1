"""Part A forms: the return form generated from a tool version, and the review actions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from audits.forms_partb import TOO_LONG, LongTextField
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
        kwargs["error_messages"] = {"max_length": TOO_LONG, **kwargs.get("error_messages", {})}
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
                if standard.answer_type == AnswerType.GRADE:
                    label, choices = _("Grade"), [("", _("Choose…")), *grade_choices]
                else:
                    # An "Evidence only" standard has no grade: the field says only whether it applies
                    # (same name and values, for the autosave and parta.js: "" or NOT_APPLICABLE).
                    label, choices = _("Does this standard apply?"), [("", _("Yes: write the evidence"))]
                choices.append((NOT_APPLICABLE, _("Not applicable")))
                self.fields[grade_name] = forms.ChoiceField(
                    label=label, required=False, choices=choices, error_messages={"invalid_choice": invalid_grade}
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
                # The identifier warnings next to a text box describe it (audits.templatetags.parta_form.field_extras).
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
        """One field as plain values, and `html`: its markup (plain_field_html).

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
        plain["html"] = plain_field_html(plain)
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


def _errors_html(plain: dict[str, Any], tag: str) -> str:
    field_id = plain["id"]
    messages = "".join(
        f'<{tag} id="error_{n}_{field_id}"><strong>{escape(error)}</strong></{tag}>'
        for n, error in enumerate(plain["errors"], start=1)
    )
    return f'<div id="{field_id}_error" class="invalid-feedback">{messages}</div>'


def plain_field_html(plain: dict[str, Any]) -> SafeString:
    """The markup of one field of PartAReturnForm.plain_field: crispy-forms' bootstrap5 markup, written in Python.

    A Part A form has two fields per standard: through templates (crispy's, or an include per
    field) they were most of the page's time. Every value is escaped here; ids and names are the
    form's own. An error or help text is also named by the text box's aria-describedby.
    """
    field_id, name, errors = escape(plain["id"]), escape(plain["name"]), plain["errors"]
    invalid = " is-invalid" if errors else ""
    aria_invalid = ' aria-invalid="true"' if errors else ""
    label = escape(plain["label"])
    kind = plain["kind"]
    if kind == "checkbox":
        described = f' aria-invalid="true" aria-describedby="{field_id}_error"' if errors else ""
        checked = " checked" if plain["checked"] else ""
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<div class="mb-3"><div id="div_{field_id}" class="form-check">'
            f'<input type="checkbox" name="{name}" class="checkboxinput form-check-input{invalid}"{described}'
            f' id="{field_id}"{checked}> <label for="{field_id}" class="form-check-label">{label}</label>'
            f"{_errors_html(plain, 'p') if errors else ''}</div></div>"
        )
    if kind == "checkboxes":
        options = []
        last = len(plain["options"]) - 1
        for i, option in enumerate(plain["options"]):
            option_id = escape(option["id"])
            options.append(
                f'<div class="form-check"><input type="checkbox" class="form-check-input{invalid}" name="{name}"'
                f' value="{escape(option["value"])}" id="{option_id}"{aria_invalid}'
                f"{' checked' if option['checked'] else ''}>"
                f' <label for="{option_id}" class="form-check-label">{escape(option["label"])}</label>'
                f"{_errors_html(plain, 'p') if errors and i == last else ''}</div>"
            )
        described = f' aria-describedby="{field_id}_error"' if errors else ""
        if not options:
            # The risk factors seen, while the partnership's list of them (Planning, Risk factors) is empty, as on
            # a new partnership's portal: said, rather than a heading over nothing for the auditor to wonder at.
            options.append(
                f'<p class="form-text mb-0">{escape(_("None to tick: the partnership has not listed any yet."))}</p>'
            )
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<div id="div_{field_id}" class="mb-3"><fieldset{described}>'
            f'<legend class="form-label fs-6">{label}</legend><div>{"".join(options)}</div></fieldset></div>'
        )
    if kind == "select":
        value = plain["value"]
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) == value else ""}>{escape(text)}</option>'
            for v, text in plain["choices"]
        )
        described = f' aria-invalid="true" aria-describedby="{field_id}_error"' if errors else ""
        control = (
            f'<select name="{name}" class="select form-select{invalid}"{described} id="{field_id}">{options}</select>'
        )
    else:
        described_by = " ".join(
            [f"warnings-{name}"]
            + ([f"{field_id}_error"] if errors else [])
            + ([f"{field_id}_helptext"] if plain["help_text"] else [])
        )
        control = (
            f'<textarea name="{name}" cols="40" rows="3" maxlength="{plain["max_length"]}"'
            f' aria-describedby="{described_by}" class="textarea form-control{invalid}"'
            f'{aria_invalid} id="{field_id}">\n{escape(plain["value"])}</textarea>'
        )
    help_text = (
        f'<div id="{field_id}_helptext" class="form-text">{escape(plain["help_text"])}</div>'
        if plain["help_text"]
        else ""
    )
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div id="div_{field_id}" class="mb-3"><label for="{field_id}" class="form-label">{label}</label>'
        f"{control}{_errors_html(plain, 'span') if errors else ''}{help_text}</div>"
    )


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


class UnknownFields(AutosaveError):
    """Fields the return's tool has not: `names`, every one of them (the message names the first ten)."""

    def __init__(self, message: str, names: list[str]) -> None:
        super().__init__(message)
        self.names = names


def autosave_data(payload: Any, form_fields: Iterable[str]) -> tuple[MultiValueDict, list[str]]:
    """Turn an autosave JSON body ({"version": n, "fields": {...}}) into form data and the names sent.

    The body may say which tool version the page was opened with ("tool_version": id, read by the view from
    the payload when fields are unknown: see audits.views.parta._gone_standards).
    Raises AutosaveError with a message a person can read for anything malformed or unknown.
    """
    if not isinstance(payload, dict):
        raise AutosaveError(_("The request body must be a JSON object."))
    unknown_keys = set(payload) - {"version", "fields", "tool_version"}
    if unknown_keys:
        raise AutosaveError(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown_keys))})
    version = payload.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise AutosaveError(_("“version” must be the whole number of the version your answers are based on."))
    tool_version = payload.get("tool_version")
    if tool_version is not None and (isinstance(tool_version, bool) or not isinstance(tool_version, int)):
        raise AutosaveError(_("“tool_version” must be the id of the tool version the page was opened with."))
    fields = payload.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise AutosaveError(_("“fields” must be an object holding at least one field."))
    known = set(form_fields) - {"version"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise UnknownFields(
            _("Unknown fields: %(fields)s. They are not part of this return's audit tool.")
            % {"fields": ", ".join(unknown[:10])},
            unknown,
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
    # No maxlength in the page, which would cut a long paste off without a word: a counter, and the
    # server's refusal with the comment kept (as every long text of the app).
    comment = LongTextField(label=_("Comment for the auditor"), required=False, max_length=settings.PART_A_MAX_TEXT)
    # Asked for only once the comment was refused for details that look like identifiers: `flagged`
    # holds the details refused (their identifier keys), which a tick confirms, and no others.
    identifiers_confirmed = forms.BooleanField(
        label=_("I confirm the flagged details are not information about the child"), required=False
    )
    flagged = forms.CharField(required=False, widget=forms.HiddenInput)

    @property
    def flagged_keys(self) -> list[str]:
        try:
            keys = json.loads(self.data.get("flagged") or "[]")
        except ValueError:
            return []
        return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []

    @property
    def confirmed_identifiers(self) -> list[str]:
        """The flagged details the person confirmed (none unless the box was ticked)."""
        return self.flagged_keys if self.cleaned_data.get("identifiers_confirmed") else []

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


def flagged_review_form(form: ReviewForm, keys: list[str], warnings: list[str]) -> ReviewForm:
    """The form again after its comment was refused for flagged details: the comment as typed, the
    warnings next to it, and the box (unticked) that confirms those details."""
    data = {name: form.data.get(name, "") for name in ("action", "version", "comment")}
    flagged = bound_review_form({**data, "flagged": json.dumps(keys)})
    flagged.is_valid()
    for warning in warnings:
        flagged.add_error("comment", warning)
    return flagged


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
    "UnknownFields",
    "autosave_data",
    "bound_review_form",
    "flagged_review_form",
    "review_forms",
    "state_to_data",
]
