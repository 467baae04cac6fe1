"""A spreadsheet read into the portal: "Add people from a spreadsheet" (agencies.people_import) and "Add
stages and standards from a spreadsheet" (audits.tool_import) share this.

The person uploads an Excel workbook (.xlsx) or a CSV file, or pastes the cells copied from the spreadsheet;
a workbook is turned into the text of a CSV file first (read_workbook), so that from then on there is one
path: the text in the box, checked, fingerprinted and added as it stands. The heading row names the
columns (read loosely); each row is checked by the caller; the page shows the check with the sheet back
in its box, and nothing is added before the check was shown, nor anything the check did not show: the
page carries a fingerprint of the sheet and of the rows found ready, and adding is refused, showing the
new check, when the sheet was changed in the box or comes out differently (changed data meanwhile).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
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
# An Excel workbook is larger than its cells' text (its styles, a logo): up to 2 MB is read, and its parts up
# to 8 MB unzipped, refused before anything is parsed (a "zip bomb"; and openpyxl parses some 2 MB of a
# worksheet's XML a second, so that a page answers within seconds); the text it makes is still at most
# MAX_BYTES. Its first 64 columns are read; rows to Excel's last.
XLSX_MAX_BYTES = 2 * 1024 * 1024
XLSX_MAX_UNZIPPED = 8 * 1024 * 1024
XLSX_MAX_COLUMNS = 64
EXCEL_LAST_ROW = 1_048_576
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_START = b"PK\x03\x04"  # an .xlsx is a zip file
WORKBOOK_NAMES = (".xlsx", ".xlsm", ".xltx", ".xltm")
OLE_START = bytes.fromhex("d0cf11e0a1b11ae1")  # an Office 97–2003 file (.xls), or a password-protected .xlsx


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


class MissingColumns(SheetError):
    """The sheet's first row does not name the columns needed (a workbook's other worksheets are tried)."""


class TooManyRows(SheetError):
    """The sheet has more than MAX_ROWS rows under its headings."""


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


def _too_many_rows(count: int) -> TooManyRows:
    return TooManyRows(
        _("The sheet has %(count)d rows: at most %(max)d at a time. Split it.") % {"count": count, "max": MAX_ROWS}
    )


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
            "This file is not text, nor an Excel workbook (.xlsx): save the spreadsheet as CSV (in Excel: File → "
            "Save as → CSV UTF-8) or as an Excel workbook (.xlsx), or copy its cells and paste them in the box."
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
        raise MissingColumns(
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
        raise _too_many_rows(len(body))
    rows = [
        Row(line=line, cells=cells, values={n: _from_text(c) for n, c in zip(names, cells, strict=False) if n})
        for line, cells in body
    ]
    ignored = [heading for heading, name in zip(headings, names, strict=True) if not name and heading]
    return Sheet(headings=headings, rows=rows, ignored=ignored)


def _workbook_error(message: str) -> SheetError:
    return SheetError(
        " ".join(
            (
                message,
                _(
                    "Save the spreadsheet as an Excel workbook (.xlsx) or as CSV (in Excel: File → Save as → CSV "
                    "UTF-8), or copy its cells and paste them in the box."
                ),
            )
        )
    )


def _not_a_workbook() -> SheetError:
    # "save the spreadsheet as CSV" is said here as for any file that is not text.
    return SheetError(
        _(
            "This file cannot be read as an Excel workbook (.xlsx): it is damaged, or another kind of file. Open it "
            "in your spreadsheet and save the spreadsheet as CSV (in Excel: File → Save as → CSV UTF-8) or as an "
            "Excel workbook (.xlsx), or copy its cells and paste them in the box."
        )
    )


def _workbook_too_large() -> SheetError:
    return _workbook_error(
        _(
            "This workbook is too large to read (at most %(size)d MB, and its sheets unpacked at most %(unzipped)d "
            "MB): keep only the worksheet to add, at most %(rows)d rows at a time."
        )
        % {"size": XLSX_MAX_BYTES // (1024 * 1024), "unzipped": XLSX_MAX_UNZIPPED // (1024 * 1024), "rows": MAX_ROWS}
    )


def _office_97(data: bytes) -> SheetError:
    """What to say of an Office 97–2003 file: an .xlsx with a password is stored in one (its encrypted package)."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return SheetError(
            _(
                "This workbook is protected by a password, so it cannot be read. Open it in Excel, take the "
                "password off (File → Info → Protect Workbook → Encrypt with Password, and empty the password) "
                "and save it, or save a copy as CSV UTF-8; or copy its cells and paste them in the box."
            )
        )
    return _workbook_error(
        _("This is an Excel 97–2003 workbook (.xls), or another older Office file, which cannot be read here.")
    )


# Characters an XLSX cell cannot hold (openpyxl refuses the whole workbook): Word's manual line and page
# breaks become line breaks, the other control characters are left out.
_LINE_BREAKS = re.compile(r"[\x0b\x0c]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def plain_text(text: str) -> str:
    """Text a spreadsheet cell can hold (read from a workbook, or written to one or to a CSV file by
    audits.exports): Word's manual line and page breaks made line breaks, the other control characters but
    tab, line feed and carriage return left out."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


# How Excel writes in a workbook's XML a character XML cannot hold (a carriage return, Word's manual line
# break, a control character), and an underscore starting such a sequence (_x005F_): _xHHHH_, which
# openpyxl leaves as it is. Read in one pass, so that "_x005F_x0041_" is the text "_x0041_" as typed.
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _excel_character(match: re.Match) -> str:
    # Half of a UTF-16 pair alone (0xD800–0xDFFF) is no character (UTF-8 has none for it): left as written.
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def _excel_unescaped(value: Any) -> Any:
    """A cell's value read from a workbook, its text's Excel escapes (_x000D_) made the characters they are."""
    if isinstance(value, str) and "_x" in value:
        return _EXCEL_ESCAPE.sub(_excel_character, value)
    return value


def cell_text(value: Any) -> str:
    """A workbook cell's value as text, as it would be typed: a whole number without ".0" (2, not 2.0); a
    number otherwise to Excel's 15 digits (the number 1.1, which is what a code 1.10 typed into a cell
    formatted as a number becomes); TRUE or FALSE; a date as ISO text (2026-03-31, with the time if it
    has one); a formula's value when the workbook was last saved (by Excel; openpyxl stores none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second or value.microsecond else "minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds" if value.second or value.microsecond else "minutes")
    return plain_text(str(value)).replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class _Worksheet:
    title: str
    text: str  # its rows as CSV text, blank rows kept between them (row n is line n, as in a CSV of it)
    filled: int  # the rows with something in them, heading row included (counted up to MAX_ROWS + 2)
    last: int = 0  # the last of its rows read with something in it
    heading: str = ""  # its first row with something in it, as CSV text: whether it names the columns


def _worksheet(worksheet) -> _Worksheet:
    """A worksheet's cells (values only, its first XLSX_MAX_COLUMNS columns) as the text of the CSV file
    Excel would save of it: blank rows and columns at the end left out. Reading stops at the row past the
    limit (the heading row and MAX_ROWS more): a sheet too long is refused without reading it all."""
    blank = (None,) * XLSX_MAX_COLUMNS
    table: list[list[str]] = []
    blanks = filled = 0
    rows = worksheet.iter_rows(min_row=1, max_row=EXCEL_LAST_ROW, max_col=XLSX_MAX_COLUMNS, values_only=True)
    for values in rows:
        # Most rows read are blank (formatted, or missing between two rows): said so from the cells they have.
        cells = [] if values == blank else [cell_text(_excel_unescaped(value)) for value in values]
        if not any(cell.strip() for cell in cells):
            blanks += 1
            continue
        filled += 1
        table.extend([] for _blank in range(blanks))
        blanks = 0
        table.append(cells)
        if filled > MAX_ROWS + 1:
            break
    width = max((i + 1 for cells in table for i, cell in enumerate(cells) if cell.strip()), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    heading = ""
    for cells in table:
        writer.writerow(cells[:width] if cells else [])
        if cells and not heading:
            heading = out.getvalue().lstrip("\n")
    return _Worksheet(title=worksheet.title, text=out.getvalue(), filled=filled, last=len(table), heading=heading)


def is_workbook(start: bytes) -> bool:
    """Whether a file starting with these bytes is a workbook: an .xlsx (a zip file), or an older or
    password-protected one (an Office 97–2003 file), refused by read_workbook() with what to do."""
    return start.startswith((ZIP_START, OLE_START))


def _worksheets(data: bytes) -> Iterator[_Worksheet]:
    """The workbook's visible worksheets (all of them if none is), in its order, each read as text (each at
    most the rows read_workbook() needs) when it is reached: a worksheet after the one read is not read (a
    worksheet with a cell in Excel's last row takes a second or two). Raises SheetError for a file that is not
    a workbook that can be read."""
    if data.startswith(OLE_START):
        raise _office_97(data)
    if len(data) > XLSX_MAX_BYTES:
        raise _workbook_too_large()
    if b"application/vnd.oasis.opendocument" in data[:100]:  # its first part, "mimetype", unpacked
        raise _workbook_error(_("This is an OpenDocument spreadsheet (.ods), which cannot be read here."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _not_a_workbook() from None
    # Unzipping never gives more than each part says it holds: refused here, no part is unzipped beyond this.
    if sum(part.file_size for part in parts) > XLSX_MAX_UNZIPPED:
        raise _workbook_too_large()
    from openpyxl import load_workbook  # with defusedxml installed, it refuses XML's entity attacks

    workbook = _reading(lambda: load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False))
    try:
        sheets = _reading(
            lambda: [ws for ws in workbook.worksheets if ws.sheet_state == "visible"] or workbook.worksheets
        )
        for sheet in sheets:
            yield _reading(lambda sheet=sheet: _worksheet(sheet))
    finally:
        workbook.close()


def _reading(step: Callable[[], Any]) -> Any:
    """A step of reading a workbook. Whatever goes wrong reading a file that is not a well-made workbook
    (openpyxl's, zipfile's, the XML parser's or defusedxml's exceptions, of many classes) is said as such,
    never as the server's error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on what it leaves out (data validation, images)
        try:
            return step()
        except Exception:
            raise _not_a_workbook() from None


def _refuse_large(worksheet: _Worksheet, check: Callable[[str], Sheet]) -> None:
    """A worksheet too large as text (its blank rows kept between its rows, as a CSV file of it would): not
    the sheet's "split it" alone, which said a few rows above a cell far below were too many. Raises
    MissingColumns, as for any worksheet, when its heading row does not name the columns (a long list of
    notes or choices before the tool's worksheet): read_workbook() goes on to the next."""
    try:
        check(worksheet.heading)
    except MissingColumns:
        raise
    except SheetError:
        pass  # the heading row alone may be refused for having no rows: it names the columns
    raise SheetError(
        _(
            "The worksheet “%(sheet)s” is larger than %(size)d KB as text (its rows run to row %(last)d): delete "
            "any rows and columns below and beside the ones to add (a cell far below them makes every row up to "
            "it part of the sheet) and check again, or split it, at most %(rows)d rows at a time."
        )
        % {"sheet": worksheet.title, "size": MAX_BYTES // 1024, "last": worksheet.last, "rows": MAX_ROWS}
    )


def read_workbook(data: bytes, check: Callable[[str], Sheet]) -> tuple[str, Sheet]:
    """An Excel workbook's sheet as text, and its check: of the first worksheet (visible, not empty) whose
    first row names the columns (`check` says MissingColumns of the others, before reading any data).
    From the text on, the sheet is what a CSV file of it would be: checked, shown and added the same."""
    first_missing: tuple[str, SheetError] | None = None
    with contextlib.closing(_worksheets(data)) as worksheets:
        for worksheet in worksheets:
            if not worksheet.filled:
                continue
            try:
                if worksheet.filled <= MAX_ROWS + 1 and len(worksheet.text.encode()) > MAX_BYTES:
                    _refuse_large(worksheet, check)  # not too many rows: why it is large
                return worksheet.text, check(worksheet.text)
            except MissingColumns as error:
                first_missing = first_missing or (worksheet.title, error)
            except TooManyRows:
                raise TooManyRows(
                    _("The worksheet “%(sheet)s” has more than %(max)d rows: at most %(max)d at a time. Split it.")
                    % {"sheet": worksheet.title, "max": MAX_ROWS}
                ) from None
    if first_missing is None:
        raise SheetError(_("The workbook is empty: it needs a heading row, then a row for each line to add."))
    title, error = first_missing
    raise MissingColumns(
        _("No worksheet of this workbook names the columns in its first row. Its first, “%(sheet)s”: %(error)s")
        % {"sheet": title, "error": error}
    )


def fingerprint(text: str, sheet: Sheet) -> str:
    """What the check showed: the sheet's text, and which of its rows were ready to add, to do what."""
    lines = ",".join(f"{row.line}:{row.plan}" for row in sheet.good)
    return hashlib.sha256(f"{lines}\n{text}".encode()).hexdigest()[:32]


class SheetForm(forms.Form):
    upload = forms.FileField(
        label=gettext_lazy("An Excel workbook (.xlsx) or a CSV file"),
        required=False,
        help_text=gettext_lazy(
            "From an Excel workbook, the first worksheet whose first row names the columns is read, each cell as "
            "the value it holds: a number as that number (1.10 typed in a cell Excel formats as a number is 1.1: "
            "type such codes as text), a date as 2026-03-31, a formula as its value when last saved. An older "
            "workbook (.xls) or one with a password cannot be read: save it as .xlsx, or as CSV (in Excel: File → "
            "Save as → CSV UTF-8)."
        ),
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
            start = upload.read(len(OLE_START)) if upload else b""
            if upload:
                upload.seek(0)
            if is_workbook(start):
                # An Excel workbook, read into the text a CSV file of its sheet would have: from here on, one path.
                if start.startswith(ZIP_START) and upload.size > XLSX_MAX_BYTES:
                    raise _workbook_too_large()  # before reading it
                text, cleaned["sheet"] = read_workbook(upload.read(8 * XLSX_MAX_BYTES), self.check)
            else:
                if upload and upload.name.lower().endswith(WORKBOOK_NAMES):
                    raise _workbook_error(
                        _(
                            "This file is named as an Excel workbook (%(name)s) but is not one: it was perhaps "
                            "renamed rather than saved as a workbook."
                        )
                        % {"name": "." + upload.name.rsplit(".", 1)[-1]}
                    )
                text = decode(upload.read()) if upload else cleaned.get("text", "")
                # One line ending: a browser sends the box's lines ending in CR LF, whatever the file checked had
                # (LF from LibreOffice, a Mac or Google Sheets), and the check's fingerprint must match the box's.
                text = text.replace("\r\n", "\n").replace("\r", "\n")
                if not text.strip():
                    raise SheetError(
                        _(
                            "Choose a CSV file, or paste the spreadsheet's cells in the box, or choose an Excel "
                            "workbook (.xlsx)."
                        )
                    )
                cleaned["sheet"] = self.check(text)
        except SheetError as error:
            raise forms.ValidationError(str(error)) from None
        cleaned["text"] = text
        return cleaned


def example_workbook_response(filename: str, columns: Columns, rows: list[dict[str, str]]) -> HttpResponse:
    """A sheet to start from as an Excel workbook: the columns' headings in bold, kept in view (frozen),
    then `rows`. Every cell and column is text (format "@"), so that a code 1.10 stays 1.10, in the cells
    written and in those typed later; a cell a spreadsheet would read as a formula is a string cell marked as
    text (quotePrefix), which Excel does not run, not even once edited."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = re.sub(r"[\\/*?:\[\]]", "", filename.rsplit(".", 1)[0])[:31] or "Sheet"
    table = [columns.labels(), *([cell_text(row.get(name, "")) for name in columns.headings] for row in rows)]
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for number, values in enumerate(table, start=1):
        for column, value in enumerate(values, start=1):
            if not value:
                continue
            cell = worksheet.cell(row=number, column=column, value=value)
            cell.data_type = "s"  # openpyxl would write text starting with "=" as a formula
            cell.number_format = "@"
            cell.quotePrefix = value.startswith(FORMULA_STARTS)
            if number == 1:
                cell.font = bold
            else:
                cell.alignment = wrapped
    for column in range(1, len(table[0]) + 1):
        longest = max(len(line) for values in table for line in values[column - 1].splitlines() or [""])
        dimension = worksheet.column_dimensions[get_column_letter(column)]
        dimension.width = min(max(longest, 8) + 2, 60)  # long standards wrap within 60 characters
        dimension.number_format = "@"  # cells typed later are text too
    worksheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    name = filename.rsplit(".", 1)[0] + ".xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


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
        writer.writerow(as_text(row.get(name, "")) for name in columns.headings)
    return response


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula at a cell's start


def as_text(cell: str) -> str:
    """A CSV cell a spreadsheet shows as the text it is: one it would read as a formula (FORMULA_STARTS) after
    an apostrophe (the sheets to start from here, audits.exports.safe_cell's exports)."""
    return "'" + cell if cell[:1] in FORMULA_STARTS else cell


def _from_text(cell: str) -> str:
    """A cell's value, trimmed, without the apostrophe as_text() wrote before a formula's first character: a
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
            "example_workbook_label": _("Download a sheet to start from (Excel, .xlsx)"),
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
    """The page's answer: the empty form; its example sheet (?example: a CSV file, ?example=xlsx: an Excel
    workbook; `example()` gives the file's name, the columns and the rows); the check of a sheet; or, for "add" with the check the page showed,
    `add(text, sheet)` (its ready rows; `whole`: only when every row is ready). `refused` is said when the
    sheet or its check is not what the page showed."""
    if request.method != "POST" and "example" in request.GET:
        if request.GET["example"] == "xlsx":
            return example_workbook_response(*example())
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
