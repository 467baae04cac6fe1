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

import unicodedata
from functools import cache

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Agency, Role, User
from .services import transaction_lock
from .sheets import Columns, Sheet, SheetForm, checked_form, heading_key, read, sheet_import, sheet_page

COLUMNS = Columns(
    headings={
        "first_name": (gettext_lazy("First name"), "first names", "forename", "forenames", "given name"),
        "last_name": (gettext_lazy("Last name"), "surname", "family name"),
        "email": (gettext_lazy("E-mail"), "email", "email address", "e-mail address"),
        "role": (gettext_lazy("Role"),),
        "agency": (gettext_lazy("Agency"), "organisation", "organization"),
        "job_title": (gettext_lazy("Job title"), "job", "position"),
        "username": (gettext_lazy("Username"), "user name"),
    },
    required=("first_name", "last_name", "email", "role"),
    hint=gettext_lazy(
        "The agency is needed for managers and practitioners; the username is the e-mail address when left out."
    ),
)


REFUSED = gettext_lazy(
    "Nobody was added: the sheet, or its check, is not the one you saw (the sheet was changed, "
    "or an account was added or an agency changed meanwhile). Read the check below, then add."
)
# Taken by each adding of a sheet's people, so that two administrators adding the same address at the same
# moment take turns, and the second finds the first's account (one per sheet, any administrator).
ADD_LOCK = "agencies.people_import.add"


class _Overtaken(Exception):
    """An account with an address or username of the sheet's ready rows was added since their check."""


def _taken_since_checked(sheet: Sheet) -> bool:
    """Whether an account now has a ready row's address (without case, as check() compares them) or its
    username (exactly, as Add user's check and the database's unique username compare them): one query."""
    emails = {row.form.instance.email.lower() for row in sheet.good}
    usernames = {row.form.instance.username for row in sheet.good}
    return (
        User.objects.annotate(address=Lower("email")).filter(Q(address__in=emails) | Q(username__in=usernames)).exists()
    )


# What a sheet may give as a role but is chosen for each audit (AuditAgency.auditor, Audit.lead_officer).
PER_AUDIT = {heading_key(name) for name in ("auditor", "auditors", "lead officer", "lead", "agency auditor")}


def _role(value: str) -> str | None:
    wanted = heading_key(value)
    for role in Role:
        if wanted in (heading_key(role.value), heading_key(str(role.label))):
            return role.value
    return None


class _AgencyOfTheSheet(forms.ModelChoiceField):
    """Add user's agency field, given the agencies check() read once for the whole sheet (by their id)."""

    def __init__(self, agencies: dict[int, Agency], **kwargs) -> None:
        super().__init__(queryset=Agency.objects.none(), **kwargs)
        self.agencies = agencies

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.agencies[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


@cache
def _row_form():
    """UserAddForm, checking a sheet's row by the same rules without a query of its own: what it would read
    for each row (the agency, that it exists, the constraint agency_staff_have_an_agency, whether the username
    is taken, whether another account has the address) check() reads once for the whole sheet. The rule of
    that constraint is still checked, as User.clean() says it on the agency field, and the username is still
    taken as exactly as the database's."""
    from .admin import UserAddForm

    class RowForm(UserAddForm):
        def __init__(self, *args, agencies: dict[int, Agency], usernames_taken: set[str], **kwargs) -> None:
            super().__init__(*args, **kwargs)
            field = self.fields["agency"]
            self.fields["agency"] = _AgencyOfTheSheet(
                agencies, required=field.required, label=field.label, help_text=field.help_text
            )
            self.usernames_taken = usernames_taken

        def _get_validation_exclusions(self):
            # The agency is one check() read (not whether it exists again); its rule is User.clean()'s.
            return {*super()._get_validation_exclusions(), "agency"}

        def clean_email(self) -> str:
            # Whether another account has the address, check() read once for the whole sheet (`taken`).
            return self.cleaned_data.get("email") or ""

        def validate_unique(self) -> None:
            if not self.has_error("username") and self.instance.username in self.usernames_taken:
                self.add_error("username", self.instance.unique_error_message(User, ("username",)))

    return RowForm


def check(text: str) -> Sheet:
    """Each row checked as Add user checks a person (UserAddForm), and against the accounts there are
    and the sheet's other rows: an address or username already taken is an error, not a second account.
    Three queries, however many rows."""
    sheet = read(text, COLUMNS)

    agencies: dict[str, Agency] = {}
    by_id: dict[int, Agency] = {}
    for agency in Agency.objects.all():
        agencies.setdefault(heading_key(agency.name), agency)
        agencies.setdefault(heading_key(agency.short_name), agency)
        by_id[agency.pk] = agency
    # Addresses compared without case, as people type them ("Ann.Lee@…" is ann.lee@…'s account).
    emails = {row.values.get("email", "").lower() for row in sheet.rows} - {""}
    taken = dict(
        User.objects.annotate(address=Lower("email")).filter(address__in=emails).values_list("address", "username")
    )
    # Usernames as Add user's field reads them (NFKC), and compared as exactly as the database compares them.
    usernames = {
        unicodedata.normalize("NFKC", row.values.get("username") or row.values.get("email", "").lower())
        for row in sheet.rows
    } - {""}
    usernames_taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    RowForm = _row_form()
    seen_email: dict[str, int] = {}
    seen_username: dict[str, int] = {}
    role_names = ", ".join(str(role.label) for role in Role)
    for row in sheet.rows:
        values = row.values
        email = values.get("email", "")
        username = values.get("username") or email.lower()
        role = _role(values.get("role", ""))
        if values.get("role") and role is None:
            said = _("Role “%(role)s” is not one of %(roles)s.") % {"role": values["role"], "roles": role_names}
            if heading_key(values["role"]) in PER_AUDIT:
                said += " " + _(
                    "Auditors and lead officers are not roles: they are chosen for each audit in Planning. Give "
                    "the person's role in their agency: Manager or Practitioner."
                )
            row.errors.append(said)
        agency = None
        if values.get("agency"):
            agency = agencies.get(heading_key(values["agency"]))
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
        form = RowForm(data=data, agencies=by_id, usernames_taken=usernames_taken)
        for name, errors in form.errors.items() if not form.is_valid() else ():
            if (name == "role" and role is None or name == "agency" and agency is None) and values.get(name):
                continue  # a role or an agency not found: said above, in its own words
            if name == "agency" and role is None:
                continue  # whether an agency is needed depends on the role, not known
            label = "" if name == NON_FIELD_ERRORS else f"{COLUMNS.label(name) if name in COLUMNS.headings else name}: "
            row.errors += [label + error for error in errors]
        if len(values.get("job_title", "")) > 200:
            row.errors.append(_("The job title is longer than 200 characters."))
        if not row.errors:
            form.instance.job_title = values.get("job_title", "")
            row.form = form
            row.plan = f"{username}|{role}|{agency.pk if agency else ''}"
    return sheet


_EXAMPLE = {
    "first_name": "Ann",
    "last_name": "Lee",
    "email": "ann.lee@example.org",
    "role": str(Role.PRACTITIONER.label),
    "job_title": "Social worker",
}


def _example_agency() -> str:
    agency = Agency.objects.order_by("name").first()
    return agency.short_name if agency else ""


def person_added(*, request: HttpRequest, person: User, how: str = "") -> bool:
    """What follows a person's account being added in Administration, however it was added: a QA
    manager's appointment recorded in its own words (the other QA managers are told), the e-mail with the
    link to choose a password (after commit) and the access record. True when that e-mail is on its way."""
    from .passwords import invitation_send
    from .services import AccessAction, access_record, administrator_appointed, qa_manager_appointed

    if person.is_qa_manager:
        qa_manager_appointed(request=request, person=person)
    if person.is_active and person.role == Role.ADMINISTRATOR:  # the role opens Administration (backends)
        administrator_appointed(request=request, person=person)
    summary = f"Account added{how}: {person.get_username()}, role {person.get_role_display()}"
    invited = invitation_send(person=person, by=request.user)
    if invited:
        summary += ", invited by e-mail to choose a password"
    access_record(request=request, action=AccessAction.CHANGE, obj=person, summary=summary)
    return invited


class PeopleImportMixin:
    """UserAdmin's "Add people from a spreadsheet" page (admin/agencies/user/import/): for whoever may add
    users, as Add user is (with the permissions to add and to change users)."""

    import_template = "admin/agencies/user/people_import.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        extra = [path("import/", self.admin_site.admin_view(self.people_import), name=name)]
        return extra + super().get_urls()

    def may_import_people(self, request: HttpRequest) -> bool:
        """As for Add user: the permissions to add users and to change them."""
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "people_import": self.may_import_people(request)}
        return super().changelist_view(request, extra_context)

    def people_import(self, request: HttpRequest) -> HttpResponse:
        # Add user's rule (django.contrib.auth's UserAdmin.add_view): adding people needs the permission to
        # change them too, or the permission to add alone would make accounts its holder may not change.
        if not self.may_import_people(request):
            raise PermissionDenied
        return sheet_import(
            request,
            check=check,
            page=lambda form, sheet: self._page(request, form, sheet),
            add=lambda text, sheet: self._add(request, text, sheet),
            example=lambda: ("people.csv", COLUMNS, [_EXAMPLE | {"agency": _example_agency()}]),
            refused=str(REFUSED),
        )

    def _page(self, request: HttpRequest, form: SheetForm, sheet: Sheet | None) -> HttpResponse:
        ready = len(sheet.good) if sheet else 0
        return sheet_page(
            self,
            request,
            self.import_template,
            form=form,
            sheet=sheet,
            columns=COLUMNS,
            title=_("Add people from a spreadsheet"),
            roles=[role.label for role in Role],
            cells_template="admin/agencies/user/people_import_cells.html",
            add_label=ready
            and ngettext("Add the %(count)d person ready", "Add the %(count)d people ready", ready) % {"count": ready},
        )

    def _add(self, request: HttpRequest, text: str, sheet: Sheet) -> HttpResponse:
        # The check ran before this transaction: another administrator's sheet (or Add user) may have added
        # one of these addresses or usernames since. Under the lock the accounts are read again, after any
        # other sheet's adding committed; an account added otherwise in between (Add user, or a person's page
        # given the address, at the same moment) fails the unique username or the unique address
        # (each_email_one_account): the savepoint rolls back everyone this sheet added, and the check is
        # shown again with that account.
        try:
            with transaction.atomic():
                transaction_lock(ADD_LOCK)
                if _taken_since_checked(sheet):
                    raise _Overtaken
                for row in sheet.good:
                    person = row.form.save()
                    person_added(request=request, person=person, how=" from a spreadsheet")
                    self.log_addition(request, person, [{"added": {}}])
        except (_Overtaken, IntegrityError):
            messages.error(request, REFUSED)
            again = check(text)
            return self._page(request, checked_form(text, again, check), again)
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
        left = check(text)
        return self._page(request, checked_form(text, left, check), left)
