"""Administration → Users → "Add people from a spreadsheet".

A partnership starts with dozens of people in a dozen agencies: adding them one by one through Add user
is an afternoon's work. Here the administrator uploads (or pastes) the spreadsheet the agencies sent,
sees every row checked by the same rules as Add user, and adds the people whose row is right. Each is
added as Add user adds one (no password: an e-mail with a link to choose their own; an access record; a
QA manager's appointment recorded in its own words and told to the others), and the rows that could
not be added are given back, as typed, to put right and check again. Nothing is added before the
administrator has seen the check, and nothing the check did not show: rows that changed meaning in
between (somebody added the same address meanwhile) are checked again and not added.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Agency, Role, User

MAX_ROWS = 500
MAX_BYTES = 512 * 1024

# The columns read, and the headings a spreadsheet may give them (compared without case, spaces, dashes
# or underscores: "E-mail address", "email_address" and "Email Address" are one heading).
COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "first names", "forename", "forenames", "given name"),
    "last_name": ("last name", "surname", "family name"),
    "email": ("email", "email address", "e-mail", "e-mail address"),
    "role": ("role",),
    "agency": ("agency", "organisation", "organization"),
    "job_title": ("job title", "job", "position"),
    "username": ("username", "user name"),
}
REQUIRED = ("first_name", "last_name", "email", "role")
HEADINGS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("E-mail"),
    "role": gettext_lazy("Role"),
    "agency": gettext_lazy("Agency"),
    "job_title": gettext_lazy("Job title"),
    "username": gettext_lazy("Username"),
}


def _key(heading: str) -> str:
    return "".join(ch for ch in heading.lower() if ch.isalnum())


_COLUMN_OF = {_key(heading): name for name, headings in COLUMNS.items() for heading in headings}


class SheetError(ValueError):
    """The sheet as a whole cannot be read; the message says why and what to do."""


@dataclass
class Row:
    line: int  # the row's line in the sheet, the heading row being line 1
    cells: list[str]  # as typed, to give back
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    form: forms.ModelForm | None = None

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


def decode(data: bytes) -> str:
    """An uploaded file's text: UTF-8 (with or without Excel's byte-order mark), else Windows-1252, which
    is what Excel on Windows writes as "CSV (Comma delimited)"."""
    if len(data) > MAX_BYTES:
        raise SheetError(
            _("The file is larger than %(size)d KB: split it, at most %(rows)d people a file.")
            % {"size": MAX_BYTES // 1024, "rows": MAX_ROWS}
        )
    if b"\0" in data[:4096]:
        raise SheetError(
            _(
                "This file is not text: save the spreadsheet as CSV (in Excel: File → Save as → CSV UTF-8), "
                "or copy its cells and paste them in the box."
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read(text: str) -> Sheet:
    """The sheet's rows under its heading row: commas, semicolons or tabs (cells pasted from a
    spreadsheet) between the cells. Raises SheetError when no row can be read."""
    if len(text.encode()) > MAX_BYTES:
        raise SheetError(
            _("The sheet is larger than %(size)d KB: split it, at most %(rows)d people at a time.")
            % {"size": MAX_BYTES // 1024, "rows": MAX_ROWS}
        )
    first = next((line for line in text.splitlines() if line.strip(" \t,;")), "")
    if not first:
        raise SheetError(_("The sheet is empty: it needs a heading row, then a row for each person."))
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
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
    headings = [cell.strip() for cell in table[0][1]]
    columns = [_COLUMN_OF.get(_key(heading)) for heading in headings]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise SheetError(
            _(
                "The first row must name the columns. Missing: %(missing)s. The columns read are %(known)s "
                "(agency is needed for managers and practitioners; the username is the e-mail address "
                "when left out)."
            )
            % {
                "missing": ", ".join(str(HEADINGS[name]) for name in missing),
                "known": ", ".join(str(HEADINGS[name]) for name in COLUMNS),
            }
        )
    repeated = sorted({str(HEADINGS[name]) for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise SheetError(_("Two columns are headed %(columns)s: keep one.") % {"columns": ", ".join(repeated)})
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise SheetError(
            _("The sheet has %(count)d rows: at most %(max)d people at a time. Split it.")
            % {"count": len(body), "max": MAX_ROWS}
        )
    rows = []
    for line, cells in body:
        values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False) if name}
        rows.append(Row(line=line, cells=cells, values=values))
    ignored = [heading for heading, name in zip(headings, columns, strict=True) if not name and heading]
    return Sheet(headings=headings, rows=rows, ignored=ignored)


def _role(value: str) -> str | None:
    wanted = _key(value)
    for role in Role:
        if wanted in (_key(role.value), _key(str(role.label))):
            return role.value
    return None


def check(sheet: Sheet) -> Sheet:
    """Each row checked as Add user checks a person (UserAddForm), and against the accounts there are
    and the sheet's other rows: an address or username already taken is an error, not a second account."""
    from .admin import UserAddForm

    agencies: dict[str, Agency] = {}
    for agency in Agency.objects.all():
        agencies.setdefault(_key(agency.name), agency)
        agencies.setdefault(_key(agency.short_name), agency)
    # Addresses compared without case, as people type them ("Ann.Lee@…" is ann.lee@…'s account).
    emails = {row.values.get("email", "").lower() for row in sheet.rows} - {""}
    taken = dict(
        User.objects.annotate(address=Lower("email")).filter(address__in=emails).values_list("address", "username")
    )
    seen_email: dict[str, int] = {}
    seen_username: dict[str, int] = {}
    role_names = ", ".join(str(role.label) for role in Role)
    for row in sheet.rows:
        values = row.values
        email = values.get("email", "")
        username = values.get("username") or email.lower()
        role = _role(values.get("role", ""))
        if values.get("role") and role is None:
            row.errors.append(
                _("Role “%(role)s” is not one of %(roles)s.") % {"role": values["role"], "roles": role_names}
            )
        agency = None
        if values.get("agency"):
            agency = agencies.get(_key(values["agency"]))
            if agency is None:
                row.errors.append(
                    _("No agency is called “%(agency)s”: use an agency's name or short name as in Agencies.")
                    % {"agency": values["agency"]}
                )
        if email and email.lower() in taken:
            row.errors.append(
                _("%(email)s already has an account (username %(username)s).")
                % {"email": email, "username": taken[email.lower()]}
            )
        if email and email.lower() in seen_email:
            row.errors.append(
                _("%(email)s is also on line %(line)d.") % {"email": email, "line": seen_email[email.lower()]}
            )
        if username and username.lower() in seen_username:
            row.errors.append(
                _("The username %(username)s is also on line %(line)d.")
                % {"username": username, "line": seen_username[username.lower()]}
            )
        if email:
            seen_email.setdefault(email.lower(), row.line)
        if username:
            seen_username.setdefault(username.lower(), row.line)
        data = {
            "username": username,
            "first_name": values.get("first_name", ""),
            "last_name": values.get("last_name", ""),
            "email": email,
            "role": role or "",
            "agency": agency.pk if agency else "",
        }
        form = UserAddForm(data=data)
        for name, errors in form.errors.items() if not form.is_valid() else ():
            if (name == "role" and role is None or name == "agency" and agency is None) and values.get(name):
                continue  # a role or an agency not found: said above, in its own words
            if name == "agency" and role is None:
                continue  # whether an agency is needed depends on the role, not known
            label = "" if name == NON_FIELD_ERRORS else f"{HEADINGS.get(name, name)}: "
            row.errors += [label + error for error in errors]
        if len(values.get("job_title", "")) > 200:
            row.errors.append(_("The job title is longer than 200 characters."))
        if not row.errors:
            form.instance.job_title = values.get("job_title", "")
            row.form = form
    return sheet


def fingerprint(text: str, sheet: Sheet) -> str:
    """What the check showed: the sheet's text and which of its rows were ready to add."""
    lines = ",".join(str(row.line) for row in sheet.good)
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

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        try:
            text = decode(upload.read()) if upload else cleaned.get("text", "")
            # One line ending: a browser sends the box's lines ending in CR LF, whatever the file checked had
            # (LF from LibreOffice, a Mac or Google Sheets), and the check's fingerprint must match the box's.
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if not text.strip():
                raise SheetError(_("Choose a CSV file, or paste the spreadsheet's cells in the box."))
            cleaned["sheet"] = check(read(text))
        except SheetError as error:
            raise forms.ValidationError(str(error)) from None
        cleaned["text"] = text
        return cleaned


def person_added(*, request: HttpRequest, person: User, how: str = "") -> bool:
    """What follows a person's account being added in Administration, however it was added: a QA
    manager's appointment recorded in its own words (the other QA managers are told), the e-mail with the
    link to choose a password (after commit) and the access record. True when that e-mail is on its way."""
    from .passwords import invitation_send
    from .services import AccessAction, access_record, qa_manager_appointed

    if person.is_qa_manager:
        qa_manager_appointed(request=request, person=person)
    summary = f"Account added{how}: {person.get_username()}, role {person.get_role_display()}"
    invited = invitation_send(person=person, by=request.user)
    if invited:
        summary += ", invited by e-mail to choose a password"
    access_record(request=request, action=AccessAction.CHANGE, obj=person, summary=summary)
    return invited


class PeopleImportMixin:
    """UserAdmin's "Add people from a spreadsheet" page (admin/agencies/user/import/): for whoever may add
    users, as Add user is."""

    import_template = "admin/agencies/user/people_import.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        extra = [path("import/", self.admin_site.admin_view(self.people_import), name=name)]
        return extra + super().get_urls()

    def people_import(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._page(request, SheetForm(), None)
        form = SheetForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, None)
        text, sheet = form.cleaned_data["text"], form.cleaned_data["sheet"]
        if "add" in request.POST:
            if form.cleaned_data["checked"] == fingerprint(text, sheet) and sheet.good:
                return self._add(request, sheet)
            messages.error(
                request,
                _(
                    "Nobody was added: the sheet, or its check, is not the one you saw (the sheet was changed, "
                    "or an account was added or an agency changed meanwhile). Read the check below, then add."
                ),
            )
        return self._page(request, SheetForm(initial={"text": text, "checked": fingerprint(text, sheet)}), sheet)

    def _page(self, request: HttpRequest, form: SheetForm, sheet: Sheet | None) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Add people from a spreadsheet"),
            "form": form,
            "sheet": sheet,
            "columns": [HEADINGS[name] for name in COLUMNS],
            "required": [HEADINGS[name] for name in REQUIRED],
            "roles": [role.label for role in Role],
            "max_rows": MAX_ROWS,
        }
        return TemplateResponse(request, self.import_template, context)

    def _add(self, request: HttpRequest, sheet: Sheet) -> HttpResponse:
        with transaction.atomic():
            for row in sheet.good:
                person = row.form.save()
                person_added(request=request, person=person, how=" from a spreadsheet")
                self.log_addition(request, person, [{"added": {}}])
        messages.success(
            request,
            ngettext(
                "%(count)d person added. An e-mail is on its way to them with a link to choose their own password.",
                "%(count)d people added. An e-mail is on its way to each with a link to choose their own password.",
                len(sheet.good),
            )
            % {"count": len(sheet.good)},
        )
        if not sheet.bad:
            return HttpResponseRedirect(reverse("admin:agencies_user_changelist"))
        messages.warning(
            request,
            ngettext(
                "%(count)d row was not added: it is below, as typed, to put right and check again.",
                "%(count)d rows were not added: they are below, as typed, to put right and check again.",
                len(sheet.bad),
            )
            % {"count": len(sheet.bad)},
        )
        text = sheet.text_of(sheet.bad)
        left = check(read(text))
        return self._page(request, SheetForm(initial={"text": text, "checked": fingerprint(text, left)}), left)
