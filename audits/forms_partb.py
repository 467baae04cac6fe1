"""Forms for Part B. They validate input; the services in audits/services/partb.py do the writing."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.models import Agency
from agencies.selectors import deactivated_addresses
from audits.models import (
    AGENCY_FINDING_KINDS,
    RECOMMENDATION_TRANSITIONS,
    AttendanceStatus,
    Audit,
    AuditAgency,
    Case,
    Finding,
    FindingKind,
    Grade,
    PartAReturn,
    PartBSession,
    Recommendation,
    RecommendationStatus,
    RiskFactor,
    Section,
    audit_dates_problem,
)
from audits.selectors.partb import RECEIVED_STATUSES, LastChange, citable_returns, edit_marker, last_change
from audits.selectors.participants import auditor_candidates, shown_auditor
from audits.services.partb import (
    CONSENSUS_INVALID,
    DUE_DATE_NEEDED,
    FINDING_CITATIONS,
    PROMOTIONS,
    ConsensusEntry,
    EditConflict,
    due_date_problem,
    identifier_problem,
    owner_problem,
)

TEXT_MAX = settings.PART_A_MAX_TEXT

# What partb.js says next to a long text (as parta.js does): the count, near the limit and over it.
COUNTER_TEXTS = {
    "left": _("%s characters left (the limit is %s)"),
    "over": _("%s characters too many (the limit is %s): shorten this text to save it"),
}
TOO_LONG = _(
    "This text is %(show_value)d characters long, over the limit of %(limit_value)d: shorten it to save it. "
    "What you typed is kept here."
)


class LongTextField(forms.CharField):
    """Free text with a length limit, and no maxlength in the page: the browser would cut a long paste
    off without a word. app.js (auditportal.countCharacters) counts the characters near the limit
    instead (as Part A's form does, code points, with one character a line break), and the server
    refuses a text over it with the message next to the field and the text kept."""

    def __init__(self, *, max_length: int = TEXT_MAX, **kwargs) -> None:
        kwargs["error_messages"] = {"max_length": TOO_LONG, **kwargs.get("error_messages", {})}
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        # Browsers post line breaks as CRLF and the counter counts them as one: count as it does.
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs.update(
            {
                "data-maxlength": str(self.max_length),
                "data-count-left": COUNTER_TEXTS["left"],
                "data-count-over": COUNTER_TEXTS["over"],
            }
        )
        return attrs


# What Python's str.splitlines() breaks a line at (an e-mail header may hold none of "\r" and "\n").
LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


class LongLineField(LongTextField):
    """A line of free text (a heading, a title, a name with a role…) with a length limit: a text box
    that behaves as LongTextField does. No maxlength in the page (a paste longer than the limit would
    be cut off without a word): the characters are counted near the limit (app.js, from the field's
    data-maxlength and data-count-* attributes), and the server refuses a text over it with TOO_LONG
    next to the field, the text kept. For a model's CharField: a ModelForm's `field_classes` entry,
    or CountedLinesAdmin in the admin."""

    def __init__(self, *, max_length: int, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        # One line: a line break posted in it (a text box takes none, so a post made by hand) is a space, as
        # the page would show it, not a second line in the subject of an e-mail naming it (a briefing's title,
        # an audit's), which the mail library refuses to send. Each break is one space: counted the same.
        text = super().to_python(value)
        return LINE_BREAK.sub(" ", text) if text else text


class CountedLinesAdmin:
    """For a ModelAdmin or an inline: each of the model's plain CharFields (a name, a title…; not a
    choice, an e-mail or web address, a slug) typed in a LongLineField, counted, not cut off."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if type(db_field) is models.CharField and not db_field.choices:
            kwargs.setdefault("form_class", LongLineField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# --- What the page showed: saving only what the person changed --------------------------------

PAGE_OUT_OF_DATE = _("This page could not be checked against what is saved now: open it again before saving.")


class ShownField(forms.Field):
    """A hidden field posting back what the page showed of each field the form edits (edit markers,
    as JSON): services.partb writes only the fields the person changed, and refuses those somebody
    else changed in the meantime. Cleaned: a dict, or None when nothing was posted."""

    widget = forms.HiddenInput

    def __init__(self, values: dict | None = None, **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        if values is not None:
            self.initial = json.dumps({name: edit_marker(value) for name, value in values.items()}, sort_keys=True)

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            markers = json.loads(value)
        except (TypeError, ValueError):
            raise forms.ValidationError(PAGE_OUT_OF_DATE, code="shown") from None
        if not isinstance(markers, dict) or not all(isinstance(v, str) for v in markers.values()):
            raise forms.ValidationError(PAGE_OUT_OF_DATE, code="shown")
        return markers


@dataclass
class FieldConflict:
    """A field somebody else changed while the person was editing it: shown under what they typed
    (_conflict.html), with a box to tick to replace theirs."""

    name: str
    label: str
    who: str  # who saved theirs
    theirs: str  # their value, as words
    marker: str  # its edit marker: posted with "replace" ticked


def _as_words(field: forms.Field, value) -> str:
    if value in (None, "") or value == []:
        return str(_("(empty)"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return str(dict(field.choices).get(value, value))
    return str(value)


class ShownMixin:
    """A form that posts back what its page showed (ShownField `SHOWN`), and shows a save refused by
    services.partb.EditConflict: an error on each field somebody else changed, what they typed kept
    in it, and the other person's value under it with a "replace" box (its value `<field>:<marker>`).
    Ticked, the field's marker becomes that of the value they were shown as theirs, so that the next
    save replaces it; unticked, a later save still refuses it."""

    SHOWN = "shown"

    def track_shown(self, values: dict | None) -> None:
        """`values`: what the page shows of each field (None for a bound form: what it posts counts)."""
        self.conflicts: dict[str, FieldConflict] = {}
        self.fields[self.SHOWN] = ShownField(values)

    def clean(self):
        data = super().clean()
        if self.SHOWN in self.errors:  # a hidden field: its error is said at the top of the form
            self.add_error(None, self.errors.pop(self.SHOWN))
        return data

    def shown(self) -> dict[str, str] | None:
        """What the page showed of each field (None: the post did not say), with the fields whose
        "replace" box was ticked taking the marker of the value shown as the other person's."""
        markers = self.cleaned_data.get(self.SHOWN) if hasattr(self, "cleaned_data") else None
        if markers is None:
            return None
        markers = dict(markers)
        ticked = self.data.getlist("replace") if hasattr(self.data, "getlist") else []
        for item in ticked:
            name, _sep, marker = str(item).partition(":")
            if name in markers:
                markers[name] = marker
        return markers

    @property
    def rows(self) -> list:
        """Each visible field, with its conflict (None for most): for templates that print a
        conflict under its field."""
        conflicts = getattr(self, "conflicts", {})
        return [(field, conflicts.get(field.name)) for field in self.visible_fields()]

    def show_conflict(self, conflict: EditConflict, last: LastChange | None) -> None:
        """Show the refused save: `conflict.current` may name fields of another form of the page too."""
        who = last.who if last else str(_("somebody else"))
        labels = []
        for name, value in conflict.current.items():
            field = self.fields.get(name)
            if field is None:
                continue
            label = str(field.label or name)
            labels.append(label)
            self.conflicts[name] = FieldConflict(name, label, who, _as_words(field, value), edit_marker(value))
            # The error (crispy prints it in <id>_error), theirs, then the help text, if any.
            described = [f"{self[name].auto_id}_error", f"conflict-{name}"]
            if field.help_text:
                described.append(f"{self[name].auto_id}_helptext")
            field.widget.attrs["aria-describedby"] = " ".join(described)
            self.add_error(
                name,
                _(
                    "Not saved: changed by %(who)s after you opened this page. What you typed is kept here; theirs is below."
                )
                % {"who": who},
            )
        if not labels:
            return
        by = who
        if last:
            by = last.who_and_when()
        message = ngettext(
            "Not saved: %(fields)s was changed by %(by)s, while you were editing it. What you typed is kept; theirs "
            "is shown under it. Tick “Replace theirs” to save yours instead, or change yours and save again.",
            "Not saved: %(fields)s were changed by %(by)s, while you were editing them. What you typed is kept; "
            "theirs is shown under each. Tick “Replace theirs” to save yours instead, or change yours and save again.",
            len(labels),
        )
        self.add_error(None, message % {"fields": ", ".join(labels), "by": by})


class AuditTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Move the audit to"))
    confirm_missing = forms.BooleanField(
        label=_("I know these returns are missing and want to start Part B anyway"), required=False
    )

    def __init__(self, *args, audit: Audit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = audit.next_statuses


CHAIR_MAX = 200  # PartBSession.chair
ATTENDEE_LINE_MAX = 200  # one person, with their role
OTHER_ATTENDEES_MAX = 4000


class SessionForm(ShownMixin, forms.ModelForm):
    notes = LongTextField(label=_("Notes"), required=False, max_length=10000)
    chair = LongLineField(
        label=_("Chair"),
        required=False,
        max_length=CHAIR_MAX,
        help_text=_("Name and role of who chaired the session."),
        error_messages={
            "max_length": _(
                "Write the chair's name and role in at most %(limit_value)d characters (this is %(show_value)d)."
            )
        },
    )
    other_attendees = LongTextField(
        label=_("Other attendees"),
        required=False,
        max_length=OTHER_ATTENDEES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "People at the session besides the agencies' auditors (the QA manager, the lead officer, a designated "
            "doctor…): one a line, with their name and role."
        ),
        error_messages={
            "max_length": _(
                "Other attendees can be at most %(limit_value)d characters in all (this is %(show_value)d): one "
                "person a line, with their name and role."
            )
        },
    )

    class Meta:
        model = PartBSession
        fields = ["date", "venue", "notes", "chair", "other_attendees"]
        widgets = {"date": DateInput()}
        field_classes = {"venue": LongLineField}

    def __init__(self, *args, audit: Audit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.track_shown({name: self.initial.get(name) for name in self._meta.fields})

    def clean_date(self):
        # The audit's rule (Audit.clean), on the session's date: it is the audit's Part B date.
        date = self.cleaned_data.get("date")
        problem = audit_dates_problem(self.audit.part_a_due, date) if self.audit is not None else ""
        if problem:
            raise forms.ValidationError(problem)
        return date

    def clean_other_attendees(self) -> str:
        """One person a line: blank lines dropped, each line no longer than a name and a role."""
        lines = [line.strip() for line in self.cleaned_data["other_attendees"].splitlines()]
        lines = [line for line in lines if line]
        for n, line in enumerate(lines, start=1):
            if len(line) > ATTENDEE_LINE_MAX:
                start = line[:30] + "…"
                raise forms.ValidationError(
                    _(
                        "Attendee %(n)s (“%(start)s”) is longer than %(limit)s characters (it is %(length)s): "
                        "one person a line, with their name and role."
                    ),
                    code="line_too_long",
                    params={"n": n, "start": start, "limit": ATTENDEE_LINE_MAX, "length": len(line)},
                )
        return "\n".join(lines)

    def clean_notes(self) -> str:
        """Refused while changed notes hold what the identifier guard flags (services.partb.identifier_problem);
        notes left as they were are not written again."""
        notes = self.cleaned_data["notes"]
        if notes.strip() != (self.instance.notes or "").strip() and (problem := identifier_problem(notes, "notes")):
            raise forms.ValidationError(problem, code="identifier")
        return notes

    def is_posted(self) -> bool:
        """Whether the post carries the session's details (a post without them leaves them as they are)."""
        return any(name in self.data for name in self.fields)

    def details(self) -> dict:
        """What services.partb.session_record saves: every detail of the session, and what the page showed."""
        return {**{name: self.cleaned_data[name] for name in self._meta.fields}, "shown": self.shown()}


ATTENDANCE_CHOICES = [("", _("Not recorded")), *AttendanceStatus.choices]


class AttendanceForm(ShownMixin, forms.Form):
    """One radio group per participating agency: present, apologies or not recorded. `rows`:
    selectors.partb.session_with_attendance's (agency, status, the person named): each agency is labelled
    with the person its attendance was recorded for (the auditor named now only when not recorded)."""

    SHOWN = "attendance_shown"

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = {}
        shown = {}
        for participant, status, person in rows:
            name = f"participant_{participant.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{participant.agency.name} ({person or _('no auditor named')})",
                choices=ATTENDANCE_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                initial=status,
            )
            self.participants[name] = participant
            shown[name] = status or ""
        self.track_shown(shown)

    def statuses(self) -> dict[int, str]:
        """The agencies the post names (each radio group always posts one choice): a post without
        them, from a page that did not show them, leaves their attendance as it was."""
        return {p.pk: self.cleaned_data.get(name) or "" for name, p in self.participants.items() if name in self.data}


class ConsensusForm(forms.Form):
    """Every consensus judgement of an evidence board, posted together by any of its Save buttons.

    The board has one <form id="consensus-form"> and each stage's fields name it (form="…"), so that
    what is typed for one stage is never lost by saving another. Each stage (prefix `stage-<pk>`)
    and the case overall (`overall`) posts `<prefix>-grade`, `<prefix>-reasons` and `<prefix>-shown`
    (the judgement the page showed: selectors.partb.judgement_marker), and, after a conflict, the
    ticked `<prefix>-replace` (the marker of the judgement shown as theirs, to replace it). The
    button pressed posts `section`: where the board opens again. Queries: the grades, the stages (2)."""

    REASONS_MAX = TEXT_MAX

    def __init__(self, data, *, audit: Audit):
        super().__init__(data)
        grades = list(Grade.objects.filter(scale_id=audit.tool_version.scale_id).order_by("rank"))
        self.grades = {g.pk: g for g in grades}
        sections = Section.objects.filter(version_id=audit.tool_version_id).order_by("order")
        self.stages = [(s, f"stage-{s.pk}", s.title) for s in sections]
        self.stages.append((None, "overall", _("the case overall")))
        choices = [("", ""), *((g.pk, g.label) for g in grades)]
        for _section, prefix, _label in self.stages:
            self.fields[f"{prefix}-grade"] = forms.TypedChoiceField(
                choices=choices, coerce=int, empty_value=None, required=False
            )
            self.fields[f"{prefix}-reasons"] = LongTextField(required=False, max_length=self.REASONS_MAX)
            self.fields[f"{prefix}-shown"] = forms.CharField(required=False, max_length=64, strip=False)
            self.fields[f"{prefix}-replace"] = forms.CharField(required=False, max_length=64, strip=False)

    def entries(self) -> list[ConsensusEntry]:
        """An entry for every stage the post carries. One with a value the form refuses (a grade not
        on the scale, reasons too long) is marked invalid, with the error and what was typed."""
        self.is_valid()
        entries = []
        for section, prefix, label in self.stages:
            grade, reasons, shown = f"{prefix}-grade", f"{prefix}-reasons", f"{prefix}-shown"
            replace = f"{prefix}-replace"
            if grade not in self.data and reasons not in self.data:
                continue
            entry = ConsensusEntry(section=section, prefix=prefix, label=str(label))
            errors = [str(e) for name in (grade, reasons, shown, replace) for e in self.errors.get(name, [])]
            entry.grade_id = self.cleaned_data.get(grade)
            entry.grade = self.grades.get(entry.grade_id)
            # What the page showed is kept even when the entry is refused, so that the board, shown
            # again, still posts it: a save then never replaces a judgement the person has not seen.
            entry.shown = self.cleaned_data.get(shown) if shown in self.data else None
            entry.replace = self.cleaned_data.get(replace) if replace in self.data else None
            if errors:
                entry.outcome, entry.error = (
                    CONSENSUS_INVALID,
                    _("Not saved: %(errors)s") % {"errors": " ".join(errors)},
                )
                entry.reasons = self.cleaned_data.get(reasons, self.data.get(reasons, ""))
            else:
                entry.reasons = self.cleaned_data[reasons]
            entries.append(entry)
        return entries


def finding_form_choices(audit: Audit) -> dict[str, list[tuple[int, str]]]:
    """The choice lists FindingForm needs, read once (three queries)."""
    return {
        "cases": [(c.pk, c.reference) for c in audit.cases.order_by("order", "reference")],
        "agency": [(a.pk, a.name) for a in Agency.objects.filter(audit_participations__audit=audit).order_by("name")],
        "risk_factors": [(rf.pk, rf.name) for rf in RiskFactor.objects.order_by("name")],
    }


def judgement_section(audit: Audit, raw: str) -> Section | None:
    """The stage a judgement form posts for: empty for the case overall."""
    if not raw:
        return None
    try:
        return Section.objects.get(pk=int(raw), version_id=audit.tool_version_id)
    except (ValueError, Section.DoesNotExist):
        raise forms.ValidationError(_("Unknown journey stage.")) from None


class FindingForm(ShownMixin, forms.Form):
    heading = LongLineField(label=_("Heading"), max_length=300, required=False)
    body = LongTextField(label=_("Text"), required=False)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none(), required=False)
    risk_factors = forms.ModelMultipleChoiceField(
        label=_("Risk factors from the shared list"),
        queryset=RiskFactor.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    new_risk_factor = LongLineField(
        label=_("Add a new risk factor to the shared list"),
        max_length=160,
        required=False,
        help_text=_("It is added to the list every audit uses."),
    )
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases that evidence it"),
        queryset=Case.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    returns = forms.ModelMultipleChoiceField(
        label=_("Part A returns that evidence it"),
        queryset=PartAReturn.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args, audit: Audit, kind: str, with_returns: bool = False, choices=None, finding=None, **kwargs
    ):
        """`choices`: {"cases": [...], "agency": [...], "risk_factors": [...]} already fetched, so
        that a page holding a form for every kind reads each list once, not once per form.
        `finding`: the finding edited (unbound: the form shows it, and posts back what it showed)."""
        if finding is not None and not args and kwargs.get("data") is None:
            kwargs.setdefault("initial", self.initial_for(finding))
        super().__init__(*args, **kwargs)
        self.audit, self.kind = audit, kind
        if kind in AGENCY_FINDING_KINDS:
            self.fields["agency"].required = True
            self.fields["agency"].queryset = Agency.objects.filter(audit_participations__audit=audit).order_by("name")
        else:
            del self.fields["agency"]
        # Insights: every kind may be tagged with risk factors (theme trends read strengths and areas
        # for improvement; the consistency checks match themes with learning points by them).
        self.fields["cases"].queryset = audit.cases.order_by("order", "reference")
        if with_returns:
            self.fields["returns"].queryset = citable_returns(audit)
            self.fields["returns"].label_from_instance = lambda r: f"{r.case.reference} — {r.agency.name}"
        else:
            del self.fields["returns"]
        for name, values in (choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = [("", "---------"), *values] if name == "agency" else values
        self.fields["heading"].label = {
            FindingKind.STRENGTH: _("Heading"),
            FindingKind.THEME: _("Theme"),
        }.get(kind, _("Lead-in (printed in bold)"))
        if finding is not None:
            tracked = [name for name in ("heading", "body", "agency", *FINDING_CITATIONS) if name in self.fields]
            self.track_shown(None if self.is_bound else {name: self.initial.get(name) for name in tracked})

    def clean(self):
        data = super().clean()
        if "heading" in self.errors or "body" in self.errors:
            return data
        if not (data.get("heading") or "").strip() and not (data.get("body") or "").strip():
            # Said next to the first of the two (the summary links there), and the text box refers to it.
            self.add_error("heading", _("Write a heading or some text."))
            self.fields["body"].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"{self['heading'].auto_id}_error"}
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "heading": data.get("heading", ""),
            "body": data.get("body", ""),
            "agency": data.get("agency"),
            "cases": data.get("cases"),
        }
        if "returns" in self.fields:
            kwargs["returns"] = data.get("returns")
        if "risk_factors" in self.fields:
            kwargs["risk_factors"] = data.get("risk_factors")
            kwargs["new_risk_factor"] = data.get("new_risk_factor", "")
        if self.SHOWN in self.fields:
            kwargs["shown"] = self.shown()
        return kwargs

    @classmethod
    def initial_for(cls, finding: Finding) -> dict:
        return {
            "heading": finding.heading,
            "body": finding.body,
            "agency": finding.agency_id,
            "risk_factors": list(finding.risk_factors.all()),
            "cases": list(finding.cases.all()),
            "returns": list(finding.returns.all()),
        }


class FindingMoveForm(forms.Form):
    """The findings page's "Up" and "Down", with where the page showed the finding (`place`, counted
    from 1) and the findings next to it (`above`, `below`: the one each button swaps it with), so that
    a move from a page overtaken by another tab's is refused rather than applied to a list the person
    did not see (services.partb.finding_move's `shown`)."""

    direction = forms.CharField(required=False)
    place = forms.IntegerField(required=False, min_value=1)
    above = forms.IntegerField(required=False, min_value=1)
    below = forms.IntegerField(required=False, min_value=1)

    def shown(self) -> tuple[int, int | None] | None:
        """(place, the neighbour of the button pressed) as shown; None when the post does not say (a
        page from before the form said it). A place that cannot be read never matches: nothing moves."""
        if "place" not in self.data:
            return None
        if not self.is_valid() or self.cleaned_data["place"] is None:
            return (0, None)
        neighbour = self.cleaned_data["above" if self.cleaned_data["direction"] == "up" else "below"]
        return (self.cleaned_data["place"], neighbour)


class PromoteForm(forms.Form):
    part_a_return = forms.ModelChoiceField(queryset=PartAReturn.objects.none())
    field = forms.ChoiceField(choices=[(k, k) for k in PROMOTIONS])
    kind = forms.ChoiceField(choices=FindingKind.choices)
    # The edit marker of the text the board showed (boards.promote_form): a text changed since is not promoted.
    shown = forms.CharField(required=False, max_length=64)

    def __init__(self, *args, audit: Audit, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the auditor has submitted (or the QA manager accepted) becomes a finding.
        self.fields["part_a_return"].queryset = PartAReturn.objects.visible_to(user).filter(
            audit=audit, status__in=RECEIVED_STATUSES
        )

    def clean(self):
        data = super().clean()
        if data.get("field") and data.get("kind") and data["kind"] not in PROMOTIONS[data["field"]]:
            raise forms.ValidationError(_("That text cannot be promoted to that kind of finding."))
        return data


class CitedFindingsField(forms.ModelMultipleChoiceField):
    """The findings a recommendation cites. One ticked on a page opened before somebody deleted it (in
    another tab, or the audit's other editor) is said in words, with who deleted it and when, from its
    history and the access log, not as Django's "Select a valid choice. 7 is not one of the available
    choices."; any other id not of the audit's findings still is. `audit`: set by the form."""

    audit: Audit | None = None

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except forms.ValidationError as error:
            if error.code != "invalid_choice" or self.audit is None:
                raise
            deleted = self._deleted(value)
            if not deleted:
                raise
            raise forms.ValidationError(deleted, code="deleted") from None

    def _deleted(self, value) -> list[str]:
        """What to say of each finding posted that was deleted from this audit: [] when none was."""
        posted = set()
        for item in value:  # each a valid key by now (Django checked), but not necessarily a finding's
            try:
                posted.add(int(item))
            except (TypeError, ValueError):
                continue
        missing = posted - set(self.queryset.filter(pk__in=posted).values_list("pk", flat=True))
        if not missing:
            return []
        deletions = Finding.history.filter(id__in=missing, audit_id=self.audit.pk, history_type="-")
        gone = {row.id: row.instance for row in deletions.order_by("history_date")}  # an id is deleted once
        said = []
        for finding in gone.values():
            last = last_change(finding)
            by = _("somebody else")
            if last is not None:
                by = last.who_and_when()
            said.append(
                _(
                    "The finding “%(finding)s” was deleted by %(by)s, after this page was opened: it is no longer "
                    "listed here. Nothing was saved, and the rest of what you typed is kept: save again to save it "
                    "without that finding."
                )
                % {"finding": f"{finding.get_kind_display()}: {finding}", "by": by}
            )
        return said


def owner_email_not_a_leavers(form: forms.ModelForm) -> str:
    """A recommendation's owner e-mail, refused when it is newly given (not as it was) and is a deactivated
    account's: somebody who left, whom reminders no longer reach (agencies.selectors.deactivated_addresses)."""
    address = form.cleaned_data.get("owner_email", "")
    unchanged = form.instance.pk is not None and address.strip().lower() == form.instance.owner_email.lower()
    if address and not unchanged and deactivated_addresses([address.strip()]):
        # Blank, the reminders go to the owner agency's lead (owner_email_of): said only when there is one.
        if "owner_agency" in form.fields:
            agency = form.cleaned_data.get("owner_agency")  # cleaned before this field
        else:
            agency = form.instance.owner_agency if form.instance.owner_agency_id else None
        if agency is not None and agency.lead_email:
            message = _(
                "%(address)s is the address of an account that was deactivated (somebody who left): reminders are "
                "not sent to it. Give the address of whoever takes the recommendation forward now, or leave it "
                "blank for the owner agency's lead to be reminded."
            )
        else:
            message = _(
                "%(address)s is the address of an account that was deactivated (somebody who left): reminders are "
                "not sent to it. Give the address of whoever takes the recommendation forward now."
            )
        raise forms.ValidationError(message % {"address": address.strip()}, code="left")
    return address


class RecommendationForm(ShownMixin, forms.ModelForm):
    text = LongTextField(label=_("Recommendation"))

    class Meta:
        model = Recommendation
        fields = ["text", "owner", "owner_agency", "owner_email", "due_date", "findings"]
        field_classes = {"owner": LongLineField, "findings": CitedFindingsField}
        labels = {"owner": _("Owner group"), "owner_agency": _("or owner agency")}
        help_texts = {
            "owner": _("A group, for example the CSE Steering Group. Or choose an agency below (not both)."),
            "findings": _("The findings that led to this recommendation (optional)."),
        }
        widgets = {
            "due_date": DateInput(),
            "findings": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, audit: Audit, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.fields["owner_agency"].queryset = Agency.objects.order_by("name")
        self.fields["findings"].queryset = audit.findings.order_by("kind", "order", "pk")
        self.fields["findings"].audit = audit  # a finding deleted meanwhile is said in words
        self.fields["findings"].label_from_instance = lambda f: f"{f.get_kind_display()}: {f}"
        # Every recommendation has a due date; one recorded before that was required may stay without.
        self.fields["due_date"].required = self.instance.pk is None or self.instance.due_date is not None
        self.fields["due_date"].error_messages["required"] = DUE_DATE_NEEDED
        if self.instance.pk is not None:  # a change: posts back what the page showed
            self.track_shown({name: self.initial.get(name) for name in self._meta.fields})

    clean_owner_email = owner_email_not_a_leavers

    def clean_text(self) -> str:
        """Refused while a new or changed text holds what the identifier guard flags (the service's rule,
        services.partb.identifier_problem, on the field): a text left as it was is not written again."""
        text = self.cleaned_data["text"]
        unchanged = self.instance.pk is not None and text.strip() == self.instance.text.strip()
        if not unchanged and (problem := identifier_problem(text, "recommendation")):
            raise forms.ValidationError(problem, code="identifier")
        return text

    def clean_due_date(self):
        # The service's rule, on the field: a date before the Part B session (or, without a session
        # held, before today) is refused when it is given; an overdue one kept as it was can still be tracked.
        due = self.cleaned_data.get("due_date")
        problem = due_date_problem(due, self.instance if self.instance.pk is not None else None, audit=self.audit)
        if problem:
            raise forms.ValidationError(problem)
        return due

    def clean(self):
        # Errors on the fields themselves: a form-wide one let the model's constraint add its own
        # database wording ("Constraint … is violated") beside it.
        data = super().clean()
        owner, agency = (data.get("owner") or "").strip(), data.get("owner_agency")
        if "owner" in self.errors or "owner_agency" in self.errors:
            return data
        problem = owner_problem(owner, agency)
        if problem:
            self.add_error(*problem)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "owner": data.get("owner", ""),
            "owner_agency": data.get("owner_agency"),
            "owner_email": data.get("owner_email", ""),
            "due_date": data.get("due_date"),
            "findings": data.get("findings"),
            **({"shown": self.shown()} if self.SHOWN in self.fields else {}),
        }


class RecommendationContactForm(ShownMixin, forms.ModelForm):
    """After the audit closes, only where the owner's reminders go and when it is due (more time given)
    can change."""

    class Meta:
        model = Recommendation
        fields = ["due_date", "owner_email"]
        widgets = {"due_date": DateInput()}
        help_texts = {"due_date": _("Moved when its owner is given more time: its first due date stays on record.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As RecommendationForm's: one recorded before due dates were required may stay without.
        self.fields["due_date"].required = self.instance.due_date is not None
        self.fields["due_date"].error_messages["required"] = DUE_DATE_NEEDED
        self.track_shown({name: self.initial.get(name) for name in self._meta.fields})

    clean_owner_email = owner_email_not_a_leavers

    def clean_due_date(self):
        # The service's rule, on the field (RecommendationForm.clean_due_date).
        due = self.cleaned_data.get("due_date")
        if problem := due_date_problem(due, self.instance, audit=self.instance.audit):
            raise forms.ValidationError(problem)
        return due


class RecommendationTransitionForm(ShownMixin, forms.Form):
    """A recommendation's next status, and its evidence of impact. Posts back the status the page
    showed (`from_status`: its choices are that status's next ones, so that a post from a page
    overtaken by somebody else's change reaches the service, which says so) and what the page showed
    of the evidence (ShownMixin). A closed recommendation's only choice is Complete: reopened (its page
    posts that alone, with from_status, and leaves its evidence as it is)."""

    to_status = forms.ChoiceField(label=_("New status"), choices=RecommendationStatus.choices)
    impact_evidence = LongTextField(
        label=_("Evidence of impact"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Needed to close a recommendation: what changed, and how we know. Closed, it no longer changes until it "
            "is reopened (back to Complete). To record progress without moving it on, choose “Stays …”."
        ),
    )
    from_status = forms.ChoiceField(choices=RecommendationStatus.choices, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, recommendation: Recommendation, **kwargs):
        super().__init__(*args, **kwargs)
        shown_status = recommendation.status
        posted = self.data.get(self.add_prefix("from_status")) if self.is_bound else None
        if posted in RecommendationStatus.values:
            shown_status = posted
        self.fields["from_status"].initial = recommendation.status
        allowed = RECOMMENDATION_TRANSITIONS[shown_status]
        choices = [(s, RecommendationStatus(s).label) for s in allowed]
        if shown_status != RecommendationStatus.CLOSED:  # what its owner reports done meanwhile, not moving it on
            stays = _("Stays %(status)s: save the evidence only") % {"status": RecommendationStatus(shown_status).label}
            choices.append((shown_status, stays))
        self.fields["to_status"].choices = choices
        self.track_shown({"impact_evidence": recommendation.impact_evidence})
        self.recommendation = recommendation

    def clean_impact_evidence(self) -> str:
        """Refused while changed evidence holds what the identifier guard flags (services.partb.identifier_problem)."""
        evidence = self.cleaned_data["impact_evidence"]
        changed = evidence.strip() != (self.recommendation.impact_evidence or "").strip()
        if changed and (problem := identifier_problem(evidence, "impact_evidence")):
            raise forms.ValidationError(problem, code="identifier")
        return evidence

    def clean(self):
        data = super().clean()
        if data.get("to_status") == RecommendationStatus.CLOSED and not (data.get("impact_evidence") or "").strip():
            self.add_error("impact_evidence", _("Closing a recommendation needs a note on the evidence of its impact."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "to_status": data["to_status"],
            "impact_evidence": data["impact_evidence"],
            "from_status": data.get("from_status") or None,
            "shown": self.shown(),
        }


def _person_label(user) -> str:
    name = user.get_full_name()
    label = f"{name} ({user.username})" if name else user.username
    return f"{label}, {user.job_title}" if user.job_title else label


class ParticipantAuditorForm(forms.Form):
    """Another auditor for one agency of an audit: one of the agency's active staff."""

    auditor = forms.ModelChoiceField(
        label=_("New auditor"),
        queryset=auditor_candidates(0),
        empty_label=_("Choose a person"),
        error_messages={
            "required": _("Choose the new auditor."),
            "invalid_choice": _("Choose one of the people listed."),
        },
    )

    # The auditor the page showed ("none" for none): a change made by somebody else since is not undone unseen
    # (audits.services.participants.participant_auditor_change). Not posted: not checked.
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, participant: AuditAgency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shown"].initial = shown_auditor(participant)
        field = self.fields["auditor"]
        people = auditor_candidates(participant.agency_id)
        if participant.auditor_id is not None:
            people = people.exclude(pk=participant.auditor_id)
        field.queryset = people
        field.label_from_instance = _person_label
        # A field's help text is HTML in the page (crispy's templates mark it safe): the agency's name,
        # which the administrator types, is escaped here.
        field.help_text = _("The active managers and practitioners of %(agency)s.") % {
            "agency": escape(participant.agency.name)
        }
