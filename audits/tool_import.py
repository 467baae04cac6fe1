"""Planning → a tool version → "Add stages and standards from a spreadsheet".

A partnership's first audit tool usually exists already, as a Word table or a spreadsheet of 30 to 50
standards under the stages of the child's journey; typing them one by one into the stages' pages is an
afternoon's work. Here the QA manager uploads (an Excel workbook or a CSV file) or pastes it, with a
heading row naming the columns Stage, Code, Standard, Guidance and Answer; sees the check, stage by
stage, with the code each standard will have; and adds the lot, in the sheet's order: stages named as
one of the version's are added to, the others are added after them. All or nothing: a tool missing the
rows still to put right would be a different tool. Only into a version no Part A return was made with
(the same rule as its pages).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agencies.services import AccessAction, access_record
from agencies.sheets import Columns, Sheet, heading_key, read, sheet_import, sheet_page

from . import models
from .numbering import past_highest_in_a_sheet

COLUMNS = Columns(
    headings={
        "stage": (gettext_lazy("Stage"), "section", "journey stage", "stage title"),
        "code": (gettext_lazy("Code"), "ref", "reference", "number", "no"),
        "text": (gettext_lazy("Standard"), "standard text", "text", "question"),
        "guidance": (gettext_lazy("Guidance"), "guidance for the auditor", "notes for the auditor", "prompts"),
        "answer": (gettext_lazy("Answer"), "answer type", "type"),
        "description": (gettext_lazy("Stage description"), "section description"),
    },
    required=("stage", "text"),
    hint=gettext_lazy(
        "Code, Guidance, Answer and Stage description may be left out: a standard without a code is numbered "
        "by its stage (2.3: the third of the second stage), and one without an answer is graded."
    ),
)

ANSWERS = {
    models.AnswerType.GRADE: ("grade", "graded", "grade and evidence"),
    models.AnswerType.TEXT: ("text", "evidence", "evidence only", "text only", "no grade"),
}
TITLE_MAX = models.Section._meta.get_field("title").max_length
CODE_MAX = models.Standard._meta.get_field("code").max_length


def _code_key(code: str) -> str:
    """A code compared without case or spaces, but with its dots: 1.11 and 11.1 are two codes."""
    return "".join(code.split()).casefold()


def _answer(value: str) -> str | None:
    wanted = heading_key(value)
    if not wanted:
        return models.AnswerType.GRADE
    for answer, names in ANSWERS.items():
        if wanted in {heading_key(name) for name in (*names, str(answer.label))}:
            return answer
    return None


class Stage:
    """A stage the sheet adds standards to: one of the version's (`section`), or a new one."""

    def __init__(self, title: str, order: int, section: models.Section | None, standards: int) -> None:
        self.title, self.order, self.section, self.count = title, order, section, standards
        self.description = section.description if section else ""
        self.described_on = 0  # the line whose description it has
        self.rows: list = []

    @property
    def new(self) -> bool:
        return self.section is None


def check(text: str, version: models.ToolVersion) -> Sheet:
    """Each row checked against the version's stages and standards and the sheet's other rows; a ready
    row's plan is its stage (with its place) and its standard's place and code."""
    sheet = read(text, COLUMNS)
    sections = list(version.sections.order_by("order"))
    counts = dict(
        models.Standard.objects.filter(section__version=version)
        .values("section")
        .annotate(last=Max("order"))
        .values_list("section", "last")
    )
    codes = {
        _code_key(code): (code, title)
        for code, title in models.Standard.objects.filter(section__version=version).values_list(
            "code", "section__title"
        )
    }
    stages = {heading_key(s.title): Stage(s.title, s.order, s, counts.get(s.pk, 0)) for s in sections}
    next_order = max((s.order for s in sections), default=0) + 1
    seen_codes: dict[str, int] = {}
    sheet.stages = []  # the stages the sheet adds to, in its order
    for row in sheet.rows:
        values = row.values
        title, code, standard = values.get("stage", ""), values.get("code", ""), values.get("text", "")
        if not title:
            row.errors.append(_("Stage: give the stage of the child's journey the standard belongs to."))
        elif len(title) > TITLE_MAX:
            row.errors.append(_("Stage: at most %(max)d characters.") % {"max": TITLE_MAX})
        if not standard:
            row.errors.append(_("Standard: the standard's text is empty."))
        if len(code) > CODE_MAX:
            row.errors.append(_("Code: at most %(max)d characters.") % {"max": CODE_MAX})
        answer = _answer(values.get("answer", ""))
        if answer is None:
            row.errors.append(
                _("Answer “%(answer)s” is not one of %(answers)s (or leave it empty: a grade).")
                % {"answer": values["answer"], "answers": ", ".join(str(a.label) for a in models.AnswerType)}
            )
        if code and _code_key(code) in codes:
            row.errors.append(
                _("Code %(code)s is already a standard's in this version (stage “%(stage)s”).")
                % {"code": codes[_code_key(code)][0], "stage": codes[_code_key(code)][1]}
            )
        if code and _code_key(code) in seen_codes:
            row.errors.append(
                _("Code %(code)s is also on line %(line)d.") % {"code": code, "line": seen_codes[_code_key(code)]}
            )
        if code:
            seen_codes.setdefault(_code_key(code), row.line)
        if not title or len(title) > TITLE_MAX:
            continue
        stage = stages.get(heading_key(title))
        if stage is None:
            refused = past_highest_in_a_sheet(
                models.Section, "order", next_order - 1, _("The new stage “%(stage)s”") % {"stage": title}
            )
            if refused:  # the version's stages numbered up to 32767: refused, not a server error
                row.errors.append(refused)
                continue
            stage = stages[heading_key(title)] = Stage(title, next_order, None, 0)
            next_order += 1
        description = values.get("description", "")
        if description and description != stage.description:
            if not stage.new:
                row.errors.append(
                    _(
                        "Stage description: “%(stage)s” is one of the version's stages, with its own description; "
                        "leave the cell empty, or change it on the stage's page."
                    )
                    % {"stage": stage.title}
                )
            elif stage.described_on:
                row.errors.append(
                    _("Stage description: differs from line %(line)d's for the same stage; keep one.")
                    % {"line": stage.described_on}
                )
            else:
                stage.description, stage.described_on = description, row.line
        if stage not in sheet.stages:
            sheet.stages.append(stage)
        refused = past_highest_in_a_sheet(
            models.Standard, "order", stage.count, _("A standard of “%(stage)s”") % {"stage": stage.title}
        )
        if refused:  # the stage's standards numbered up to 32767
            row.errors.append(refused)
            continue
        numbered = "" if code else f"{stage.order}.{stage.count + 1}"  # the code it would be given
        if numbered and _code_key(numbered) in codes:
            row.errors.append(
                _(
                    "Code: numbered %(code)s by its stage, which is already a standard's in this version (stage "
                    "“%(stage)s”): give the row a code of its own."
                )
                % {"code": numbered, "stage": codes[_code_key(numbered)][1]}
            )
        elif numbered and _code_key(numbered) in seen_codes:
            row.errors.append(
                _(
                    "Code: numbered %(code)s by its stage, which is also on line %(line)d: give the row a code of its own."
                )
                % {"code": numbered, "line": seen_codes[_code_key(numbered)]}
            )
        if not row.errors:
            stage.count += 1
            row.stage, row.order, row.answer = stage, stage.count, answer
            row.code = code or numbered
            seen_codes.setdefault(_code_key(row.code), row.line)
            row.plan = f"{stage.order}|{'new' if stage.new else stage.section.pk}|{row.order}|{row.code}"
            stage.rows.append(row)
    return sheet


def example(version: models.ToolVersion) -> tuple[str, Columns, list[dict[str, str]]]:
    """The sheet to start from (a CSV file, or an Excel workbook whose cells are all text, so that a code
    1.10 stays 1.10 in Excel): the version's own stages and standards, if it has any (to adapt in a
    spreadsheet and add to an empty version), else two rows to show the columns."""
    standards = models.Standard.objects.filter(section__version=version).select_related("section")
    rows = [
        {
            "stage": standard.section.title,
            "code": standard.code,
            "text": standard.text,
            "guidance": standard.guidance,
            "answer": str(standard.get_answer_type_display()),
            "description": standard.section.description,
        }
        for standard in standards.order_by("section__order", "order")
    ] or [
        {
            "stage": "Response",
            "code": "1.1",
            "text": "The agency responded to the first concern in a timely way.",
            "guidance": "Look at the first contact and what happened next.",
            "answer": str(models.AnswerType.GRADE.label),
            "description": "From the first concern to the first response.",
        },
        {"stage": "Response", "code": "1.2", "text": "Risks to the child were recognised.", "answer": ""},
    ]
    name = f"{heading_key(str(version.tool))[:40] or 'tool'}-v{version.number}.csv"
    return name, COLUMNS, rows


def tool_version_fill(*, version: models.ToolVersion, sheet: Sheet, user, request: HttpRequest) -> tuple[int, int]:
    """The checked sheet's stages and standards added to `version` (locked by the caller). Returns how
    many stages were added and how many standards."""
    added_stages = 0
    for stage in sheet.stages:
        if not stage.rows:
            continue
        section = stage.section
        if section is None:
            section = models.Section.objects.create(
                version=version, order=stage.order, title=stage.title, description=stage.description
            )
            added_stages += 1
        models.Standard.objects.bulk_create(
            models.Standard(
                section=section,
                order=row.order,
                code=row.code,
                text=row.values["text"],
                guidance=row.values.get("guidance", ""),
                answer_type=row.answer,
            )
            for row in stage.rows
        )
    standards = len(sheet.rows)
    access_record(
        request=request,
        user=user,
        action=AccessAction.CHANGE,
        obj=version,
        summary=f"Planning: {added_stages} stages and {standards} standards added from a spreadsheet to {version}",
    )
    return added_stages, standards


class StandardsImportMixin:
    """ToolVersionAdmin's "Add stages and standards from a spreadsheet" page (…/toolversion/<id>/import/):
    for whoever may change the version, while no Part A return was made with it."""

    standards_import_template = "admin/audits/toolversion/standards_import.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        view = self.admin_site.admin_view(self.standards_import)
        return [path("<path:object_id>/import/", view, name=name), *super().get_urls()]

    def standards_import_allowed(self, request, version) -> bool:
        return version is not None and self.has_change_permission(request, version) and not self.is_answered(version)

    def standards_import(self, request: HttpRequest, object_id: str) -> HttpResponse:
        # One transaction, as the admin's own pages: a POST reads the version under its row lock
        # (LockedWhileSaved) before the sheet is checked, so the check and the adding see the same version.
        with transaction.atomic():
            return self._standards_import(request, object_id)

    def _standards_import(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self.get_object(request, object_id)
        if version is None or not self.has_view_permission(request, version):
            raise PermissionDenied
        back = reverse("admin:audits_toolversion_change", args=[version.pk])
        if self.is_answered(version):
            messages.error(
                request,
                _(
                    "%(version)s is read-only: Part A returns were made with it. Copy it as a new version (on the "
                    "list of tool versions), then add to the copy."
                )
                % {"version": version},
            )
            return HttpResponseRedirect(back)
        if not self.has_change_permission(request, version):
            raise PermissionDenied
        refused = _(
            "Nothing was added: the sheet, or its check, is not the one you saw (the sheet was changed, or the "
            "version's stages or standards changed meanwhile). Read the check below, then add."
        )

        def check_(text: str) -> Sheet:
            return check(text, version)

        def page(form, sheet):
            return self._standards_page(request, version, form, sheet)

        def add(text: str, sheet: Sheet) -> HttpResponse:
            # The sheet was checked, and found as the page showed it, under the version's row lock.
            stages, standards = tool_version_fill(version=version, sheet=sheet, user=request.user, request=request)
            self.log_change(request, version, f"Added {stages} stages and {standards} standards from a spreadsheet.")
            messages.success(
                request,
                _("%(stages)s and %(standards)s added to %(version)s from the spreadsheet. Check them on its page.")
                % {
                    "stages": ngettext("%(count)d stage", "%(count)d stages", stages) % {"count": stages},
                    "standards": ngettext("%(count)d standard", "%(count)d standards", standards)
                    % {"count": standards},
                    "version": version,
                },
            )
            return HttpResponseRedirect(back)

        return sheet_import(
            request, check=check_, page=page, add=add, refused=refused, example=lambda: example(version), whole=True
        )

    def _standards_page(self, request, version, form, sheet: Sheet | None) -> HttpResponse:
        ready = sheet is not None and sheet.rows and not sheet.bad
        new_stages = sum(1 for stage in sheet.stages if stage.new and stage.rows) if ready else 0
        return sheet_page(
            self,
            request,
            self.standards_import_template,
            form=form,
            sheet=sheet,
            columns=COLUMNS,
            original=version,
            title=_("Add stages and standards from a spreadsheet"),
            answers=[answer.label for answer in models.AnswerType],
            cells_template="admin/audits/toolversion/standards_import_cells.html",
            # The CSV link's words for a version with stages are standards_import.html's (example_link).
            example_workbook_label=_("Download this version's stages and standards as a sheet (Excel, .xlsx)")
            if version.sections.exists()
            else _("Download a sheet to start from (Excel, .xlsx)"),
            add_label=ready
            and _("Add %(stages)s and %(standards)s")
            % {
                "stages": ngettext("%(count)d new stage", "%(count)d new stages", new_stages) % {"count": new_stages},
                "standards": ngettext("%(count)d standard", "%(count)d standards", len(sheet.rows))
                % {"count": len(sheet.rows)},
            },
        )
