import datetime
from itertools import chain

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models import fields as models_fields
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.admin import AccessLoggedAdmin, field_digest
from agencies.admin import LockedWhileSaved as _LockedWhileSaved
from agencies.admin import ShownFieldsForm as _ShownRowForm
from agencies.admin import left_as_shown as _left_as_shown
from agencies.models import AGENCY_STAFF_ROLES, LEAD_OFFICER_ROLES, Agency, Role
from agencies.services import AccessAction, access_record

from . import models
from .forms_partb import CountedLinesAdmin as _CountedLines  # titles, names, the cohort source: counted, not cut
from .numbering import highest_number, past_highest_left_empty
from .selectors.partb import STATUS_HISTORY_PREFIX, last_change
from .services.plan_changes import plan_changed_notify, plan_of
from .services.plan_copy import audit_plan_copy
from .services.tools import tool_version_copy
from .tool_import import StandardsImportMixin


class _NotTheAdministrators:
    """Planning is the QA manager's (by the role, audits/planning.py), never the administrator's, who
    has no access to case content: its audits hold their cases (age band, gender, risk factors) and
    what the audit is about. Not even as the superuser `createsuperuser` makes, whom Django would
    otherwise let do everything here."""

    def _plans(self, request) -> bool:
        return request.user.role != Role.ADMINISTRATOR

    def has_module_permission(self, request) -> bool:
        return self._plans(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._plans(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return self._plans(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._plans(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._plans(request) and super().has_delete_permission(request, obj)


class _InTheAccessLog(AccessLoggedAdmin):
    """Planning changes go to the app's access log as well as the admin's own history: who added,
    changed or deleted which audit, case, tool or scale, and when (the access log page)."""

    def access_summary(self, obj, done: str, what: str) -> str:
        return f"Planning: {done} {obj}"


class _ToItsPageOnceAdded:
    """Save on a new audit tool, tool version or audit comes back to its page, where the next step is: the
    tool's "Add this tool's first version", the version's stages still without standards and "Add stages
    and standards from a spreadsheet", the audit's link to its own page, where Part A is opened. Django's
    Save went to the list, which says none of it, while the add pages said to carry on from there.
    (Save and add another, and a page opened as a pop-up to choose the new object, are as Django has them.)"""

    def response_post_save_add(self, request, obj):
        return HttpResponseRedirect(reverse(f"admin:audits_{obj._meta.model_name}_change", args=[obj.pk]))


@admin.register(models.AuditTheme, models.RiskFactor)
class TaxonomyAdmin(_NotTheAdministrators, _InTheAccessLog, _CountedLines, admin.ModelAdmin):
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


def _answered(version: models.ToolVersion | None) -> bool:
    """True once Part A returns were made with the version: from then on it is read-only.

    The admin asks each permission many times a page (for the object and for every inline form),
    so the answer is kept on the object: ToolVersionAdmin's queryset annotates it, and a version
    reached another way asks the database once."""
    if version is None or version.pk is None:
        return False
    if not hasattr(version, "answered_by_returns"):
        version.answered_by_returns = version.returns.exists()
    return version.answered_by_returns


def _scale_answered(scale: models.GradeScale | None) -> bool:
    """True once Part A returns were made with a tool version on the scale: its grades mean what
    they meant. Kept on the object, as _answered is."""
    if scale is None or scale.pk is None:
        return False
    if not hasattr(scale, "answered_by_returns"):
        scale.answered_by_returns = models.PartAReturn.objects.filter(tool_version__scale=scale).exists()
    return scale.answered_by_returns


# The inlines people edit are stacked, not tabular: a tabular inline's inputs have no label of their own.


class _FixedOnceAnswered:
    """Admin permissions that refuse to add to, change or delete what Part A returns were made with.
    `is_answered(obj)` says whether the object (or an inline's parent) is part of such a tool version."""

    def is_answered(self, obj) -> bool:
        raise NotImplementedError

    def _fixed(self, request, obj) -> bool:
        # Not while reading what a page opened on the draft posted (_AnsweredMeanwhile): as the page was.
        return not getattr(request, "reading_what_was_typed", False) and self.is_answered(obj)

    # Fields that can still be changed once answered (what a grade means): the others are then shown read-only
    # (`fixed_fields`), and nothing can be added or deleted. Empty: nothing can be changed.
    still_changeable: frozenset[str] = frozenset()
    fixed_fields: tuple[str, ...] = ()

    def has_change_permission(self, request, obj=None) -> bool:
        refused = not self.still_changeable and self._fixed(request, obj)
        return super().has_change_permission(request, obj) and not refused

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._fixed(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + self.fixed_fields if self.still_changeable and self._fixed(request, obj) else fields


class _FixedInlineOnceAnswered(_FixedOnceAnswered):
    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not self._fixed(request, obj)


def _typed_value(bound) -> str:
    """What was typed in a field, in words: a choice by its name, a tick box ticked or not."""
    field, value = bound.field, bound.data
    if isinstance(field, forms.BooleanField):
        return str(_("ticked") if value else _("not ticked"))
    if hasattr(field, "queryset"):
        try:
            chosen = field.clean(value)
        except forms.ValidationError:
            return str(value or "")
        if hasattr(chosen, "__iter__"):
            return ", ".join(str(item) for item in chosen)
        return str(chosen or "")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value or "")


def _changed_here(bound) -> bool:
    """Not a time the page shows to the second, posted back as shown (Django counts it as changed)."""
    try:
        typed = bound.field.clean(bound.data)
    except forms.ValidationError:
        return True
    initial = bound.initial
    if isinstance(initial, datetime.datetime) and isinstance(typed, datetime.datetime):
        return typed != initial.replace(microsecond=0)
    return True


def _changes_typed(form, row: str = "", still: frozenset[str] = frozenset()) -> list[tuple[str, bool]]:
    """Each change typed in the form, in words, and whether it is to what can no longer change once answered
    (`still`: the fields that can)."""
    typed = []
    for name in form.changed_data:
        if name not in form.fields or isinstance(form.fields[name].widget, forms.HiddenInput):
            continue
        if not _changed_here(form[name]):
            continue
        if name == "DELETE":
            typed.append((_("%(row)s: removed") % {"row": row}, True))
            continue
        label = form.fields[name].label or name
        where = f"{row}, {label}" if row else str(label)
        said = _("%(where)s: “%(value)s”") % {"where": where, "value": _typed_value(form[name])}
        typed.append((said, name not in still))
    return typed


class _AnsweredMeanwhile:
    """A tool version's (or a stage's) page opened while it was a draft, saved after Part A returns were made
    with it (it is read-only from then on): instead of a bare 403, which lost what was typed, the page as it now
    is (read-only), saying why nothing was saved, with each change typed on it listed to be copied. Somebody who
    may never edit tools still has the 403.

    A scale (GradeScaleAdmin) in use can still say what its grades mean (`still_changeable`, its rows'): a page
    opened on the draft whose only changes are to those is saved as the page of the scale in use would be."""

    not_saved_meanwhile = _(
        "Not saved: Part A returns have been made with this tool version since you opened this page, so it can no "
        "longer change. Copy what you need; “Copy as a new version” makes the next version to adapt."
    )

    def opened_on_the_draft(self, request) -> bool:
        """Whether the page posted was opened before the object was answered. Once answered, a tool version's page
        has nothing to save."""
        return True

    def _typed_on_the_draft(self, request, obj) -> list[tuple[str, bool]] | None:
        request.reading_what_was_typed = True
        try:
            if not self.has_change_permission(request, obj):
                return None
            form = self.get_form(request, obj, change=True)(request.POST, request.FILES, instance=obj)
            typed = _changes_typed(form)
            formsets, _inlines = self._create_formsets(request, obj, change=True)
            for formset in formsets:
                noun = formset.model._meta.verbose_name
                for number, row in enumerate(formset.forms, 1):
                    if number <= formset.initial_form_count():
                        name = _("%(noun)s “%(name)s”") % {"noun": noun, "name": row.instance}
                        still = self.still_changeable
                    elif row.has_changed():
                        name = _("new %(noun)s in row %(number)s") % {"noun": noun, "number": number}
                        still = frozenset()  # no row can be added
                    else:
                        continue  # an empty row added and left: the admin would not have saved it either
                    typed += _changes_typed(row, capfirst(name), still)  # not capitalize(): “Good” kept
            return typed
        finally:
            del request.reading_what_was_typed

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            answered = obj is not None and self.is_answered(obj) and self.opened_on_the_draft(request)
            typed = self._typed_on_the_draft(request, obj) if answered else None
            if typed is not None and (not self.still_changeable or any(fixed for _said, fixed in typed)):
                self.message_user(request, self.not_saved_meanwhile, level=messages.ERROR)
                for change, _fixed in typed:
                    self.message_user(request, _("You typed: %(change)s") % {"change": change}, messages.WARNING)
                request.method = "GET"  # the page as it now is: read-only
                response = super()._changeform_view(request, object_id, form_url, extra_context)
                response.status_code = 409
                return response
        return super()._changeform_view(request, object_id, form_url, extra_context)


class _RemovedMeanwhile(forms.BaseInlineFormSet):
    """Rows of a Planning page that somebody else removed after it was opened (another QA manager, the same
    one's other tab): Django refused the whole save with 'Select a valid choice…' on the row's hidden id, at
    every save again. A row left as shown stays removed (theirs stands: Django saves no row it cannot find);
    a row changed on this page is refused, saying so, with what was typed kept, and the page no longer names
    it: saving again saves the rest without it."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        pk = self.model._meta.pk.name
        posted = form.data.get(form.add_prefix(pk)) if form.is_bound and i < self.initial_form_count() else None
        if posted is not None and form.instance.pk is None:
            # Not one of the rows now. An empty id: the page that said so, saved again without it.
            form.fields[pk] = forms.CharField(required=False, widget=forms.HiddenInput)
            form.removed_meanwhile = posted != ""
        return form

    def clean(self) -> None:
        super().clean()
        refused = []
        for n, form in enumerate(self.initial_forms, start=1):
            if not getattr(form, "removed_meanwhile", False) or form in self.deleted_forms:
                continue
            names = form.compared() if hasattr(form, "compared") else []
            typed = {
                name: form.data.getlist(form.add_prefix(name))
                if isinstance(form.fields[name], forms.ModelMultipleChoiceField)
                else form.data.get(form.add_prefix(name))
                for name in names
            }
            if names and _left_as_shown(form.data.get(form.add_prefix("shown")) or "", typed):
                continue  # left as shown: it stays removed
            refused.append(n)
            form.add_error(None, _("Removed by somebody else after you opened this page."))
            data = form.data.copy()
            data[form.add_prefix(self.model._meta.pk.name)] = ""  # saved again, the rest is saved without it
            form.data = data
        if refused:
            raise forms.ValidationError(
                _(
                    "The %(what)s in row %(rows)s was removed by somebody else after you opened this page: nothing was saved. "
                    "What you typed in it is kept here: save again to save the rest without it, or add it again "
                    "as a new row."
                )
                % {
                    "what": self.model._meta.verbose_name,
                    "rows": ", ".join(str(n) for n in refused),
                }
            )


class _BlankNumberLast:
    """An inline's rows numbered by hand (a stage's or a standard's order, a grade's rank, a case's order):
    a new row whose number is left empty goes after the others, numbered last + 1 in the order of the rows
    on the page (two new rows left empty: last + 1 and last + 2), instead of "This field is required."
    A QA manager setting up a tool added its stages and standards one after the other, numbering each by
    hand. "The others": the rows this save keeps, as numbered on the page, and any row added meanwhile
    from another page (one query, once a save). A row already saved still needs its number. `numbered`:
    the field."""

    numbered = ""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get(self.numbered)
        if field is None or (index is not None and index < self.initial_form_count()):
            return
        # A new row (index None: the empty row "Add another" copies). Shown empty, not as the model's
        # default (a case's order 0), so that a row added and left empty stays unsaved.
        field.required = False
        field.initial = None
        form.initial.pop(self.numbered, None)
        field.help_text = _("Leave it empty to put it after the others.")

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        name = self.numbered
        initial = set(self.initial_forms)
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and (form not in initial or form.instance.pk is not None)  # not a row removed meanwhile
        ]
        blank = [form for form in kept if form not in initial and form.cleaned_data.get(name) is None]
        if not blank:
            return
        numbers = [form.cleaned_data[name] for form in kept if form.cleaned_data.get(name) is not None]
        if self.instance.pk:
            on_the_page = [form.instance.pk for form in self.initial_forms if form.instance.pk]
            others = self.model.objects.filter(**{self.fk.name: self.instance}).exclude(pk__in=on_the_page)
            numbers.append(others.aggregate(top=Max(name))["top"] or 0)
        top = max(numbers, default=0)
        # Numbered past what the database holds (a row typed 32767): refused, not a server error.
        refused = past_highest_left_empty(self.model, name, top, len(blank))
        if refused:
            raise forms.ValidationError(refused)
        for n, form in enumerate(blank, start=1):
            form.cleaned_data[name] = top + n
            setattr(form.instance, name, top + n)


class _Renumbered(_BlankNumberLast, _RemovedMeanwhile):
    """An inline whose rows are numbered uniquely within their parent (a stage's order, a grade's rank):
    rows may swap their numbers in one save (Response 2, Assessment 1). The database checks the numbers
    row by row, so the rows being renumbered are first parked on numbers no row uses nor is given
    (_free_numbers); the formset has already refused two rows given the same number. `parked`: the unique
    fields, numbers or slugs."""

    parked: tuple[str, ...] = ("order",)
    numbered = "order"

    def save(self, commit=True):
        if commit and self.instance.pk:
            moving = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk and (form in self.deleted_forms or set(self.parked) & set(form.changed_data))
            ]
            rows = self.model.objects.filter(**{self.fk.name: self.instance})
            free = {
                name: self._free_numbers(rows, name)
                for name in self.parked
                if not isinstance(self.model._meta.get_field(name), models_fields.SlugField)
            }
            for pk in moving:
                parking = {name: next(free[name]) if name in free else f"moving-{pk}" for name in self.parked}
                rows.filter(pk=pk).update(**parking)
        return super().save(commit)

    def _free_numbers(self, rows, name: str):
        """Numbers for `name` that no row has and none is given on the page: above the others', then, once
        past the highest the database holds (a row numbered 32767), below them, instead of a server error."""
        taken = set(rows.values_list(name, flat=True))
        taken |= {form.cleaned_data.get(name) for form in self.forms if form.cleaned_data}
        top = max((n for n in taken if n is not None), default=0)
        highest = highest_number(self.model, name) or top + len(self.forms) + 1
        return (n for n in chain(range(top + 1, highest + 1), range(1, top)) if n not in taken)


class _GradeFormSet(_Renumbered):
    parked = ("rank", "code")
    numbered = "rank"

    def add_fields(self, form, index):
        """Each grade's Rank says which way the scale runs: 1 is the best. A new partnership's QA manager typing
        a scale from the worst grade up (Inadequate 1 … Outstanding 4) was told nothing, and the pages, charts
        and briefings then coloured Inadequate as the best grade (audits.grade_colours)."""
        super().add_fields(form, index)
        rank = form.fields.get("rank")
        if rank is not None:
            said = _("1 is the best grade, 2 the next best, and so on.")
            rank.help_text = f"{said} {rank.help_text}" if not rank.required else said

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or "rank" not in self.form.base_fields:  # a scale in use: its ranks are read-only
            return
        ranks = sorted(
            form.cleaned_data["rank"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("rank") is not None
        )
        if len(ranks) < 2:
            raise forms.ValidationError(_("A scale needs at least two grades for an auditor to choose between."))
        if ranks != list(range(1, len(ranks) + 1)):
            raise forms.ValidationError(
                _(
                    "Number the grades 1, 2, 3… from the best, without gaps (these are %(ranks)s): the evidence "
                    "board and the checks before publishing count the steps between two grades by their numbers."
                )
                % {"ranks": ", ".join(str(rank) for rank in ranks)}
            )


class _ShownStageForm(_ShownRowForm):
    parent = "version"


class _ShownStandardForm(_ShownRowForm):
    parent = "section"


class _ShownGradeForm(_ShownRowForm):
    """A grade's row. Its Code (a slug the scale's grades are told apart by, never shown to the auditors) may be
    left empty: it is made from the label ("Requires improvement": requires-improvement). A QA manager making
    a partnership's first scale was refused each grade with "This field is required." on a Code the page
    did not explain."""

    parent = "scale"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields.get("code")
        if code is not None:  # not on a read-only scale's page
            code.required = False
            code.help_text = _(
                "Letters, numbers and hyphens, such as “requires-improvement”, different for each grade of the "
                "scale. Leave it empty to make it from the label."
            )

    def clean(self):
        cleaned = super().clean()
        if "code" in self.fields and not cleaned.get("code") and cleaned.get("label"):
            cleaned["code"] = slugify(cleaned["label"])[: models.Grade._meta.get_field("code").max_length].strip("-")
            # "—", "良好": nothing to make a code of. Saved empty, the code told the grade apart by nothing.
            if not cleaned["code"]:
                self.add_error(
                    "code",
                    _("The label “%(label)s” has no letters or numbers to make a code from: type one.")
                    % {"label": cleaned["label"]},
                )
        return cleaned


class GradeInline(_FixedInlineOnceAnswered, admin.StackedInline):
    """A scale's grades. Once the scale is in use (Part A returns made with a tool version on it) each keeps its
    rank, label and code, and none is added or removed, but what it means can still be written: a partnership
    whose scale was in use before grades could say it had no way to tell its auditors."""

    model = models.Grade
    form = _ShownGradeForm
    formset = _GradeFormSet
    extra = 0
    still_changeable = frozenset({"description"})
    fixed_fields = ("rank", "label", "code")

    def is_answered(self, obj) -> bool:
        return _scale_answered(obj)  # the parent: a scale


@admin.register(models.GradeScale)
class GradeScaleAdmin(
    _AnsweredMeanwhile,
    _LockedWhileSaved,
    _NotTheAdministrators,
    _InTheAccessLog,
    _FixedOnceAnswered,
    _CountedLines,
    admin.ModelAdmin,
):
    """A scale in use keeps its name and its grades' ranks, labels and codes: its page saves what each grade
    means alone (GradeInline). A page opened before it was in use, saved after with other changes, is refused,
    listing them."""

    inlines = [GradeInline]
    still_changeable = GradeInline.still_changeable  # its grades'
    fixed_fields = ("name",)
    not_saved_meanwhile = _(
        "Not saved: Part A returns have been made with a tool version on this scale since you opened this page, "
        "so its name and its grades' ranks, labels and codes can no longer change, nor grades be added or "
        "removed; only what each grade means can. Copy what you need, and save what the grades mean again."
    )

    def is_answered(self, obj) -> bool:
        return _scale_answered(obj)

    def opened_on_the_draft(self, request) -> bool:
        # Once the scale is in use its page shows the name read-only, and does not post it.
        return "name" in request.POST

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and _scale_answered(obj):
            self.message_user(
                request,
                _(
                    "Only what each grade means can be changed: Part A returns were made with a tool version on "
                    "this scale, and they keep the grades they were given, so its name and its grades' ranks, "
                    "labels and codes are read-only, and no grade can be added or removed. What each grade means "
                    "is shown to the auditors with the scale."
                ),
                level=messages.INFO,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


class ToolVersionInline(admin.TabularInline):
    model = models.ToolVersion
    extra = 0
    fields = ("number", "scale", "notes", "created_at")
    readonly_fields = fields  # versions are made by "Add tool version" or copied, and edited on their own page
    show_change_link = True  # each version's own page: its stages, and "Copy as a new version"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.AuditTool)
class AuditToolAdmin(_ToItsPageOnceAdded, _NotTheAdministrators, _InTheAccessLog, _CountedLines, admin.ModelAdmin):
    inlines = [ToolVersionInline]


class SectionInline(_FixedInlineOnceAnswered, _CountedLines, admin.StackedInline):
    model = models.Section
    form = _ShownStageForm
    formset = _Renumbered
    extra = 0
    show_change_link = True  # a stage's standards are edited on the stage's own page

    def is_answered(self, obj) -> bool:
        return _answered(obj)  # the parent: a tool version


def _say_why_read_only(model_admin, request, version: models.ToolVersion) -> None:
    """On the page of an answered version (or of one of its stages): why nothing can be changed, and how
    to get a version that can."""
    model_admin.message_user(
        request,
        _(
            "%(version)s is read-only: Part A returns were made with it, and they keep the tool they were "
            "answered with. To adapt it, tick it on the list of tool versions and choose “Copy as a new "
            "version, to adapt it”: the copy can be edited, then chosen for the audit."
        )
        % {"version": version},
        level=messages.INFO,
    )


def _say_which_stages_are_empty(model_admin, request, version: models.ToolVersion) -> None:
    """On a draft version's page: its stages that have no standards yet, which Part A would show the auditors
    as empty headings. A stage's standards are added on the stage's own page, which a QA manager making a
    first tool did not find from the stages listed here. One query."""
    empty = list(
        models.Section.objects.filter(version=version, standards__isnull=True)
        .order_by("order")
        .values_list("title", flat=True)
    )
    if empty:
        model_admin.message_user(
            request,
            ngettext(
                "This stage has no standards yet: %(stages)s. Add them on the stage's page (“Change” by its "
                "title below), or from a spreadsheet; until then the auditors would find it empty.",
                "These stages have no standards yet: %(stages)s. Add them on each stage's page (“Change” by its "
                "title below), or from a spreadsheet; until then the auditors would find them empty.",
                len(empty),
            )
            % {"stages": ", ".join(empty)},
            level=messages.WARNING,
        )


@admin.register(models.ToolVersion)
class ToolVersionAdmin(
    _ToItsPageOnceAdded,
    StandardsImportMixin,
    _AnsweredMeanwhile,
    _LockedWhileSaved,
    _NotTheAdministrators,
    _InTheAccessLog,
    _FixedOnceAnswered,
    admin.ModelAdmin,
):
    list_display = ("tool", "number", "scale", "created_at", "answered")
    readonly_fields = ("created_at",)  # when the version was made (added or copied): not typed
    inlines = [SectionInline]
    actions = ["copy_as_new_version"]

    def is_answered(self, obj) -> bool:
        return _answered(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "scale" and field is not None:
            # On a new partnership's portal the list is empty, and the only way to a scale was an unlabelled
            # icon beside it.
            field.help_text = _(
                "The grades the auditors choose from for each standard (with Not applicable). None in the list "
                "yet? “Add another grade scale”, the + beside it, makes one: its grades from the best to the worst."
            )
        return field

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and _answered(obj):
            _say_why_read_only(self, request, obj)
        elif obj is not None:
            _say_which_stages_are_empty(self, request, obj)
        context["standards_import"] = self.standards_import_allowed(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_queryset(self, request):
        returns = models.PartAReturn.objects.filter(tool_version=OuterRef("pk"))
        return super().get_queryset(request).annotate(answered_by_returns=Exists(returns))

    @admin.display(boolean=True, description=_("Answered (read-only)"))
    def answered(self, obj) -> bool:
        return _answered(obj)

    @admin.action(description=_("Copy as a new version, to adapt it"), permissions=["add"])
    def copy_as_new_version(self, request, queryset) -> None:
        for version in queryset.select_related("tool"):
            copy = tool_version_copy(version=version, user=request.user, request=request)
            self.message_user(
                request,
                _("%(copy)s made from %(version)s: adapt it, then choose it for the audit.")
                % {"copy": copy, "version": version},
            )


class StandardInline(_FixedInlineOnceAnswered, admin.StackedInline):
    model = models.Standard
    form = _ShownStandardForm
    formset = _Renumbered
    extra = 0

    def is_answered(self, obj) -> bool:
        return obj is not None and _answered(obj.version)  # the parent: a section


def _lock_version(versions) -> None:
    """The tool version's row lock, until the transaction ends: the one its page's save (LockedWhileSaved)
    and "Add stages and standards from a spreadsheet" (audits.tool_import) take, reading the version
    before they number what they add. `versions`: the version, as a queryset of it."""
    list(versions.select_for_update(of=("self",)).values_list("pk", flat=True))


class _StageForm(forms.ModelForm):
    """A stage's own page. Adding a stage there ("Add stage"), its Order may be left empty, as on its
    version's page (_BlankNumberLast): the stage goes after the version's last stage, numbered last + 1,
    read under the version's row lock, the lock its version's page and "Add stages and standards from a
    spreadsheet" take, so that a stage added at the same moment from either is numbered before or after
    this one, never the same. After a stage numbered as high as an order can be (32767), refused on the
    Order field, saying why (audits/numbering.py). A stage already saved still needs its number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.fields.get("order")
        if order is not None and self.instance.pk is None:
            order.required = False
            order.help_text = _("Leave it empty to put it after the version's last stage.")

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get("version")
        if self.instance.pk is None and "order" in self.fields and cleaned.get("order") is None and version:
            _lock_version(models.ToolVersion.objects.filter(pk=version.pk))
            top = models.Section.objects.filter(version=version).aggregate(top=Max("order"))["top"] or 0
            # After a stage numbered 32767: refused as Planning's rows are, not "less than or equal to 32767".
            refused = past_highest_left_empty(models.Section, "order", top)
            if refused:
                self.add_error("order", refused)
            else:
                cleaned["order"] = top + 1
        return cleaned


@admin.register(models.Section)
class SectionAdmin(
    _AnsweredMeanwhile,
    _LockedWhileSaved,
    _NotTheAdministrators,
    _InTheAccessLog,
    _FixedOnceAnswered,
    _CountedLines,
    admin.ModelAdmin,
):
    list_display = ("title", "version", "order")
    form = _StageForm
    inlines = [StandardInline]

    def is_answered(self, obj) -> bool:
        return obj is not None and _answered(obj.version)

    def get_object(self, request, object_id, from_field=None):
        # Saved: the stage's version first, under the row lock "Add stages and standards from a
        # spreadsheet" and the version's page take, then the stage's own (LockedWhileSaved). A standard
        # added here with its Order left empty is numbered after the stage's last one (_BlankNumberLast):
        # added at the same moment as the spreadsheet's into the same stage, one waits for the other and
        # is numbered (or checked) after it, instead of both taking the same number (a server error for
        # one). The version before the stage: every save that locks both locks them in that order, so two
        # saves never each wait for the other.
        if request.method == "POST" and from_field is None:
            try:
                _lock_version(models.ToolVersion.objects.filter(sections__pk=object_id))
            except (ValueError, forms.ValidationError):
                return None
        return super().get_object(request, object_id, from_field)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.is_answered(obj):
            _say_why_read_only(self, request, obj.version)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Save goes back to the stage's tool version, whose stages are edited one after the other, rather
    # than to the list of every version's stages.
    def response_post_save_add(self, request, obj):
        return HttpResponseRedirect(reverse("admin:audits_toolversion_change", args=[obj.version_id]))

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:audits_toolversion_change", args=[obj.version_id]))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":  # a new stage goes into a version nobody has answered yet
            kwargs["queryset"] = models.ToolVersion.objects.filter(returns__isnull=True).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _planning(audit: models.Audit | None) -> bool:
    return audit is None or audit.pk is None or audit.status == models.AuditStatus.PLANNING


# An audit taken back from Part A to Planning (to add a case or an agency, audits.models.AUDIT_TRANSITIONS)
# is in Planning with its work in it: what would delete or orphan that work is refused here, each with
# what to do instead. "Work": a Part A return somebody has started (a draft, sent, accepted or marked no
# involvement), and whatever Part B or the briefings made of the audit.


def _started_returns(audit: models.Audit):
    return models.PartAReturn.objects.filter(audit=audit).exclude(status=models.ReturnStatus.NOT_STARTED)


def _audit_has_work(audit: models.Audit | None) -> bool:
    """True once anybody has worked on the audit: it can no longer be deleted, nor its tool changed.
    Kept on the object, as _answered is (the admin asks its permissions many times a page)."""
    if audit is None or audit.pk is None:
        return False
    if not hasattr(audit, "has_work"):
        audit.has_work = (
            _started_returns(audit).exists()
            or models.CaseJudgement.objects.filter(case__audit=audit).exists()
            or audit.findings.exists()
            or audit.recommendations.exists()
            or audit.briefings.exists()
        )
    return audit.has_work


def _cases_with_work(audit: models.Audit, case_ids: list[int]) -> set[int]:
    started = _started_returns(audit).filter(case_id__in=case_ids).values_list("case_id", flat=True)
    judged = models.CaseJudgement.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True)
    cited = models.Finding.cases.through.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True)
    return set(started) | set(judged) | set(cited)


def _agencies_with_work(audit: models.Audit, agency_ids: list[int]) -> set[int]:
    started = _started_returns(audit).filter(agency_id__in=agency_ids).values_list("agency_id", flat=True)
    attended = models.Attendance.objects.filter(
        participant__audit=audit, participant__agency_id__in=agency_ids
    ).values_list("participant__agency_id", flat=True)
    found = audit.findings.filter(agency_id__in=agency_ids).values_list("agency_id", flat=True)
    owning = audit.recommendations.filter(owner_agency_id__in=agency_ids).values_list("owner_agency_id", flat=True)
    return set(started) | set(attended) | set(found) | set(owning)


class _PlannedOnly:
    """An audit's agencies and cases: set in Planning, fixed once Part A has made a return for each."""

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and _planning(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _planning(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _planning(obj)


class _KeepsTheWork(_RemovedMeanwhile):
    """Refuses to remove (or, for an agency, replace) a row whose Part A or Part B work would go with it."""

    def removed(self) -> list:
        """The saved rows this post removes: those ticked for deletion."""
        return [form.instance for form in self.deleted_forms if form.instance.pk]

    def refusal(self, rows: list) -> str:
        raise NotImplementedError

    def clean(self) -> None:
        super().clean()
        rows = self.removed()
        if rows and (message := self.refusal(rows)):
            raise forms.ValidationError(message)


class _ParticipantFormSet(_KeepsTheWork):
    def removed(self) -> list:
        rows = super().removed()
        for form in self.forms:
            # An agency replaced by another on its row leaves the first one's returns behind, as a removal does.
            # Past Planning the rows are read-only and not posted: has_changed() is then False (the admin's
            # own guard), while changed_data would take every missing agency for a replaced one.
            if (
                form.instance.pk
                and form not in self.deleted_forms
                and form.has_changed()
                and "agency" in form.changed_data
            ):
                rows.append(models.AuditAgency.objects.select_related("agency").get(pk=form.instance.pk))
        return rows

    def refusal(self, rows: list) -> str:
        busy = _agencies_with_work(self.instance, [row.agency_id for row in rows])
        names = [str(row.agency) for row in rows if row.agency_id in busy]
        if not names:
            return ""
        return _(
            "%(agencies)s cannot be withdrawn from the audit or replaced: its Part A returns have been started or "
            "sent, or Part B recorded its attendance, findings or recommendations, and they would be lost. To "
            "have someone else finish its returns, change its auditor on the audit's page."
        ) % {"agencies": ", ".join(names)}


class _CaseFormSet(_BlankNumberLast, _KeepsTheWork):
    # The order the audit's cases are listed in (Part A, the boards, the exports), then by reference.
    numbered = "order"

    def clean(self) -> None:
        """Two references differing only in capitals or spaces ("Case 1", "case 1", "Case1") are one pseudonym
        written twice: refused, as the same reference typed twice is (the model's unique constraint), instead
        of two cases Part A, the boards and the exports list side by side. Compared with the rows this save
        keeps and any case added meanwhile from another page."""
        super().clean()
        if any(self.errors):
            return
        initial = set(self.initial_forms)
        kept = [
            form.cleaned_data["reference"]
            for form in self.forms
            if form.cleaned_data.get("reference")
            and not self._should_delete_form(form)
            and (form not in initial or form.instance.pk is not None)  # not a row removed meanwhile
        ]
        if self.instance.pk:
            on_the_page = [form.instance.pk for form in self.initial_forms if form.instance.pk]
            others = models.Case.objects.filter(audit=self.instance).exclude(pk__in=on_the_page)
            kept = [*others.order_by("order", "pk").values_list("reference", flat=True), *kept]
        seen: dict[str, str] = {}
        alike = []
        for reference in kept:
            key = "".join(reference.split()).casefold()
            if key in seen:
                alike.append(
                    _("“%(reference)s” is the same reference as “%(other)s”, written differently")
                    % {"reference": reference, "other": seen[key]}
                )
            else:
                seen[key] = reference
        if alike:
            raise forms.ValidationError(
                "; ".join(alike) + ". " + _("Give each case its own reference, such as “Case 1” and “Case 2”.")
            )

    def refusal(self, rows: list) -> str:
        busy = _cases_with_work(self.instance, [row.pk for row in rows])
        references = [row.reference for row in rows if row.pk in busy]
        if not references:
            return ""
        return _(
            "%(cases)s cannot be removed from the audit: agencies have started or sent Part A returns for it, or "
            "Part B judged or cited it, and that work would be deleted with it."
        ) % {"cases": ", ".join(references)}


def _auditors(*kept: int | None):
    """Whom an agency's list of auditors offers: each manager or practitioner of an agency, with the agency
    they work for (the auditor must be one of that agency's: AuditAgency.clean, as in the app's "Change
    auditor"), and the row's auditor as stored or as its page showed them (`kept`), even one who can no
    longer audit for it (labelled so, _AuditorChoice): left out, the row showed nobody chosen and saving the
    plan cleared it. One query a row, as before."""
    can_audit = Q(is_active=True, agency__isnull=False, role__in=AGENCY_STAFF_ROLES)
    if any(kept):
        can_audit |= Q(pk__in=[pk for pk in kept if pk])
    return (
        get_user_model()
        .objects.filter(can_audit)
        .select_related("agency")
        .order_by("agency__name", "last_name", "first_name")
    )


class _AuditorChoice(forms.ModelChoiceField):
    # The row's auditor as stored, and its agency: labelled when they can no longer audit for it.
    row_auditor_id: int | None = None
    row_agency_id: int | None = None

    def label_from_instance(self, obj) -> str:
        name = f"{obj} ({obj.agency})" if obj.agency_id else str(obj)
        if obj.pk != self.row_auditor_id:
            return name  # another agency's people are offered as ever, named with their agency
        reason = models.auditor_unable_reason(obj, self.row_agency_id)
        if reason == "inactive":
            why = _("account deactivated")
        elif reason == "agency":
            why = _("no longer works for this agency")
        elif reason == "role":
            why = _("now %(role)s") % {"role": obj.get_role_display()}
        else:
            return name
        return str(_("%(name)s (can no longer audit for it: %(why)s)") % {"name": name, "why": why})


class _ParticipantForm(_ShownRowForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        auditor = self.fields.get("auditor")
        kept = [self.instance.auditor_id, *_shown_choice(self, "auditor")] if self.instance.pk else []
        if isinstance(auditor, _AuditorChoice) and any(kept):
            # Still offered, and chosen, when they can no longer audit for the agency: saved as it is, the row
            # keeps them (the page says so above the form: auditors-unable), rather than clearing it unseen.
            auditor.queryset = _auditors(*kept)
            auditor.row_auditor_id, auditor.row_agency_id = self.instance.auditor_id, self.instance.agency_id

    def _post_clean(self) -> None:
        # The model's "The auditor must work for this agency." (AuditAgency.clean) named nobody, on a page
        # that may list several agencies: said here with the person and both agencies.
        auditor, agency = self.cleaned_data.get("auditor"), self.cleaned_data.get("agency")
        # The row's auditor as stored, who can no longer audit for it, left as it is on a plan saved for something
        # else: kept (AuditAgency.clean refuses naming them, not leaving them named).
        kept = (
            auditor is not None
            and agency is not None
            and self.instance.pk
            and auditor.pk == self.initial.get("auditor")
            and agency.pk == self.initial.get("agency")
        )
        super()._post_clean()
        if kept and "auditor" in self._errors:
            del self._errors["auditor"]
            self.cleaned_data["auditor"] = auditor
            return
        if auditor is None or agency is None or auditor.agency_id == agency.pk or "auditor" not in self._errors:
            return
        values = {"name": auditor, "agency": agency.name, "theirs": auditor.agency.name if auditor.agency_id else ""}
        if auditor.agency_id:
            said = _(
                "%(name)s works for %(theirs)s, not %(agency)s: choose one of %(agency)s's managers or practitioners."
            )
        else:
            said = _("%(name)s works for no agency: choose one of %(agency)s's managers or practitioners.")
        self._errors["auditor"] = self.error_class([said % values], renderer=self.renderer)


class ParticipantInline(_PlannedOnly, admin.StackedInline):
    model = models.AuditAgency
    form = _ParticipantForm
    formset = _ParticipantFormSet
    extra = 0
    verbose_name = _("agency and its auditor")
    verbose_name_plural = _("agencies and their auditors")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "auditor":
            # Each person with the agency they work for: the auditor must be one of that agency's managers
            # or practitioners (AuditAgency.clean), as in the app's "Change auditor".
            kwargs["queryset"] = _auditors()
            kwargs["form_class"] = _AuditorChoice
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Past Planning the rows are read-only, and Django shows a read-only agency or auditor as a link to its page
    # in Administration, which the QA manager may not open (a 403, and a refused access in the access log):
    # shown as text instead.
    _AS_TEXT = {"agency": "agency_text", "auditor": "auditor_text"}

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [self._AS_TEXT.get(name, name) for name in fields if name not in self._AS_TEXT.values()]

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if self.has_change_permission(request, obj) else (*fields, *self._AS_TEXT.values())

    @admin.display(description=_("agency"))
    def agency_text(self, row: models.AuditAgency) -> str:
        return str(row.agency) if row.agency_id else "-"

    @admin.display(description=_("auditor"))
    def auditor_text(self, row: models.AuditAgency) -> str:
        return str(row.auditor) if row.auditor_id else "-"


class CaseInline(_PlannedOnly, admin.StackedInline):
    model = models.Case
    form = _ShownRowForm
    formset = _CaseFormSet
    extra = 0


def _row_fields(model) -> list[str]:
    """The fields of an agency's or a case's row on the page, in _ShownRowForm.compared's order."""
    fields = [*model._meta.fields, *model._meta.many_to_many]
    return sorted(f.name for f in fields if f.editable and not f.primary_key and f.name != "audit")


def _row_name(row) -> str:
    return str(row.agency) if isinstance(row, models.AuditAgency) else row.reference


def _rows_typed(data, audit: models.Audit) -> list[str]:
    """What a post of Planning's audit page changed in its agency and case rows (added, changed, removed),
    read from the post itself: for a page that showed them editable, posted once they no longer are (the
    admin then ignores them without a word). In the words of the refusal."""
    typed: list[str] = []
    for prefix, model, label in (
        ("participants", models.AuditAgency, _("the agency “%(name)s”")),
        ("cases", models.Case, _("the case “%(name)s”")),
    ):
        names = _row_fields(model)
        try:
            total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
            initial = int(data.get(f"{prefix}-INITIAL_FORMS") or 0)
        except ValueError:
            continue
        rows = {str(row.pk): row for row in model.objects.filter(audit=audit).select_related()}

        for i in range(total):
            key = f"{prefix}-{i}"
            posted = {
                name: data.getlist(f"{key}-{name}")
                if model._meta.get_field(name).many_to_many
                else data.get(f"{key}-{name}")
                for name in names
            }
            if i < initial:
                row = rows.get(str(data.get(f"{key}-id")))
                if row is None:
                    continue
                if f"{key}-DELETE" in data:
                    typed.append(_("the removal of %(row)s") % {"row": label % {"name": _row_name(row)}})
                elif not _left_as_shown(data.get(f"{key}-shown") or "", posted):
                    typed.append(_("the changes to %(row)s") % {"row": label % {"name": _row_name(row)}})
                continue
            defaults = {f.name: str(f.default) for f in model._meta.fields if f.name in names and f.has_default()}
            if not any(value and str(value) != defaults.get(name) for name, value in posted.items()):
                continue  # a row added and left empty: the admin would not have saved it either
            if model is models.AuditAgency:
                agency = (
                    Agency.objects.filter(pk=posted["agency"]).first()
                    if str(posted["agency"]).isascii() and str(posted["agency"]).isdigit()
                    else None
                )
                name = str(agency) if agency else _("another agency")
            else:
                name = posted["reference"] or _("without a reference")
            typed.append(_("%(row)s added") % {"row": label % {"name": name}})
    return typed


def _back_in_planning(shown_status, audit: models.Audit) -> bool:
    """A post of Planning's audit page opened past Planning, the audit back in Planning since."""
    return bool(shown_status) and shown_status != models.AuditStatus.PLANNING and bool(audit.pk) and _planning(audit)


def _shown_choice(form, name: str) -> list[int]:
    """The person a bound row form's page showed chosen in `name` and posted back as shown (ShownFieldsForm's
    marker), as a list of their id, or []: a page opened before somebody else named another in place of one who
    can no longer act, saved for something else, keeps theirs (ShownFieldsForm.clean), rather than 'Select a
    valid choice'."""
    if not form.is_bound:
        return []
    posted = form.data.get(form.add_prefix(name)) or ""
    shown = form.shown_digests().get(name)
    return [int(posted)] if posted.isascii() and posted.isdigit() and shown == field_digest(posted) else []


def _lead_officers(*kept: int | None):
    """Whom the plan's list of lead officers offers: anyone who may lead an audit now (not an administrator,
    who has no access to case content: Audit.clean), and the audit's lead officer as stored or as its page
    showed them (`kept`), even one who no longer can (labelled so, _LeadOfficerChoice): left out, the list
    showed nobody chosen and saving the plan for anything else erased who leads (or led) the audit. One
    query, as before."""
    can_lead = Q(is_active=True, role__in=LEAD_OFFICER_ROLES)
    if any(kept):
        can_lead |= Q(pk__in=[pk for pk in kept if pk])
    return get_user_model().objects.filter(can_lead).order_by("last_name", "first_name")


class _LeadOfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        why = {"inactive": _("account deactivated"), "role": _("now an administrator")}.get(
            models.lead_unable_reason(obj), ""
        )
        if why:
            return str(_("%(name)s (can no longer lead: %(why)s)") % {"name": obj, "why": why})
        return str(obj)


class AuditPlanningForm(_ShownRowForm):
    """The audit itself: what the page shows of it (its title, theme, texts, tool version, dates and lead officer)
    as a row's (`shown`). Its dates and lead officer are the plan a change of which is e-mailed (plan_changes):
    changed meanwhile by somebody else (the session moved on its own page, another QA manager), they are not
    undone by a page opened before, nor e-mailed back to everyone as a change."""

    parent = ""
    # Where the audit was when the page was opened: its agencies and cases are editable in Planning only.
    shown_status = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["shown_status"].initial = self.instance.status
        lead = self.fields.get("lead_officer")
        if lead is not None and self.instance.pk:
            # Still offered, and chosen, when they can no longer lead: saved as it is, the plan keeps them.
            kept = [self.instance.lead_officer_id, *_shown_choice(self, "lead_officer")]
            if any(kept):
                lead.queryset = _lead_officers(*kept)
        if self.is_bound and _back_in_planning(self.data.get(self.add_prefix("shown_status")), self.instance):
            # The page showed the tool version read-only, so did not post it: the one stored now, not 'This
            # field is required.' (the refusal, _went_back_to_planning, says why).
            if "tool_version" in self.fields and self.add_prefix("tool_version") not in self.data:
                self.post_again("tool_version", self.instance.tool_version_id or "")

    def compared(self) -> list[str]:
        return [name for name in super().compared() if name != "shown_status"]

    def _moved_on_from_planning(self) -> None:
        """A page opened in Planning, posted once the audit has moved on (Part A opened meanwhile, in another
        tab or by another QA manager): the admin would ignore the agencies and cases it added, changed or
        removed, now read-only, and say the audit was changed successfully. Refused instead, naming them."""
        shown = self.data.get(self.add_prefix("shown_status")) or ""
        if shown != models.AuditStatus.PLANNING or _planning(self.instance):
            return
        typed = _rows_typed(self.data, self.instance)
        # Saving again is deliberate: from the page as it is now, its agencies and cases read-only.
        self.post_again("shown_status", self.instance.status)
        if not typed:
            return
        values = {"status": self.instance.get_status_display(), "typed": "; ".join(typed)}
        by = self._moved_by()
        if by:
            values["by"] = by
            moved = _("While you had this page open, the audit moved on from Planning to %(status)s (%(by)s)")
        else:
            moved = _("While you had this page open, the audit moved on from Planning to %(status)s")
        self.add_error(
            None,
            (moved % values)
            + ": "
            + _(
                "its agencies and cases can no longer be changed here. Nothing was saved: not %(typed)s, nor "
                "the rest of this page, which is kept below as you typed it. Save again to save the rest. To add "
                "or change an agency or a case, first take the audit back to Planning from its progress page."
            )
            % values,
        )

    def _moved_by(self) -> str:
        """Who last moved the audit from one stage to another, and when ("by … at …"), from its history; ""
        when the history does not say."""
        last = last_change(self.instance, summary_prefix=STATUS_HISTORY_PREFIX)
        if last is None:
            return ""
        return _("by %(who_and_when)s") % {"who_and_when": last.who_and_when()}

    def _went_back_to_planning(self) -> None:
        """A page opened past Planning (its tool version, agencies and cases read-only), posted once the audit
        went back to Planning (another QA manager, the same one's other tab): Django refused it with 'This field
        is required.' on the tool version and on every row of its agencies and cases, which the page had not
        posted. Refused saying what happened, what was typed kept; the agencies and cases shown as stored now."""
        if not _back_in_planning(self.data.get(self.add_prefix("shown_status")), self.instance):
            return
        by = self._moved_by()
        if by:
            back = _("While you had this page open, the audit went back to Planning (%(by)s)") % {"by": by}
        else:
            back = _("While you had this page open, the audit went back to Planning")
        # Saving again is deliberate: from the page as it is now, its plan editable.
        self.post_again("shown_status", self.instance.status)
        self.add_error(
            None,
            back
            + ": "
            + _(
                "its tool version, agencies and cases can be changed again. Nothing was saved; what you typed is "
                "kept below, and the agencies and cases are shown as they are now. Save again to save it, or copy "
                "what you need and reload this page to edit the plan."
            ),
        )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._moved_on_from_planning()
            self._went_back_to_planning()
        return cleaned

    def _post_clean(self) -> None:
        # The model refuses an administrator as lead officer (Audit.clean): naming one, yes, but not the lead
        # officer already named, since made an administrator, left as it is while the plan is saved for
        # something else (the page says they can no longer lead: lead-unable in the change form).
        lead = self.cleaned_data.get("lead_officer")
        kept = lead is not None and self.instance.pk and lead.pk == self.initial.get("lead_officer")
        super()._post_clean()
        if kept and "lead_officer" in self._errors:
            del self._errors["lead_officer"]
            self.cleaned_data["lead_officer"] = lead


@admin.register(models.Audit)
class AuditAdmin(
    _ToItsPageOnceAdded, _LockedWhileSaved, _NotTheAdministrators, _InTheAccessLog, _CountedLines, admin.ModelAdmin
):
    form = AuditPlanningForm
    list_display = ("title", "theme", "status", "lead_officer", "part_a_due", "part_b_date")
    list_filter = ("status", "theme")
    actions = ["plan_like_this"]
    inlines = [ParticipantInline, CaseInline]
    fields = (
        "title",
        "slug",
        "theme",
        "scope_question",
        "context",
        "methodology",
        "cohort_source",
        "tool_version",
        "lead_officer",
        "part_a_due",
        "part_b_date",
        "what_next",
        "status",
        "shown_status",
        "shown",
    )

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ("title",)} if obj is None else {}

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "POST" and obj is not None and _back_in_planning(request.POST.get("shown_status"), obj):
            # The page showed its agencies and cases read-only, posting none of their fields: shown as stored
            # now, the save refused (AuditPlanningForm._went_back_to_planning), not rows of 'This field is
            # required.'.
            for name in ("data", "files", "save_as_new"):
                kwargs.pop(name, None)
        return kwargs

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The page lists the audit's cases (age band, gender, risk): recorded as read, as the
            # app's own pages of case detail are (a change is recorded as one: _InTheAccessLog).
            access_record(request=request, action=AccessAction.VIEW, obj=obj, summary=f"Planning: viewed {obj}")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and obj is not None:
            # Its history names the cases changed, by reference, and which of their fields: read, as the page
            # is (a refusal is recorded by the admin site: auditportal.admin; no such audit is a redirect).
            access_record(
                request=request, action=AccessAction.VIEW, obj=obj, summary=f"Planning: viewed the history of {obj}"
            )
        return response

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.status == models.AuditStatus.CANCELLED:
            fields += ["cancelled_at", "cancelled_by_text", "cancel_reason"]
        if obj is not None and self._lead_officer_read_only(request, obj):
            # People read-only as text: Django shows them as a link to their page in Administration, which
            # the QA manager may not open (a 403, and a refused access in the access log).
            fields = ["lead_officer_text" if name == "lead_officer" else name for name in fields]
        return fields

    def has_change_permission(self, request, obj=None) -> bool:
        # A cancelled audit is final (audits.services.partb.audit_cancel): shown, never changed here.
        cancelled = obj is not None and obj.status == models.AuditStatus.CANCELLED
        return super().has_change_permission(request, obj) and not cancelled

    def get_readonly_fields(self, request, obj=None):
        # The status moves through the audit's own page (it opens Part A, which makes the returns), and
        # is cancelled there too, with a reason: never to or from Cancelled here.
        fields = ["status", "cancelled_at", "cancelled_by", "cancelled_by_text", "cancel_reason"]
        if obj is not None:
            fields.append("slug")  # in every link to the audit
            if not _planning(obj) or _audit_has_work(obj):
                fields.append("tool_version")  # the returns were made with it
            if obj.status == models.AuditStatus.CLOSED:
                # What happened, as the session page keeps it once closed: who led it too, whatever became of them.
                fields += ["part_a_due", "part_b_date", "lead_officer"]
            if self._lead_officer_read_only(request, obj):
                fields.append("lead_officer_text")
        return fields

    def _lead_officer_read_only(self, request, obj) -> bool:
        return obj.status == models.AuditStatus.CLOSED or not self.has_change_permission(request, obj)

    @admin.display(description=_("lead officer"))
    def lead_officer_text(self, audit: models.Audit) -> str:
        return str(audit.lead_officer) if audit.lead_officer_id else "-"

    @admin.display(description=_("cancelled by"))
    def cancelled_by_text(self, audit: models.Audit) -> str:
        return str(audit.cancelled_by) if audit.cancelled_by_id else "-"

    def save_model(self, request, obj, form, change) -> None:
        before = saved = session = None
        if change:
            # The plan as people were told it, read under the audit's row lock (as a status move takes it).
            saved = models.Audit.objects.select_for_update().get(pk=obj.pk)
            session = models.PartBSession.objects.filter(audit=obj).first()
            before = plan_of(saved, session)
        super().save_model(request, obj, form, change)
        if saved is not None and saved.lead_officer_id != obj.lead_officer_id:
            # Who leads the audit, as the app's Change auditor records who audits for an agency (usernames only:
            # the administrator reads the access log), beside the admin's "Planning: changed …".
            old = saved.lead_officer.get_username() if saved.lead_officer_id else "(none)"
            new = obj.lead_officer.get_username() if obj.lead_officer_id else "(none)"
            access_record(
                request=request,
                action=AccessAction.CHANGE,
                obj=obj,
                summary=f"Lead officer changed: {old} → {new}",
            )
        if change and "tool_version" in form.changed_data:
            # Nobody has started a return (else the field is read-only): they follow the audit's new tool.
            models.PartAReturn.objects.filter(audit=obj, status=models.ReturnStatus.NOT_STARTED).update(
                tool_version=obj.tool_version
            )
        if before is not None:
            if session is not None and saved.part_b_date != obj.part_b_date:
                # The session page and Part B's e-mails read the session's date: keep the two the same, as
                # the session page does (services.partb.session_update).
                session.date = obj.part_b_date
                session.save(update_fields=["date"])
            # Past Planning, a changed due date, session date or lead officer is e-mailed to whom it concerns.
            if plan_changed_notify(audit=obj, before=before, after=plan_of(obj, session), user=request.user):
                self.message_user(request, _("The people this change concerns are being e-mailed it."))
        if (
            obj.status == models.AuditStatus.PART_A
            and obj.part_a_due is not None
            and obj.part_a_due != (saved.part_a_due if saved is not None else None)
            and obj.part_a_due < timezone.localdate()
        ):
            # Not refused (an audit recorded after the event has past dates), but said: a year typed wrong
            # makes every return overdue at once, and the auditors are told that date.
            self.message_user(
                request,
                _(
                    "Part A's due date, %(date)s, has already passed: every return not yet submitted shows as "
                    "overdue, and the daily reminders say so. If that is not meant, change it again."
                )
                % {"date": date_format(obj.part_a_due, "j F Y")},
                level=messages.WARNING,
            )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # An agency withdrawn (or replaced) in Planning takes its untouched returns with it: nobody would
        # be named to complete them, and the pages would count them.
        audit = form.instance
        models.PartAReturn.objects.filter(audit=audit, status=models.ReturnStatus.NOT_STARTED).exclude(
            agency_id__in=audit.participants.values("agency_id")
        ).delete()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_officer":
            # Not an administrator, who has no access to case content (Audit.clean); the audit's own lead
            # officer is added by its form (AuditPlanningForm), labelled when they can no longer lead.
            kwargs["queryset"] = _lead_officers()
            kwargs["form_class"] = _LeadOfficerChoice
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        # In Planning, and only while nobody has worked on it: an audit taken back to Planning keeps its work.
        return super().has_delete_permission(request, obj) and _planning(obj) and not _audit_has_work(obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one audit at a time, from its own page, while in Planning
        return actions

    @admin.action(description=_("Plan a new audit like this one"), permissions=["add"])
    def plan_like_this(self, request, queryset):
        """The partnership's next themed audit, planned from the one ticked (audits.services.plan_copy), then
        its Planning page, to set the dates and add the cases."""
        audits = list(queryset[:2])
        if len(audits) != 1:
            self.message_user(
                request,
                _("Choose one audit to plan a new audit like it: %(count)s were ticked.") % {"count": queryset.count()},
                level=messages.ERROR,
            )
            return None
        copied = audit_plan_copy(audit=audits[0], user=request.user, request=request)
        new = copied.audit
        self.message_user(
            request,
            _(
                "“%(new)s” is planned like “%(old)s”: its theme, scope question, texts, tool version, lead officer "
                "and agencies with their auditors were copied; none of its cases, returns, findings, "
                "recommendations, dates or session. Next: check the title, set Part A's due date and the Part B "
                "session's date, and add the cases."
            )
            % {"new": new, "old": audits[0]},
            level=messages.SUCCESS,
        )
        warnings = []
        if copied.agencies_without_auditor:
            warnings.append(
                _(
                    "No auditor was copied for %(agencies)s: the one named before can no longer audit for it. "
                    "Name one below."
                )
                % {"agencies": ", ".join(copied.agencies_without_auditor)}
            )
        if copied.lead_left_out:
            warnings.append(
                _("%(name)s can no longer lead an audit and was not copied as lead officer: name one below.")
                % {"name": copied.lead_left_out}
            )
        if copied.tool_problem:
            warnings.append(
                _("The tool version was copied, but needs changing before Part A opens. %(problem)s")
                % {"problem": copied.tool_problem}
            )
        for text in warnings:
            self.message_user(request, text, level=messages.WARNING)
        return HttpResponseRedirect(reverse("admin:audits_audit_change", args=[new.pk]))


# Part A returns, Part B sessions, judgements, findings and recommendations are not in the admin: the
# app's own pages keep their rules (locking, stages, who may see which agency's return) and write the
# access log. Nor are briefings (briefings/admin.py).
