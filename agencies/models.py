import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from solo.models import SingletonModel

logger = logging.getLogger(__name__)


class Sector(models.TextChoices):
    POLICE = "police", _("Police")
    SOCIAL_CARE = "social_care", _("Children's social care")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    YOUTH = "youth", _("Youth services")
    JUSTICE = "justice", _("Youth justice")
    THIRD_SECTOR = "third_sector", _("Third sector")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    OTHER = "other", _("Other")


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(
        _("short name"),
        max_length=60,
        unique=True,
        help_text=_(
            "As in “Police” or “CSC”: it heads the agency's column in an audit's tables, and a spreadsheet of "
            "people may name the agency by it."
        ),
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    # Insights (additive): the agency's lead for the partnership, who is reminded about the
    # recommendations the agency owns.
    lead_email = models.EmailField(
        _("lead's e-mail"),
        blank=True,
        help_text=_("The agency's lead for the partnership: reminded about the recommendations the agency owns."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    QA_MANAGER = "qa_manager", _("QA manager")
    MANAGER = "manager", _("Manager")
    PRACTITIONER = "practitioner", _("Practitioner")
    ADMINISTRATOR = "administrator", _("Administrator")


# An agency's own staff: who work for an agency (agency_staff_have_an_agency) and may be named its
# auditor for an audit. The QA manager and administrators are not agency staff.
AGENCY_STAFF_ROLES = (Role.MANAGER, Role.PRACTITIONER)
# Who may lead an audit: anyone but an administrator, who has no access to case content.
LEAD_OFFICER_ROLES = (Role.QA_MANAGER, Role.MANAGER, Role.PRACTITIONER)


class UserManager(DjangoUserManager):
    """`createsuperuser` makes an administrator: IT, with users, agencies and settings and no case
    content (docs/permissions.md). The default role, practitioner, would need an agency."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        # Said by `createsuperuser` as its error (a ValidationError), not a traceback from the database.
        other = self.email_taken_by(email or "")
        if other is not None:
            raise ValidationError(
                _("%(email)s is already the e-mail address of the account %(username)s: give another.")
                % {"email": email, "username": other.get_username()}
            )
        return super().create_superuser(username, email, password, **extra_fields)

    def email_taken_by(self, email: str, *, other_than: int | None = None) -> "User | None":
        """The account, other than `other_than` (a primary key), with this e-mail address, compared without
        case as the constraint each_email_one_account compares them; None for a blank address. One query."""
        if not email:
            return None
        found = self.annotate(address=Lower("email")).filter(address=Lower(models.Value(email)))
        if other_than is not None:
            found = found.exclude(pk=other_than)
        return found.only("pk", "username", "first_name", "last_name").first()


class User(AbstractUser):
    """A person using the portal.

    `role` is the person's standing in the partnership. Being an auditor or the lead officer
    is not a role of its own: it comes from an assignment on an audit (AuditAgency.auditor,
    Audit.lead_officer), so the same practitioner can audit one year and read the next.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    board_access = models.BooleanField(
        _("board access"), default=False, help_text=_("May read restricted full reports.")
    )
    # The person's own choice, on their profile page (agencies.views.profile): whether they are e-mailed
    # each learning briefing they may read when it is first published (briefings.services).
    new_briefing_emails = models.BooleanField(_("E-mail me when a new learning briefing is published"), default=True)
    # When the account was last saved deactivated (save()): every session signed in before then has ended for
    # good, even once the account is active again. None: never deactivated.
    sessions_ended_at = models.DateTimeField(_("sessions ended at"), null=True, blank=True, editable=False)

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["manager", "practitioner"]) | models.Q(agency__isnull=False),
                name="agency_staff_have_an_agency",
            ),
            # Password reset, invitations and e-mail-change notices go by address: each account its own,
            # compared without case ("Ann.Lee@…" is ann.lee@…), as a spreadsheet's rows are. The forms that
            # set an address say which account has it (email_taken_by); this is for two saves at once.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="each_email_one_account",
                violation_error_message=_("Another account already has this e-mail address."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        # The rule of the constraint agency_staff_have_an_agency, said on the field to put right.
        if self.role in AGENCY_STAFF_ROLES and self.agency_id is None:
            raise ValidationError(
                {"agency": _("Managers, practitioners, auditors and lead officers work for an agency: choose theirs.")}
            )

    def save(self, *args, update_fields=None, **kwargs) -> None:
        """Saved deactivated (by an administrator in Administration → Users, or anywhere else), the account's
        sessions end for good: a new sessions_ended_at changes the session auth hash that django.contrib.auth
        checks a session against on every request, so a session signed in before this save is flushed
        however soon the account is made active again, on whichever device, in the database and the cache
        alike. Set on every save of an inactive account, not only when is_active changes: no deactivation
        is missed (a form read before a reactivation and saved after it, an account added inactive), and
        nobody signs in while the account is inactive, so no other session ends. QuerySet.update() passes
        by here: nothing in the app deactivates that way."""
        if not self.is_active and (update_fields is None or "is_active" in update_fields):
            self.sessions_ended_at = timezone.now()
            if update_fields is not None:
                update_fields = {*update_fields, "sessions_ended_at"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_session_auth_hash(self) -> str:
        """Django's (an HMAC of the password's hash, so a new password ends the other sessions) for an
        account never deactivated, so that no session ends when this is deployed; otherwise an HMAC of the
        password's hash and sessions_ended_at."""
        if self.sessions_ended_at is None:
            return super().get_session_auth_hash()
        return self._session_auth_hash_since_ended(secret=None)

    def get_session_auth_fallback_hash(self):
        """The same under each of SECRET_KEY_FALLBACKS, as Django's: a session signed in before the secret
        key was rotated goes on (django.contrib.auth.get_user moves it to the current key's hash)."""
        if self.sessions_ended_at is None:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash_since_ended(secret=secret)

    def _session_auth_hash_since_ended(self, secret: str | None) -> str:
        ended = self.sessions_ended_at.astimezone(UTC).isoformat()
        return salted_hmac(
            "agencies.models.User.get_session_auth_hash", f"{self.password}|{ended}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def is_qa_manager(self) -> bool:
        return self.is_active and self.role == Role.QA_MANAGER

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.role == Role.ADMINISTRATOR or self.is_superuser)

    @property
    def is_manager(self) -> bool:
        return self.is_active and self.role in (Role.MANAGER, Role.QA_MANAGER)

    @property
    def has_case_access(self) -> bool:
        """Whether the person may read any case content at all, whatever they were named or given: not
        an administrator (IT: users, agencies and settings, no case content), even one named an
        audit's lead officer or auditor, or whose account names an agency."""
        return self.is_active and self.role != Role.ADMINISTRATOR

    @property
    def case_agency_id(self) -> int | None:
        """The agency whose case content the person reads as one of its people, or None. Every rule
        "their own agency's returns, profile, briefings" goes by this, not by `agency_id`: an
        administrator's agency gives them nothing."""
        return self.agency_id if self.has_case_access else None


# Where Partnership.contact_address keeps its answer on an instance: (contact_email read, the address to give).
_CONTACT_ADDRESS = "_contact_address"


# The longest retention period the partnership may set: 100 years.
MAX_RETENTION_MONTHS = 1200


class Partnership(SingletonModel):
    """The partnership's own settings. There is one row (pk=1); use Partnership.load().

    Every page shows its name, so django-solo keeps the row in the shared cache (SOLO_CACHE) and
    saving it replaces the cached copy.
    """

    name = models.CharField(_("name"), max_length=200, default="Safeguarding Children Partnership")
    short_name = models.CharField(
        _("short name"),
        max_length=40,
        default="SCP",
        help_text=_("As in “NSCP”: at the top of every page, before “Audit portal”, and in each page's title."),
    )
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_(
            "The address people are told to write to (in invitations, password and account e-mails, and when "
            "refused a page or locked out), the reply-to of every e-mail the portal sends, and the contact "
            "printed in briefings."
        ),
    )
    feedback_invitation = models.TextField(
        _("feedback invitation"),
        blank=True,
        default=(
            "We would like to hear your thoughts, feedback and comments on the findings presented "
            "in this briefing and on the style of the briefing itself."
        ),
        help_text=_("Opens each briefing's feedback section, above how to rate it and comment in the library."),
    )
    training = models.TextField(
        _("training"),
        blank=True,
        help_text=_(
            "The partnership's training offer, printed in each briefing's training section above the training "
            "links below."
        ),
    )
    retention_months = models.PositiveIntegerField(
        _("retention (months)"),
        default=24,
        help_text=_("Months after an audit is closed or cancelled before its case-level detail is removed."),
        # Counted on the calendar (audits.services.retention): a period past the calendar's years (99999 typed
        # for "keep it") stopped every purge and refused every cancellation with a server error.
        validators=[
            MaxValueValidator(
                MAX_RETENTION_MONTHS,
                _("At most %(limit_value)s months (100 years): give the partnership's retention period in months."),
            )
        ],
    )

    closure_days = models.TextField(
        _("closure days"),
        blank=True,
        default="",
        db_default="",  # for a process still running the code before it (an upgrade), creating the row
        help_text=_(
            "Days the partnership's offices are closed besides weekends and bank holidays (between Christmas and "
            "New Year, a local holiday), one per line: 29/12/2026, or a range as 29/12/2026 to 31/12/2026. No Part A "
            "reminders or digests are sent on them, and they are not counted among the working days before a "
            "return's due date."
        ),
    )

    class Meta:
        verbose_name = _("partnership settings")
        verbose_name_plural = _("partnership settings")

    def __str__(self) -> str:
        return self.name

    @property
    def closure_dates(self) -> frozenset:
        """Each day of closure_days (agencies.working_days), as saved (checked by the settings' form)."""
        from .working_days import ClosureDaysError, closure_ranges

        try:
            ranges = closure_ranges(self.closure_days)
        except ClosureDaysError as error:  # not through the form: none are taken rather than a failed run
            logger.error("partnership closure days not read: %s", error)
            return frozenset()
        return frozenset(first + timedelta(days=n) for first, last in ranges for n in range((last - first).days + 1))

    @classmethod
    def load(cls) -> "Partnership":
        return cls.get_solo()

    # django-solo's cache reads and writes, each failing with the cache (Redis down, the same server as
    # the sessions') as a bare 500 on every page, each page's menu reading the settings: read from the
    # database then, as without SOLO_CACHE, and saving the settings still saves them.
    @classmethod
    def get_solo(cls) -> "Partnership":
        try:
            return super().get_solo()
        except RedisError as error:
            logger.warning("partnership settings read from the database, the cache does not answer: %r", error)
            obj, _created = cls.objects.get_or_create(pk=cls.singleton_instance_id)
            return obj

    def set_to_cache(self) -> None:
        try:
            super().set_to_cache()
        except RedisError as error:
            # A copy Redis holds from before (if it comes back with its data) lasts SOLO_CACHE_TIMEOUT at most.
            logger.error("partnership settings saved but not replaced in the cache: %r", error)

    @classmethod
    def clear_cache(cls) -> None:
        try:
            super().clear_cache()
        except RedisError as error:
            logger.error("partnership settings not taken out of the cache: %r", error)

    @property
    def contact_address(self) -> str:
        """The address people are told to write to (the e-mails' text, the pages that print it) and every
        e-mail's reply address: contact_email, unless it is a deactivated account's (a QA manager's own address
        given as the contact, who has left), when it is '' as if none were set, so that nobody is told to write
        to a leaver's mailbox (the administrator's home page lists the address to change,
        agencies.selectors.leavers_addresses). Read once an instance (a request's, an e-mail's): one query,
        none for no address. Never kept in the shared cache (__getstate__), where it would outlast a
        deactivation."""
        known = self.__dict__.get(_CONTACT_ADDRESS)
        if known is None or known[0] != self.contact_email:
            from .selectors import deactivated_addresses

            left = deactivated_addresses([self.contact_email])
            known = (self.contact_email, "" if left else self.contact_email)
            self.__dict__[_CONTACT_ADDRESS] = known
        return known[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop(_CONTACT_ADDRESS, None)
        return state


class SupportContact(models.Model):
    """A local support line printed in briefings ("If you are worried about a child call…")."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="support_contacts")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("when to contact"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    url = models.URLField(_("web address"), blank=True)
    order = models.PositiveIntegerField(default=0)
    # By name, not import: audits.models imports this module.
    themes = models.ManyToManyField(
        "audits.AuditTheme",
        blank=True,
        related_name="+",
        verbose_name=_("audit themes"),
        help_text=_("The audits whose briefings show it. None chosen: every audit."),
    )

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class LinkKind(models.TextChoices):
    USEFUL = "useful", _("Useful link")
    READING = "reading", _("Further reading")
    TRAINING = "training", _("Training")
    PROCEDURE = "procedure", _("Procedures and tools")


class PartnershipLink(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices, default=LinkKind.USEFUL)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("web address"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(default=0)
    themes = models.ManyToManyField(
        "audits.AuditTheme",
        blank=True,
        related_name="+",
        verbose_name=_("audit themes"),
        help_text=_("The audits whose briefings show it. None chosen: every audit."),
    )

    class Meta:
        ordering = ["kind", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CHANGE = "change", _("Changed")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded")
    REFUSED = "refused", _("Refused")
    PURGE = "purge", _("Purged")
    # A sign-in once the person can use pages (after the second factor where it is required), and signing
    # out; a failed sign-in is in django-axes' records only (agencies.services.sign_in_record).
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_OUT = "sign_out", _("Signed out")


class AccessRecord(models.Model):
    """Who saw or changed what, when and from where. Append-only: rows are never updated."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint and no cascade: the record outlives the account, and the database
    # refuses any UPDATE of this table (see migration 0002), which SET_NULL would need.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The audit the object belongs to (a return, case, board, judgement, finding, briefing, export,
    # download…), so that the log answers "who saw or changed what in this audit". Without a database
    # constraint, as `user`: the record outlives what it names. By name: audits.models imports this module.
    audit = models.ForeignKey(
        "audits.Audit",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # indexed in Meta, built without blocking the log's writes (migration 0010)
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["audit"], name="agencies_accessrecord_audit"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Access records are append-only.")
        super().save(*args, **kwargs)


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that needs it (agencies.outbox)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # When a task marked run_once (an e-mail) finished its work for this message: a second delivery
    # of the message (Redis redelivers it, the outbox publishes it again) then does nothing.
    done_at = models.DateTimeField(null=True, blank=True)
    # Done with nothing to do: its task found, when it ran, that its e-mail was no longer due (it returned False),
    # and sent nothing. The owners' e-mails of a recommendation read it to know what an address was told. A default
    # in the database too: processes still running the code before it write messages without it until restarted.
    skipped = models.BooleanField(default=False, db_default=False)
    # When the e-mail of this message last failed for good: its task's retries over the mail server ran out
    # (or it raised something no retry mends), or the outbox stopped publishing it again a day after it was
    # written, never done. Shown, with the recipients masked, on the administrator's home page until done, for 30
    # days at most (agencies.outbox.KEEP_FAILED).
    failed_at = models.DateTimeField(null=True, blank=True)
    failed_to = models.CharField(max_length=300, blank=True)  # masked_email of each recipient, never in full
    # The client address of the request that asked for a password link (agencies.passwords): its limit per client
    # address is counted from these while the cache (Redis) does not answer. Empty for every other message.
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
