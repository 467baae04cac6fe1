"""A spreadsheet read into the portal: "Add people from a spreadsheet" (agencies.people_import) and "Add
stages and standards from a spreadsheet" (audits.tool_import) share this.

The person uploads a CSV file or pastes the cells copied from the spreadsheet; the heading row names the
columns (read loosely); each row is checked by the caller; the page shows the check with the sheet back
in its box, and nothing is added before the check was shown, nor anything the check did not show: the
page carries a fingerprint of the sheet and of the rows found ready, and adding is refused, showing the
new check, when the sheet was changed in the box or comes out differently (changed data meanwhile).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ROWS = 500
MAX_BYTES = 512 * 1024


def heading_key(heading: str) -> str:
    """A heading compared without case, spaces, dashes or underscores: "E-mail address",
    "email_address" and "Email Address" are one heading."""
    return "".join(ch for ch in heading.lower() if ch.isalnum())


@dataclass(frozen=True)
class Columns:
    """The columns a sheet is read for: each column's name, the headings a spreadsheet may give it (the
    first is the one shown), and those it must have."""

    headings: dict[str, tuple[Any, ...]]
    required: tuple[str, ...]
    hint: str = ""  # said after the missing columns (what is needed when)

    def label(self, name: str) -> str:
        return str(self.headings[name][0])

    def labels(self, names=None) -> list[str]:
        return [self.label(name) for name in (names if names is not None else self.headings)]

    def column_of(self, heading: str) -> str | None:
        wanted = heading_key(heading)
        for name, headings in self.headings.items():
            if any(heading_key(str(h)) == wanted for h in headings):
                return name
        return None


class SheetError(ValueError):
    """The sheet as a whole cannot be read; the message says why and what to do."""


@dataclass
class Row:
    line: int  # the line the row starts on in the spreadsheet, the heading row being line 1
    cells: list[str]  # as typed, to give back
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    form: forms.ModelForm | None = None  # what the check made of it, ready to save
    plan: str = ""  # what adding it would do, in short: part of the check's fingerprint

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Sheet:
    headings: list[str]
    rows: list[Row]
    ignored: list[str]  # headings of columns not read

    @property
    def good(self) -> list[Row]:
        return [row for row in self.rows if row.ok]

    @property
    def bad(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    def text_of(self, rows: list[Row]) -> str:
        """Those rows under the sheet's headings, as CSV text to put right and check again."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.headings)
        writer.writerows(row.cells for row in rows)
        return out.getvalue()


def _too_large() -> SheetError:
    return SheetError(
        _("The sheet is larger than %(size)d KB: split it, at most %(rows)d rows at a time.")
        % {"size": MAX_BYTES // 1024, "rows": MAX_ROWS}
    )


def decode(data: bytes) -> str:
    """An uploaded file's text: UTF-8 (with or without Excel's byte-order mark), else Windows-1252, which
    is what Excel on Windows writes as "CSV (Comma delimited)"; UTF-16 with its byte-order mark, as Excel
    writes "Unicode Text". A file holding a NUL character anywhere is refused as not text."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    not_text = SheetError(
        _(
            "This file is not text: save the spreadsheet as CSV (in Excel: File → Save as → CSV UTF-8), "
            "or copy its cells and paste them in the box."
        )
    )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" (cells between tabs): its byte-order mark says so.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise not_text from None
    elif b"\0" in data:  # anywhere: a NUL byte in a cell would reach the database, which refuses it
        raise not_text
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:  # a byte Windows-1252 has no letter for: another encoding, not to guess
                raise SheetError(
                    _(
                        "Some characters of this file cannot be read: it is in an encoding other than UTF-8 or "
                        "Windows-1252. Save the spreadsheet as CSV UTF-8 (in Excel: File → Save as → CSV UTF-8), "
                        "or copy its cells and paste them in the box."
                    )
                ) from None
    if "\0" in text:
        raise not_text
    return text


DELIMITERS = ("\t", ",", ";")  # cells pasted from a spreadsheet; a CSV file; a CSV file from Excel in much of Europe


class _Dialect(csv.excel):
    skipinitialspace = True  # "Ann, Lee" and "Ann, \"Lee, Jr\"" as "Ann,Lee": the cells are read trimmed anyway


def _dialect(text: str, columns: Columns) -> type[csv.Dialect]:
    """The sheet read with the character between the cells that makes its heading row name the most of
    `columns` (then the most cells; then a tab, a comma, a semicolon). Not csv.Sniffer: given a heading row
    holding a comma ("Team, service", or in quotes), it took the comma for a tab's or a semicolon's."""

    def heading_row(delimiter: str) -> list[str]:
        reader = csv.reader(io.StringIO(text, newline=""), _Dialect, delimiter=delimiter)
        try:
            return next((cells for cells in reader if any(cell.strip() for cell in cells)), [])
        except csv.Error:
            return []

    def score(delimiter: str) -> tuple[int, int]:
        cells = heading_row(delimiter)
        return len({columns.column_of(cell.strip()) for cell in cells} - {None}), len(cells)

    best = max(DELIMITERS, key=score)  # the first of the best: max() keeps the first of equals

    class Dialect(_Dialect):
        delimiter = best

    return Dialect


def _quote_left_open(text: str, dialect: type[csv.Dialect]) -> bool:
    """Whether the sheet ends inside a quoted cell (which csv's lenient reading takes to the end)."""
    try:
        for _cells in csv.reader(io.StringIO(text, newline=""), dialect, strict=True):
            pass
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def read(text: str, columns: Columns) -> Sheet:
    """The sheet's rows under its heading row: commas, semicolons or tabs (cells pasted from a
    spreadsheet) between the cells. Raises SheetError when no row can be read."""
    if len(text.encode()) > MAX_BYTES:
        raise _too_large()
    first = next((line for line in text.splitlines() if line.strip(" \t,;")), "")
    if not first:
        raise SheetError(_("The sheet is empty: it needs a heading row, then a row for each line to add."))
    dialect = _dialect(text, columns)
    # Read whole (a cell in quotes may hold a line break), each row numbered by the line it starts on in the
    # spreadsheet, rows with nothing in them left out.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    table: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                table.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise SheetError(
            _("Line %(line)d cannot be read (%(error)s): check its quotes.") % {"line": reader.line_num, "error": error}
        ) from None
    if table and _quote_left_open(text, dialect):
        # Read leniently, the rest of the sheet from the quote on is one cell of the last row: the rows after it
        # would be nowhere in the check, and a standard's text (shown shortened) would hold them all.
        raise SheetError(
            _(
                'Line %(line)d has a quote (") that is never closed, so the rest of the sheet would be read as one '
                'cell: close it ("…") or take it out, then check again.'
            )
            % {"line": table[-1][0]}
        )
    headings = [cell.strip() for cell in table[0][1]]
    names = [columns.column_of(heading) for heading in headings]
    missing = [name for name in columns.required if name not in names]
    if missing:
        raise SheetError(
            " ".join(
                filter(
                    None,
                    [
                        _("The first row must name the columns. Missing: %(missing)s. The columns read are %(known)s.")
                        % {"missing": ", ".join(columns.labels(missing)), "known": ", ".join(columns.labels())},
                        str(columns.hint),
                    ],
                )
            )
        )
    repeated = sorted({columns.label(name) for name in names if name and names.count(name) > 1})
    if repeated:
        raise SheetError(_("Two columns are headed %(columns)s: keep one.") % {"columns": ", ".join(repeated)})
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise SheetError(
            _("The sheet has %(count)d rows: at most %(max)d at a time. Split it.")
            % {"count": len(body), "max": MAX_ROWS}
        )
    rows = [
        Row(line=line, cells=cells, values={n: _from_text(c) for n, c in zip(names, cells, strict=False) if n})
        for line, cells in body
    ]
    ignored = [heading for heading, name in zip(headings, names, strict=True) if not name and heading]
    return Sheet(headings=headings, rows=rows, ignored=ignored)


def fingerprint(text: str, sheet: Sheet) -> str:
    """What the check showed: the sheet's text, and which of its rows were ready to add, to do what."""
    lines = ",".join(f"{row.line}:{row.plan}" for row in sheet.good)
    return hashlib.sha256(f"{lines}\n{text}".encode()).hexdigest()[:32]


class SheetForm(forms.Form):
    upload = forms.FileField(
        label=gettext_lazy("A CSV file"),
        required=False,
        help_text=gettext_lazy("In Excel: File → Save as → CSV UTF-8 (comma delimited)."),
    )
    text = forms.CharField(
        label=gettext_lazy("Or paste the spreadsheet's cells"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 100, "spellcheck": "false"}),
        help_text=gettext_lazy("Heading row first. After a check, the sheet checked is here to put right."),
    )
    # What the check showed (fingerprint()): adding is refused if the sheet or its check differ now.
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, check: Callable[[str], Sheet], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.check = check

    def clean(self):
        cleaned = super().clean()
        if self.has_error("upload") or self.has_error("text"):
            return cleaned  # said on the field (an empty file, a NUL character pasted), not as no sheet given
        upload = cleaned.get("upload")
        try:
            text = decode(upload.read()) if upload else cleaned.get("text", "")
            # One line ending: a browser sends the box's lines ending in CR LF, whatever the file checked had
            # (LF from LibreOffice, a Mac or Google Sheets), and the check's fingerprint must match the box's.
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if not text.strip():
                raise SheetError(_("Choose a CSV file, or paste the spreadsheet's cells in the box."))
            cleaned["sheet"] = self.check(text)
        except SheetError as error:
            raise forms.ValidationError(str(error)) from None
        cleaned["text"] = text
        return cleaned


def example_response(filename: str, columns: Columns, rows: list[dict[str, str]]) -> HttpResponse:
    """A sheet to start from, as a CSV file that Excel opens as UTF-8 (its byte-order mark): the columns'
    headings, then `rows`. Cells that a spreadsheet would read as a formula are written as text."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    # RFC 6266's filename* for a name beyond Latin-1 (a tool named in Welsh or Polish): as a plain header Django
    # would MIME-encode the whole value, "attachment" with it, and the browser would lose the file's name.
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(columns.labels())
    for row in rows:
        writer.writerow(_as_text(row.get(name, "")) for name in columns.headings)
    return response


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula at a cell's start


def _as_text(cell: str) -> str:
    return "'" + cell if cell[:1] in FORMULA_STARTS else cell


def _from_text(cell: str) -> str:
    """A cell's value, trimmed, without the apostrophe _as_text() wrote before a formula's first character: a
    sheet to start from added back as it stands (a standard "- the child was seen") adds what it showed."""
    if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS:
        cell = cell[1:]
    return cell.strip()


def checked_form(text: str, sheet: Sheet, check: Callable[[str], Sheet]) -> SheetForm:
    """The form shown under a check: the sheet in its box, and what the check showed."""
    return SheetForm(initial={"text": text, "checked": fingerprint(text, sheet)}, check=check)


def sheet_page(
    model_admin,
    request: HttpRequest,
    template: str,
    *,
    form: SheetForm,
    sheet: Sheet | None,
    columns: Columns,
    add_label: str,
    **context: Any,
) -> TemplateResponse:
    """An import's page in the admin (templates/admin/sheet_import.html, which `template` extends): the
    form, the check of `sheet` if any, what the sheet's columns are, and the Add button's label ("" for none)."""
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "form": form,
            "sheet": sheet,
            "columns": columns.labels(),
            "required": columns.labels(columns.required),
            "max_rows": MAX_ROWS,
            "add_label": add_label,
            **context,
        },
    )


def sheet_import(
    request: HttpRequest,
    *,
    check: Callable[[str], Sheet],
    page: Callable[[SheetForm, Sheet | None], HttpResponse],
    add: Callable[[str, Sheet], HttpResponse],
    refused: str,
    example: Callable[[], tuple[str, Columns, list[dict[str, str]]]],
    whole: bool = False,
) -> HttpResponse:
    """The page's answer: the empty form; its example sheet (?example: `example()` gives the file's name,
    the columns and the rows); the check of a sheet; or, for "add" with the check the page showed,
    `add(text, sheet)` (its ready rows; `whole`: only when every row is ready). `refused` is said when the
    sheet or its check is not what the page showed."""
    if request.method != "POST" and "example" in request.GET:
        return example_response(*example())
    if request.method != "POST":
        return page(SheetForm(check=check), None)
    form = SheetForm(request.POST, request.FILES, check=check)
    if not form.is_valid():
        return page(form, None)
    text, sheet = form.cleaned_data["text"], form.cleaned_data["sheet"]
    if "add" in request.POST:
        ready = bool(sheet.good) and not (whole and sheet.bad)
        if ready and form.cleaned_data["checked"] == fingerprint(text, sheet):
            return add(text, sheet)
        messages.error(request, refused)
    return page(checked_form(text, sheet, check), sheet)
