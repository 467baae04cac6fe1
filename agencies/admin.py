import datetime
import hashlib
from collections import Counter

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, quote
from django.contrib.auth import logout
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UsernameField
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, router, transaction
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits.forms_partb import CountedLinesAdmin  # names and titles: counted, not cut off by a maxlength

from .models import AccessRecord, Agency, Partnership, PartnershipLink, Role, SupportContact, User
from .passwords import link_lifetime
from .people_import import PeopleImportMixin, person_added
from .selectors import audit_work, deactivated_addresses, summary_without_case_content
from .services import (
    AccessAction,
    access_record,
    account_change_record,
    administrator_appointed,
    board_access_end_on_leaving,
    email_change_notify,
    qa_manager_appointed,
    second_factor_remove,
)

# What makes a person more than their role: only a superuser gives or takes these away.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
# What a person's role and agency let them read: nobody changes their own.
OWN_ACCESS_FIELDS = ("role", "agency", "board_access")
# Written to the access log when they change (no case content: names of roles and yes/no), and the
# e-mail address, where the person is told of changes to their sign-in (account_change_record).
RECORDED_FIELDS = ("role", "agency", "board_access", "is_active", "is_staff", "is_superuser", "email")


def _shown(user: User, name: str) -> str:
    value = getattr(user, name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "role":
        return str(user.get_role_display())
    return str(value) if value not in (None, "") else "none"


def _comparable(value) -> str:
    """A field's value as a row form holds it (initial: ids and lists; cleaned: objects and querysets; or as
    posted), in one form to compare."""
    if isinstance(value, list | tuple | QuerySet):
        return ",".join(sorted(_comparable(item) for item in value))
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime.datetime):  # as stored, or as typed in the admin's boxes (to the second)
        return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat() if value.tzinfo else str(value)
    return "" if value is None else str(value).replace("\r\n", "\n")  # a browser posts a text's lines with \r\n


def field_digest(value) -> str:
    """A short digest of a field's value (ShownFieldsForm), the same whichever form the value comes in."""
    return hashlib.sha256(_comparable(value).encode()).hexdigest()[:12]


def shown_marker(digests: dict[str, str]) -> str:
    """What a page showed of a form (ShownFieldsForm), posted back with it: each field's digest, by its name."""
    return "|".join(f"{name}={digest}" for name, digest in sorted(digests.items()))


def shown_digests(marker: str, names: list[str]) -> dict[str, str]:
    """The digest of each field a posted marker holds, by its name: a page shows and posts the fields it may
    change, and these change with the page's object (an audit's tool version read-only once past Planning).
    `names`, the form's fields (sorted), reads a marker made before the markers named their fields."""
    entries = marker.split("|") if marker else []
    if entries and all("=" in entry for entry in entries):
        return dict(entry.split("=", 1) for entry in entries)
    return dict(zip(names, entries, strict=True)) if len(entries) == len(names) else {}


def left_as_shown(marker: str, posted: dict) -> bool:
    """Whether what was posted of a row (its fields' values, by name) is what the page showed of it."""
    shown = shown_digests(marker, sorted(posted))
    return bool(shown) and all(field_digest(posted[name]) == was for name, was in shown.items() if name in posted)


class ShownFieldsForm(forms.ModelForm):
    """An admin form, or an inline row of one (Planning's audits, their agencies and cases, a tool version's
    stages, a stage's standards, a scale's grades; a person's account), that remembers what the page showed
    of it (`shown`: a short digest of each field, by its name): what somebody else changed since the page was opened
    (another QA manager or administrator, the same one's other tab) is not undone by this page's save. A
    field left as shown keeps the value stored now; changed on this page too, the save is refused with the
    value stored now, what was typed kept, and saving again is deliberate. The pages of Planning and
    Administration check it under the row lock of the page's object (LockedWhileSaved)."""

    shown = forms.CharField(widget=forms.HiddenInput, required=False)
    parent = "audit"  # the inline's link to the page's object: the formset adds it after the form is made

    def compared(self) -> list[str]:
        return sorted(name for name in self.fields if name not in ("id", "shown", "DELETE", "ORDER", self.parent))

    def digests(self) -> dict[str, str]:
        """Each compared field's digest, as the form holds it (initial: the object as stored)."""
        return {name: field_digest(self.initial.get(name)) for name in self.compared()}

    def marker(self) -> str:
        return shown_marker(self.digests())

    def shown_digests(self) -> dict[str, str]:
        """What the page showed, by field (its posted marker)."""
        return shown_digests(self.data.get(self.add_prefix("shown")) or "", self.compared())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["shown"].initial = self.marker()

    def _stored(self, name: str):
        field = self.instance._meta.get_field(name)
        return self.initial.get(name) if field.many_to_many else getattr(self.instance, name)

    def _stored_text(self, name: str) -> str:
        field = self.instance._meta.get_field(name)
        value = self._stored(name)
        if field.many_to_many:
            return ", ".join(str(item) for item in value) or str(_("none"))
        if field.choices and value:
            return str(dict(field.flatchoices).get(value, value))
        return str(value) if value not in (None, "") else str(_("not set"))

    kept: frozenset[str] | set[str] = frozenset()  # the fields kept as stored (clean)

    @property
    def changed_data(self) -> list[str]:
        # What this page changed: not its marker, nor a field kept as somebody else stored it (the history
        # and the access log would say this page changed it).
        return [name for name in super().changed_data if not name.startswith("shown") and name not in self.kept]

    def clean(self):
        self.kept = set()
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        shown = self.shown_digests()
        # self.initial holds the row as stored now: read after the audit's lock, in this save's transaction.
        stored = self.digests()
        for name, now in stored.items():
            # Compared if the page showed it: not one it did not (read-only then, such as the tool version of
            # an audit's page opened past Planning, saved after the audit went back to Planning).
            was = shown.get(name)
            if was is None or was == now or name not in cleaned:
                continue
            posted = field_digest(cleaned[name])
            if posted == was:
                cleaned[name] = self._stored(name)  # not changed on this page: theirs stays
                self.kept.add(name)
            elif posted != now:
                self.add_error(
                    name,
                    _(
                        "Changed by somebody else since you opened this page: it is now %(now)s. Nothing was saved; "
                        "check it, then save again."
                    )
                    % {"now": self._stored_text(name)},
                )
        # Shown again when the save is refused (a field changed on both pages, or any other reason), the page
        # posts what it then shows: a field typed on it over the value stored now (saving it again is
        # deliberate), a field left as shown as it was shown, still compared with what others save meanwhile.
        again = shown_marker(stored | {name: shown[name] for name in self.kept})
        if again != self.data.get(self.add_prefix("shown")):
            self.post_again("shown", again)
        return cleaned

    def post_again(self, name: str, value) -> None:
        """What the form posts as `name` once shown again (the request's data, read-only, is copied)."""
        data = self.data.copy()
        data[self.add_prefix(name)] = value
        self.data = data


class LockedWhileSaved:
    """A save (the admin's POST runs in one transaction) reads the page's object (an audit, a tool version,
    a stage, a scale; a person, an agency, the partnership's settings) under its row lock, before its form
    and rows are checked against it: a save at the same moment from another page waits, then is checked
    against what that one saved (ShownFieldsForm, audits.admin.AuditPlanningForm), instead of both passing
    the check and the second undoing the first unseen (for an audit, each e-mailing its change)."""

    def get_object(self, request, object_id, from_field=None):
        if request.method != "POST":
            return super().get_object(request, object_id, from_field)
        field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        try:
            return self.get_queryset(request).select_for_update(of=("self",)).get(**{field.name: object_id})
        except (self.model.DoesNotExist, ValueError, forms.ValidationError):
            return None


class AccessLoggedAdmin:
    """Changes made here go to the app's access log (README: every change) as well as the admin's own
    history: who added, changed or deleted which agency, setting, group or lockout, and which fields
    (audits.admin's planning says it in its own words: access_summary)."""

    def named(self, obj) -> str:
        return str(obj)

    def access_summary(self, obj, done: str, what: str) -> str:
        summary = f"Administration: {done} {obj._meta.verbose_name} {self.named(obj)}"
        return f"{summary}: {what}" if what else summary

    def _record(self, request, obj, done: str, what: str = "") -> None:
        access_record(
            request=request, action=AccessAction.CHANGE, obj=obj, summary=self.access_summary(obj, done, what)
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record(request, obj, "added")
        return entry

    def change_said(self, obj, entry) -> str:
        """What the access log says a change changed: the admin history's message ("Changed Name."), unless
        the admin says it better (AgencyAdmin: each field as it was → as it is now)."""
        return entry.get_change_message()

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record(request, obj, "changed", self.change_said(obj, entry))
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:  # logged before the delete: each still has its primary key
            self._record(request, obj, "deleted")
        return entries


# Their objects are case content or name it: a finding by its heading, a recommendation by its text,
# a return by its case, a briefing's section by its heading.
CASE_CONTENT_APPS = frozenset({"audits", "briefings"})


class _DeletionWithoutCaseContent:
    """Deleting a person or an agency (or several) first lists what would be deleted with them and
    what prevents it, each object by its name: for an agency in audits that is its returns' cases,
    its findings' headings and its recommendations' text. Objects of audits and briefings are
    counted there, kind by kind, not named (Django's get_deleted_objects otherwise)."""

    def get_deleted_objects(self, objs, request):
        if not len(objs):
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(self.model), origin=objs)
        collector.collect(objs)
        perms_needed = set()

        def named(obj):
            opts = obj._meta
            if self.admin_site.is_registered(type(obj)):
                if not self.admin_site.get_model_admin(type(obj)).has_delete_permission(request, obj):
                    perms_needed.add(opts.verbose_name)
            if opts.app_label in CASE_CONTENT_APPS:
                return None
            try:
                url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
            except NoReverseMatch:
                return f"{capfirst(opts.verbose_name)}: {obj}"
            return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)

        def without_unnamed(items: list) -> list:
            kept = []
            for item in items:
                if isinstance(item, list):
                    if item := without_unnamed(item):
                        kept.append(item)
                elif item is not None:
                    kept.append(item)
            return kept

        to_delete = without_unnamed(collector.nested(named))
        protected = [name for name in map(named, collector.protected) if name is not None]
        counted = Counter(
            capfirst(obj._meta.verbose_name_plural)
            for obj in collector.protected
            if obj._meta.app_label in CASE_CONTENT_APPS
        )
        protected += [f"{kind}: {count}" for kind, count in sorted(counted.items())]
        model_count = {model._meta.verbose_name_plural: len(found) for model, found in collector.model_objs.items()}
        return to_delete, model_count, perms_needed, protected


def _say_what_roles_are(fields) -> None:
    """The role and agency fields of a person's form, saying what each role is for and that an audit's
    auditors and lead officer are not roles: a new partnership's administrator looked for an "Auditor" role."""
    if "role" in fields:
        fields["role"].help_text = _(
            "QA manager: plans the audits and their tools, and runs Part B. Manager or practitioner: an agency's "
            "staff, who read its briefings. An agency's auditor and an audit's lead officer are not roles: they are "
            "chosen for each audit, in Planning. Administrator: users, agencies and settings, with no "
            "access to case content."
        )
    if "agency" in fields:
        fields["agency"].help_text = _(
            "The agency a manager or practitioner works for. QA managers and administrators need none."
        )


class _OwnAddress:
    """A person's e-mail address, their own: password links, invitations and notices are sent to it, so an
    address another account has (compared without case, as the constraint each_email_one_account compares
    them) is refused on the E-mail field, naming that account (the administrator may see usernames). The
    person's own page saved with their own address, in any case, is not another account's."""

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email") or ""
        other = User.objects.email_taken_by(email, other_than=self.instance.pk)
        if other is not None:
            raise forms.ValidationError(
                _(
                    "%(email)s is already the e-mail address of %(name)s (username %(username)s). Each account "
                    "needs its own, as password links and notices are sent to it: give another address, or "
                    "change theirs first."
                ),
                code="email_taken",
                params={"email": email, "name": other, "username": other.get_username()},
            )
        return email

    def _get_validation_exclusions(self):
        # The constraint each_email_one_account is what clean_email checked: not read a second time, to say
        # it without naming the account.
        return {*super()._get_validation_exclusions(), "email"}


class UserAddForm(_OwnAddress, forms.ModelForm):
    """A person added: who they are, their address and their role. No password: they are e-mailed a
    link to choose their own (agencies.passwords), so the administrator never knows it, and until then
    they have none that works. (Django's own form asks the administrator for one, or offers to turn
    password sign-in off, for a single sign-on the portal does not have.)"""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "agency")
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["email"].help_text = _("The link to choose their password is sent here.")
        _say_what_roles_are(self.fields)

    def save(self, commit: bool = True) -> User:
        person = super().save(commit=False)
        person.set_unusable_password()
        if commit:
            person.save()
        return person


class PasswordSetForm(AdminPasswordChangeForm):
    """The administrator's "Set password": a new password only. Without Django's "password-based
    authentication: disabled" choice, which is for a single sign-on the portal does not have: it made an
    account nobody could sign in to. To stop someone signing in, the administrator makes them inactive."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True


class UserChangeShownForm(_OwnAddress, ShownFieldsForm, UserChangeForm):
    """A person's page: what another administrator (or the same one's other tab) changed since it was opened,
    such as the account deactivated when the person left, or their role, is not undone by this page's save."""

    parent = ""

    class Meta(UserChangeForm.Meta):
        # Django's "Designates whether the user can log into this admin site." is not true here: a QA manager
        # opens Planning, and an administrator Administration, by the role, without it
        # (auditportal.admin.PortalAdminSite). In Meta, so that the
        # page shows it read-only too (to an administrator who is not a superuser).
        help_texts = {
            "is_staff": _(
                "Lets the person into Administration, where their permissions below (or superuser status) say "
                "what they may see and change. An administrator opens it by the role, without it, with the "
                "role's permissions (people, agencies, settings, lockouts and lost authenticators), and never "
                "reaches Planning. A QA manager opens Planning by the role, without it; managers and practitioners "
                "need none."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _say_what_roles_are(self.fields)
        password = self.fields.get("password")
        if password is not None and self.instance.pk and not self.instance.has_usable_password():
            # Django's "Enable password-based authentication for this user by setting a password." read, on
            # the page of a person just added and invited, as if the administrator had a step left to do.
            password.help_text = _(
                "They choose their own password with the link e-mailed to them when they were added (it works "
                "once, for %(lifetime)s); once it has expired, “Forgotten your password?” on the sign-in page "
                "e-mails them a new one. You need not set one for them."
            ) % {"lifetime": link_lifetime()}


class _SavedMeanwhile(Exception):
    """A person's save failed a unique constraint its form had checked: another save came first."""


@admin.register(User)
class UserAdmin(PeopleImportMixin, LockedWhileSaved, _DeletionWithoutCaseContent, BaseUserAdmin):
    """People. The administrator manages accounts, but cannot raise anyone's privileges (their own
    included) to reach what the role keeps from them: staff status, superuser status, groups and
    permissions are a superuser's to give, nobody changes their own role, agency or board access (nor, but a
    superuser, their own e-mail address), and a superuser's account is a superuser's to change. Every change
    of access is in the access log."""

    list_display = ("username", "first_name", "last_name", "role", "agency", "is_active")
    list_filter = ("role", "agency", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Partnership"), {"fields": ("role", "agency", "job_title", "board_access", "shown")}),
    )
    form = UserChangeShownForm
    add_form = UserAddForm
    change_password_form = PasswordSetForm
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "last_name", "email")}),
        (_("Partnership"), {"fields": ("role", "agency")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # When the person last signed in and joined are records, not settings (and Django's date and time boxes
        # for them carry no label a screen reader reads): shown, never edited, by anybody.
        fields = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        if obj is not None and obj.pk == request.user.pk:
            fields += [name for name in (*OWN_ACCESS_FIELDS, *PRIVILEGE_FIELDS) if name not in fields]
            if not request.user.is_superuser and "email" not in fields:
                # An account's address is what it reads by (My recommendations: the recommendations whose
                # reminders go to it), so an administrator giving their own account an owner's address (one
                # outside the partnership, or an agency lead's) would read that owner's recommendations,
                # with nobody told but themselves: another administrator changes it, told to the old one.
                fields.append("email")
        return fields

    def _may_touch(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or not obj.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        # Also guards the password form: setting a superuser's password would be signing in as one.
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # In one transaction, as the change form's: its POST reads the person under their row lock
        # (LockedWhileSaved), and the new password is saved with its record or not at all.
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:  # the new password was saved
                account_change_record(request=request, person=self.get_object(request, id), change="password")
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _SavedMeanwhile:
            # The page's check passed, then another save (another administrator's Add user or person's page,
            # a spreadsheet's people) gave an account the same address or username before this one's was
            # saved. Nothing of this save is left (its transaction, or savepoint, rolled back): the same
            # POST is checked again, against what is stored now, and the page says whose it is, what was
            # typed kept. Once: a second failure is not a race to put right.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _save_person(self, request, obj, form, change) -> None:
        """The person saved in a savepoint: the constraints the form checked (each_email_one_account, the
        unique username) failing now is a save at the same moment (changeform_view)."""
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                super().save_model(request, obj, form, change)
        except IntegrityError as error:
            raise _SavedMeanwhile from error

    def save_model(self, request, obj, form, change):
        if not change:
            self._save_person(request, obj, form, change)
            # Recorded, and invited to choose a password (e-mailed once this transaction commits), as a
            # person added from a spreadsheet is (people_import.person_added).
            if person_added(request=request, person=obj):
                messages.info(
                    request,
                    _(
                        "An e-mail is on its way to %(email)s with a link for %(name)s to choose their own "
                        "password (it works once, for %(lifetime)s). You need not set one for them."
                    )
                    % {"email": obj.email, "name": obj, "lifetime": link_lifetime()},
                )
            return
        stored = User.objects.select_related("agency").get(pk=obj.pk)
        before = {name: _shown(stored, name) for name in RECORDED_FIELDS}
        board_access_ended = board_access_end_on_leaving(person=obj, before=stored)
        self._save_person(request, obj, form, change)
        # The old address is told (after commit); the change itself is recorded below.
        email_change_notify(request=request, person=obj, old_email=stored.email)
        self._warn_auditor_unable(request, obj, stored)
        self._warn_board_access_kept(request, obj, stored)
        if board_access_ended:
            messages.info(
                request,
                _(
                    "%(name)s's board access (full board reports) ended with the account's deactivation: tick it "
                    "again if the account is made active again for a job that needs it."
                )
                % {"name": obj},
            )
        after = {name: _shown(obj, name) for name in RECORDED_FIELDS}
        was_qa_manager = stored.role == Role.QA_MANAGER and stored.is_active
        if obj.is_qa_manager and not was_qa_manager:  # recorded in its own words; the others are told
            qa_manager_appointed(request=request, person=obj)
        was_administrator = stored.role == Role.ADMINISTRATOR and stored.is_active
        if obj.is_active and obj.role == Role.ADMINISTRATOR and not was_administrator:  # so is an administrator's
            administrator_appointed(request=request, person=obj)
        # Said as ended by the deactivation, not as unticked by the administrator.
        why = {"board_access": " (ended with the account's deactivation)"} if board_access_ended else {}
        changes = [
            f"{name.replace('_', ' ')} {before[name]} → {after[name]}{why.get(name, '')}"
            for name in RECORDED_FIELDS
            if before[name] != after[name]
        ] + [
            f"{name.replace('_', ' ')} changed" for name in ("groups", "user_permissions") if name in form.changed_data
        ]
        if changes:
            summary = f"Access of {obj.get_username()} changed: " + ", ".join(changes)
            access_record(request=request, action=AccessAction.CHANGE, obj=obj, summary=summary)

    def _warn_auditor_unable(self, request, person: User, before: User) -> None:
        """The change left agencies in audits under way without an auditor able to complete their returns:
        their lead officers and the QA managers are e-mailed (auditor_unable_notify), and the administrator
        is told which audits and agencies (titles and names: no case content)."""
        from audits.services.participants import auditor_unable_notify

        affected = auditor_unable_notify(person=person, before=before)
        self._warn_lead_unable(request, person, before)
        if not affected:
            return
        named = "; ".join(f"{p.agency.name} in “{p.audit.title}”" for p in affected)
        messages.warning(
            request,
            ngettext(
                "%(name)s was the named auditor of %(count)d audit in Part A or Part B, and can no longer "
                "complete its returns: %(named)s. The agency's reminders stop: its lead officer and the QA "
                "manager are being e-mailed to name another auditor.",
                "%(name)s was the named auditor of %(count)d audits in Part A or Part B, and can no longer "
                "complete their returns: %(named)s. The agencies' reminders stop: the audits' lead officers "
                "and the QA manager are being e-mailed to name another auditor.",
                len(affected),
            )
            % {"name": person, "count": len(affected), "named": named},
        )

    def _warn_board_access_kept(self, request, person: User, before: User) -> None:
        """A person with board access whose role or agency this save changed, and whose board access it left
        on: the administrator is reminded that it stays (it reads full board reports), to untick it if the new
        job does not need it. Not removed here: who reads the board's reports is the partnership's decision.
        Nothing for board access unticked, or first given, in the same save, nor for an account deactivated."""
        moved = person.role != before.role or person.agency_id != before.agency_id
        if not (moved and before.board_access and person.board_access and person.is_active):
            return
        messages.warning(
            request,
            _(
                "%(name)s still has board access (full board reports): untick it on this page if their new job "
                "does not need it."
            )
            % {"name": person},
        )

    def _warn_lead_unable(self, request, person: User, before: User) -> None:
        """The change left audits under way (Part A to Reporting) without the lead officer they had able to
        lead them (deactivated, made an administrator): the QA managers are e-mailed to name another, one
        e-mail an audit (lead_unable_notify), and the administrator is told which audits (titles: no case
        content)."""
        from audits.services.participants import lead_unable_notify

        left = lead_unable_notify(person=person, before=before)
        if not left:
            return
        messages.warning(
            request,
            ngettext(
                "%(name)s led %(count)d audit under way and can no longer lead it: %(named)s. It now has no lead "
                "officer who can act on it: the QA managers are being e-mailed to name another lead officer.",
                "%(name)s led %(count)d audits under way and can no longer lead them: %(named)s. They now have "
                "no lead officer who can act on them: the QA managers are being e-mailed, one e-mail an audit, "
                "to name another lead officer for each.",
                len(left),
            )
            % {"name": person, "count": len(left), "named": ", ".join(f"“{audit.title}”" for audit in left)},
        )

    def get_deleted_objects(self, objs, request):
        """A person who did, or was named for, audit work (audit_work: an audit's lead officer or an agency's
        named auditor, a Part A return saved or reviewed, a Part B judgement recorded, a briefing published,
        …) is not deleted: it would clear their name from that work, or delete it with them (the reminders
        that chased them, the reports they asked for). Each such person is listed as what prevents it, with
        what they did, and the page says to deactivate them instead (templates/admin/agencies/user/
        delete_confirmation.html, delete_selected_confirmation.html); Django's delete view and "delete
        selected" action delete nothing while anything is listed. A person with no such record (added by
        mistake) is deleted as before. One query a kind of record, whatever the number of people."""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        work = audit_work(person.pk for person in objs)
        if not work:
            return to_delete, model_count, perms_needed, protected
        kept = [
            format_html(
                '<a href="{}">{}</a> (username {}): {}',
                reverse(f"{self.admin_site.name}:agencies_user_change", args=[quote(person.pk)]),
                person,
                person.get_username(),
                "; ".join(work[person.pk]),
            )
            for person in objs
            if person.pk in work
        ]
        # Refused for what they did, not for want of a permission: the page says to deactivate them.
        return to_delete, model_count, set(), kept + protected

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for person in queryset:  # logged before the delete: each still has its primary key
            summary = f"Account deleted: {person.get_username()}, role {person.get_role_display()}"
            access_record(request=request, action=AccessAction.CHANGE, obj=person, summary=summary)
        return entries


class ShownPageForm(ShownFieldsForm):
    """A page's own object (an agency, the partnership's settings): what somebody else saved since the page
    was opened is not undone by its save (ShownFieldsForm)."""

    parent = ""


class ShownSettingsRowForm(ShownFieldsForm):
    """A row of the partnership's settings page (a support contact, a link), as ShownFieldsForm."""

    parent = "partnership"


def _not_a_leavers_address(name: str, why):
    """The clean_<name> of an address the portal gives out (agencies.selectors.leavers_addresses): refused,
    on its field, when it is newly given and is a deactivated account's (somebody who left:
    agencies.selectors.deactivated_addresses, as a recommendation owner's is refused), saying `why` it matters
    and to give the address of whoever takes it on; what was typed is kept. An address left as it was (as
    stored, or as the page showed it when somebody else changed it since) does not stop the page's other
    changes: the administrator's home page lists it, to be changed."""

    def clean(form) -> str:
        address = form.cleaned_data.get(name) or ""
        stored = (getattr(form.instance, name, "") or "") if form.instance.pk else ""
        as_shown = form.instance.pk is not None and form.shown_digests().get(name) == field_digest(address)
        if address and address.lower() != stored.lower() and not as_shown and deactivated_addresses([address]):
            raise forms.ValidationError(
                _(
                    "%(address)s is the address of an account that was deactivated: the person left. %(why)s Give "
                    "the address of whoever takes it on."
                ),
                code="left",
                params={"address": address, "why": why},
            )
        return address

    return clean


class AgencyForm(ShownPageForm):
    clean_lead_email = _not_a_leavers_address(
        "lead_email", _("The agency's reminders about the recommendations it owns would go to nobody.")
    )


# The settings page's question before a shorter retention period that brings audits into the purge.
PURGE_QUESTION_FIELDS = ("confirm_purge", "purge_asked")


def _audits_named_when(audits, next_run) -> str:
    """The audits a shorter retention period brings into the purge, each with the purge's run that would
    remove it (audits_brought_into_purge's purge_run): "… (2019, closed on 3 March 2024), at the purge's
    next run, at 02:00 on Wednesday 25 November 2026; …"."""
    said = []
    for audit in audits:
        run = audit.purge_run
        when = (
            _("at the purge's next run, at %(time)s on %(day)s")
            if run == next_run
            else _("at the purge's run at %(time)s on %(day)s")
        ) % {"time": date_format(run, "H:i"), "day": date_format(run, "l j F Y")}
        said.append(f"{_audit_named(audit)}, {when}")
    return "; ".join(said)


def _audit_named(audit) -> str:
    """An audit as the retention question names it: its title and year, and when it closed or was
    cancelled (no case reference)."""
    cancelled = audit.cancelled_at if audit.is_cancelled else None
    said = (
        _("“%(title)s” (%(year)s, cancelled on %(date)s)")
        if cancelled
        else _("“%(title)s” (%(year)s, closed on %(date)s)")
    )
    ended = date_format(timezone.localtime(cancelled or audit.closed_at), "j F Y")
    return said % {"title": audit.title, "year": audit.year, "date": ended}


class PartnershipForm(ShownPageForm):
    """The partnership's settings. A shorter retention period that would bring audits into the retention
    purge at its next run or within a month of it (audits the period now stored keeps: typing 2 for 24) is not
    saved until the administrator, told how many audits, which and when, ticks "Yes, purge these" and saves again;
    what was typed on the page is kept meanwhile. The tick holds for the audits named: if the period or the
    audits it brings in change before the save, the page asks again."""

    confirm_purge = forms.BooleanField(label=_("Yes, purge these"), required=False, widget=forms.HiddenInput)
    purge_asked = forms.CharField(required=False, widget=forms.HiddenInput)

    clean_contact_email = _not_a_leavers_address(
        "contact_email",
        _("People are told to write to it, and replies to the portal's e-mails are not sent to a leaver's address."),
    )

    def clean_closure_days(self) -> str:
        """Each line a date or a range (agencies.working_days.closure_ranges), or the field's error naming the
        line that is not; saved one per line in order of date, as 29/12/2026 or 29/12/2026 to 31/12/2026."""
        from .working_days import ClosureDaysError, closure_lines, closure_ranges

        try:
            return closure_lines(closure_ranges(self.cleaned_data.get("closure_days", "")))
        except ClosureDaysError as error:
            raise forms.ValidationError(str(error)) from error

    # The retention period as stored, as saved, and the audits the change brings into the purge (clean).
    retention_change: tuple[int, int, list] | None = None
    retention_named = ""  # those audits, each with when the purge would remove it

    def compared(self) -> list[str]:
        return [name for name in super().compared() if name not in PURGE_QUESTION_FIELDS]

    @property
    def changed_data(self) -> list[str]:
        return [name for name in super().changed_data if name not in PURGE_QUESTION_FIELDS]

    def clean(self):
        cleaned = super().clean()
        self.retention_change = None
        months, stored = cleaned.get("retention_months"), self.initial.get("retention_months")
        if months is None or stored is None or months == stored:
            return cleaned
        from audits.services.retention import audits_brought_into_purge, next_purge_run

        # self.initial is the settings as stored now, read under their row lock (LockedWhileSaved).
        now = timezone.now()
        audits = audits_brought_into_purge(months=months, current=stored, now=now)
        self.retention_change = (stored, months, audits)
        if not audits:
            return cleaned
        self.retention_named = _audits_named_when(audits, next_purge_run(now))
        question = self.fields["confirm_purge"]
        question.widget = forms.CheckboxInput()
        # On the field and on its bound field, which read its help text when checked (before this).
        question.help_text = self["confirm_purge"].help_text = ngettext(
            "Tick it to save the shorter period: the case-level detail of the %(count)d audit named above is "
            "removed by the retention purge when said there and cannot be brought back.",
            "Tick it to save the shorter period: the case-level detail of the %(count)d audits named above is "
            "removed by the retention purge when said there and cannot be brought back.",
            len(audits),
        ) % {"count": len(audits)}
        asked = hashlib.sha256(f"{stored}>{months}:{','.join(str(a.pk) for a in audits)}".encode()).hexdigest()[:16]
        if cleaned.get("confirm_purge") and cleaned.get("purge_asked") == asked:
            return cleaned
        # Asked (again): the tick, if any, was for another period or other audits.
        data = self.data.copy()
        data[self.add_prefix("purge_asked")] = asked
        data.pop(self.add_prefix("confirm_purge"), None)
        self.data = data
        self.add_error(
            "retention_months",
            ngettext(
                "Nothing was saved yet. Lowering the retention period from %(stored)d to %(months)d months brings "
                "%(count)d audit that is kept now into the retention purge: %(named)s. Its case-level detail "
                "(the Part A texts and evidence, consensus reasons, risk factors, the Part B session's notes, and "
                "the text of its briefing drafts that was never published) would be removed then and cannot be "
                "brought back. If that is what you mean, tick “Yes, purge these” below and save again; if not, "
                "correct the period.",
                "Nothing was saved yet. Lowering the retention period from %(stored)d to %(months)d months brings "
                "%(count)d audits that are kept now into the retention purge: %(named)s. Their case-level detail "
                "(the Part A texts and evidence, consensus reasons, risk factors, the Part B session's notes, and "
                "the text of their briefing drafts that was never published) would be removed then and cannot be "
                "brought back. If that is what you mean, tick “Yes, purge these” below and save again; if not, "
                "correct the period.",
                len(audits),
            )
            % {
                "stored": stored,
                "months": months,
                "count": len(audits),
                "named": self.retention_named,
            },
        )
        return cleaned


class SupportContactForm(ShownSettingsRowForm):
    clean_email = _not_a_leavers_address("email", _("Briefings print it for their readers to write to."))


@admin.register(Agency)
class AgencyAdmin(
    LockedWhileSaved, AccessLoggedAdmin, _DeletionWithoutCaseContent, CountedLinesAdmin, admin.ModelAdmin
):
    form = AgencyForm
    list_display = ("name", "short_name", "sector")
    list_filter = ("sector",)
    search_fields = ("name", "short_name")

    def save_model(self, request, obj, form, change):
        # Each field this page changed as it was → as it is now, for the access log (change_said), as a
        # person's changes are recorded: renamed, the log says which agency it was. `form.initial` is the agency
        # as stored, read under its row lock (LockedWhileSaved); a field kept as somebody else saved it is not
        # this page's change (ShownFieldsForm.changed_data).
        if change:
            obj.changes_said = [
                f"{form.instance._meta.get_field(name).verbose_name} "
                f"{_agency_value(obj, name, form.initial.get(name))} → {_agency_value(obj, name, getattr(obj, name))}"
                for name in form.changed_data
                if form.initial.get(name) != getattr(obj, name)
            ]
        super().save_model(request, obj, form, change)

    def change_said(self, obj, entry) -> str:
        return ", ".join(getattr(obj, "changes_said", None) or []) or super().change_said(obj, entry)


def _agency_value(agency: Agency, name: str, value) -> str:
    """A field of an agency as the access log says it: a sector by its name, an empty one as none."""
    field = agency._meta.get_field(name)
    if field.choices and value:
        return str(dict(field.flatchoices).get(value, value))
    return str(value) if value not in (None, "") else "none"


class ThemedFormSet(BaseInlineFormSet):
    """The audit themes as checkboxes, read once for the whole formset (not once a row)."""

    @cached_property
    def theme_choices(self) -> list:
        return list(self.form.base_fields["themes"].choices)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["themes"].choices = self.theme_choices


class ThemedInline(CountedLinesAdmin, admin.StackedInline):
    """A contact or link for the audits of the themes ticked; none ticked: every audit's briefings.
    (filter_horizontal does not work in inlines: plain checkboxes, each with its label.) Stacked, not
    tabular: a tabular row's fields have only the column heading, no label of their own (axe-core)."""

    extra = 0
    form = ShownSettingsRowForm
    formset = ThemedFormSet
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
        # An address typed without a scheme is taken as https (Django 6's default; 5.2 warns otherwise).
        models.URLField: {"assume_scheme": "https"},
    }

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")


class SupportContactInline(ThemedInline):
    model = SupportContact
    form = SupportContactForm


class PartnershipLinkInline(ThemedInline):
    model = PartnershipLink


@admin.register(Partnership)
class PartnershipAdmin(LockedWhileSaved, AccessLoggedAdmin, CountedLinesAdmin, admin.ModelAdmin):
    """The partnership's one settings record (Partnership.load()): changed, never added or deleted.
    Adding "new" settings would save over the one record (django-solo keeps it at one primary key)."""

    form = PartnershipForm
    inlines = [SupportContactInline, PartnershipLinkInline]

    def save_model(self, request, obj, form, change):
        # The retention period as it was → as it is now, for the access log (change_said), with the audits a
        # shorter one brought into the purge, which the administrator confirmed (PartnershipForm.clean).
        obj.retention_said = ""
        if change and form.retention_change is not None:
            stored, months, audits = form.retention_change
            obj.retention_said = f"retention (months) {stored} → {months}"
            if audits:
                obj.retention_said += (
                    f", confirmed: {len(audits)} audit{'' if len(audits) == 1 else 's'} brought into the retention "
                    "purge"
                )
                messages.warning(
                    request,
                    ngettext(
                        "The case-level detail of %(count)d audit is removed by the retention purge: %(named)s.",
                        "The case-level detail of %(count)d audits is removed by the retention purge: %(named)s.",
                        len(audits),
                    )
                    % {"count": len(audits), "named": form.retention_named},
                )
        super().save_model(request, obj, form, change)

    def change_said(self, obj, entry) -> str:
        said = super().change_said(obj, entry)
        retention = getattr(obj, "retention_said", "")
        return f"{retention}. {said}" if retention else said

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:agencies_partnership_change", args=[Partnership.load().pk]))


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """The access log for the administrator, who has no access to case content: what a record about an
    audit or a briefing says is left out, and not searched (the QA manager reads it at /access-log/)."""

    list_display = ("at", "username", "action", "object_type", "object_id", "shown_summary", "ip_address")
    fields = ("at", "username", "action", "object_type", "object_id", "shown_summary", "path", "ip_address")
    readonly_fields = fields
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_id", "path")
    date_hierarchy = "at"

    @admin.display(description=_("summary"))
    def shown_summary(self, obj: AccessRecord) -> str:
        return obj.summary if summary_without_case_content(obj) else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _DeviceRemovalNotified:
    """Removing somebody's authenticator or recovery codes lets a new one be set up at their next
    sign-in, with only their password: the removal is recorded and the person is told.

    What the administrator does here is see who has which device and remove a lost one, nothing
    more, superuser or not. An authenticator's key (its QR code) and recovery codes are not shown:
    whoever reads them passes that person's second step. Nor is a device added or changed here: one
    with a key of the administrator's choosing, or their own moved onto somebody else's account,
    would be the same."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj):
        self._remove(request, obj.user, type(obj).objects.filter(pk=obj.pk))
        self._sign_out_if_own(request, {obj.user})

    def delete_queryset(self, request, queryset):
        # One transaction, as the delete page's (Django's "Delete selected" action has none): no device is gone
        # without its access record, nor a person's sessions left open after their device went.
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            people = {device.user for device in queryset.select_related("user")}
            for person in sorted(people, key=lambda person: person.pk):
                self._remove(request, person, queryset)
        self._sign_out_if_own(request, people)

    @staticmethod
    def _sign_out_if_own(request, people) -> None:
        """Their own removed: this session has ended (sessions_ended_at), signed out now, after every removal
        was recorded as theirs, so that _remove's message goes into the new session (settings.MESSAGE_STORAGE)
        and is read on the sign-in page: the next request would otherwise end this one, message and all."""
        if any(person.pk == request.user.pk for person in people):
            logout(request)

    def _remove(self, request, person, devices: QuerySet) -> None:
        record = second_factor_remove(request=request, person=person, devices=[devices])
        if record is None or person.pk != request.user.pk:
            return
        # Their own: this session ends with their others, and the next page is the sign-in page, whose
        # "Your session has ended" would not say why.
        what = _("an authenticator app of yours") if devices.model is TOTPDevice else _("your recovery codes")
        then = (
            _("Sign in again with your password and your authenticator app.")
            if TOTPDevice.objects.filter(user=person, confirmed=True).exists()
            else _(
                "Sign in again: after your password you set up a new authenticator app and are given new "
                "recovery codes."
            )
        )
        messages.warning(
            request,
            _("You removed %(what)s, which ends your sessions, this one included, as it does anybody's. %(then)s")
            % {"what": what, "then": then},
        )


# The authenticator's secret: its key, and the QR code and otpauth:// address made from it.
TOTP_SECRET_FIELDS = frozenset({"key", "qrcode_link"})


class NotifiedTOTPDeviceAdmin(_DeviceRemovalNotified, TOTPDeviceAdmin):
    def get_list_display(self, request):
        return [name for name in super().get_list_display(request) if name not in TOTP_SECRET_FIELDS]

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for title, options in super().get_fieldsets(request, obj):
            fields = [name for name in options["fields"] if name not in TOTP_SECRET_FIELDS]
            if fields:
                fieldsets.append((title, {**options, "fields": fields}))
        return fieldsets

    def config_view(self, request, pk):
        raise PermissionDenied

    def qrcode_view(self, request, pk):
        raise PermissionDenied


class NotifiedStaticDeviceAdmin(_DeviceRemovalNotified, StaticDeviceAdmin):
    def get_inline_instances(self, request, obj=None):
        return []  # the recovery codes themselves


# django-otp registers its own (its apps come before this one in INSTALLED_APPS): replaced.
for _model, _admin in ((TOTPDevice, NotifiedTOTPDeviceAdmin), (StaticDevice, NotifiedStaticDeviceAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


class _LockoutInTheAccessLog(AccessLoggedAdmin):
    """Deleting an access attempt lifts a lockout (README), deleting a sign-in log removes a trace:
    recorded with whose and from where."""

    def named(self, obj) -> str:
        return f"{obj.username} from {obj.ip_address}"


# django-axes' and Django's own (groups: a superuser's), registered before this app: replaced by the
# same classes, recorded.
for _model in (AccessAttempt, AccessLog, AccessFailureLog, Group):
    if admin.site.is_registered(_model):
        _base = type(admin.site.get_model_admin(_model))
        _mixin = AccessLoggedAdmin if _model is Group else _LockoutInTheAccessLog
        admin.site.unregister(_model)
        admin.site.register(_model, type(_base.__name__, (_mixin, _base), {"__module__": __name__}))
