import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies.models import AGENCY_STAFF_ROLES, LEAD_OFFICER_ROLES, Agency
from audits.identifiers import find_identifiers
from briefings.render_jobs import RenderJob

# --- Shared taxonomies -----------------------------------------------------------------------


class AuditTheme(models.Model):
    """What an audit is about: child sexual exploitation, neglect, missing children…"""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RiskFactor(models.Model):
    """One entry of the shared taxonomy of risk factors and emerging themes.

    Used to flag cases, to record the risk factors an auditor saw, and to tag an audit's
    emerging themes, so that the same theme can be followed from audit to audit.
    """

    name = models.CharField(_("name"), max_length=160, unique=True)
    slug = models.SlugField(max_length=160, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Audit tools -----------------------------------------------------------------------------


class GradeScale(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    def __str__(self) -> str:
        return self.name


class Grade(models.Model):
    """One step of a scale. rank 1 is the best; a difference in rank is a difference in steps."""

    scale = models.ForeignKey(GradeScale, on_delete=models.CASCADE, related_name="grades")
    rank = models.PositiveSmallIntegerField()
    label = models.CharField(_("label"), max_length=60)
    code = models.SlugField(max_length=40)
    description = models.TextField(
        _("what it means"),
        blank=True,
        help_text=_(
            "Shown to the auditors with the scale, on the Part A form and the evidence board, so that a first-time "
            "auditor grades as the others do. One or two plain sentences on practice at this grade, such as "
            "“Practice is consistently effective: the child's needs are identified early and acted on.” "
            "Leave it empty to show the label alone."
        ),
    )

    class Meta:
        ordering = ["scale", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "rank"], name="grade_rank_unique_in_scale"),
            models.UniqueConstraint(fields=["scale", "code"], name="grade_code_unique_in_scale"),
        ]

    def __str__(self) -> str:
        return self.label


class AuditTool(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    def __str__(self) -> str:
        return self.name


class ToolVersion(models.Model):
    """A fixed version of an audit tool. Once an audit uses it, it is never edited: copy it."""

    tool = models.ForeignKey(AuditTool, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="tool_versions")
    notes = models.TextField(_("what changed"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tool", "number"]
        constraints = [models.UniqueConstraint(fields=["tool", "number"], name="tool_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.tool} v{self.number}"

    @property
    def in_use(self) -> bool:
        return self.audits.exists()


class Section(models.Model):
    """A stage of the child's journey: Response, Assessment, Planning, Intervention…"""

    version = models.ForeignKey(ToolVersion, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "order"], name="section_order_unique")]
        # As the app, its messages and README say: the journey's stages ("section" is only the code's word).
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.title


class AnswerType(models.TextChoices):
    GRADE = "grade", _("Grade and evidence")
    TEXT = "text", _("Evidence only")


class Standard(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="standards")
    order = models.PositiveSmallIntegerField()
    code = models.CharField(_("code"), max_length=12)
    text = models.TextField(_("standard"))
    guidance = models.TextField(_("guidance for the auditor"), blank=True)
    answer_type = models.CharField(max_length=10, choices=AnswerType.choices, default=AnswerType.GRADE)

    class Meta:
        ordering = ["section__order", "order"]
        constraints = [models.UniqueConstraint(fields=["section", "order"], name="standard_order_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


# --- Audits ------------------------------------------------------------------------------------


class AuditStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    PART_A = "part_a", _("Part A open")
    PART_B = "part_b", _("Part B")
    REPORTING = "reporting", _("Reporting")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


AUDIT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AuditStatus.PLANNING: (AuditStatus.PART_A,),
    AuditStatus.PART_A: (AuditStatus.PART_B, AuditStatus.PLANNING),
    AuditStatus.PART_B: (AuditStatus.REPORTING, AuditStatus.PART_A),
    AuditStatus.REPORTING: (AuditStatus.CLOSED, AuditStatus.PART_B),
    AuditStatus.CLOSED: (),
    AuditStatus.CANCELLED: (),
}

# Cancelling is not a step of the life cycle above: it has its own page, needs a reason, and is final
# (audits.services.partb.audit_cancel). Not from Reporting or Closed: briefings may exist there.
CANCELLABLE_STATUSES = (AuditStatus.PLANNING, AuditStatus.PART_A, AuditStatus.PART_B)
# The stages an audit goes through, in order, for the progress page (Cancelled is not one of them).
LIFE_CYCLE = [(value, label) for value, label in AuditStatus.choices if value != AuditStatus.CANCELLED]
CANCEL_REASON_MAX = 500


class AuditQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AuditQuerySet":
        """Audits the user may open at all (each page then checks what they may do in it). None for an
        administrator, whatever they were named or their account says (User.has_case_access)."""
        if not user.is_authenticated or not user.has_case_access:
            return self.none()
        if user.is_qa_manager:
            return self
        return self.filter(
            Q(lead_officer=user) | Q(participants__auditor=user) | Q(participants__agency_id=user.case_agency_id)
        ).distinct()

    def managed_by(self, user) -> "AuditQuerySet":
        """Audits the user runs: all of them for a QA manager, their own for a lead officer. None for an
        administrator, even one named an audit's lead officer (User.has_case_access)."""
        if not user.is_authenticated or not user.has_case_access:
            return self.none()
        if user.is_qa_manager:
            return self
        return self.filter(lead_officer=user)


def audit_year(part_b_date, created_at) -> int:
    """The year an audit counts for: its Part B session's, else the year it was created. For rows
    read as values; an Audit has it as .year."""
    return (part_b_date or timezone.localdate(created_at)).year


def audit_dates_problem(part_a_due, part_b_date) -> str:
    """Why an audit's dates are impossible ("" when they are not): the Part B session discusses the
    Part A returns, so it cannot come before they are due (the same day will do). Past dates are
    fine: an audit already running, or recorded after the event, has them."""
    if part_a_due is not None and part_b_date is not None and part_b_date < part_a_due:
        return str(
            _(
                "The Part B session (%(part_b)s) cannot be before Part A is due (%(part_a)s): the session "
                "discusses the Part A returns. Move the session later, or Part A's due date earlier."
            )
            % {"part_b": date_format(part_b_date, "j F Y"), "part_a": date_format(part_a_due, "j F Y")}
        )
    return ""


# How far ahead a date typed in Planning, Part A or Part B may be: further is taken for a mistyped year (2062
# for 2026), which would put a due date out of every reminder's reach unseen.
FAR_AHEAD_YEARS = 5


def far_ahead_problem(day) -> str:
    """Why `day` will not do as a date people type for an audit (Part A's due date, the Part B session's, a
    recommendation's due date): more than FAR_AHEAD_YEARS years after today, most likely a mistyped year
    ("" when it is not, or is None). Past dates are left to each field's own rule."""
    if day is None:
        return ""
    today = timezone.localdate()
    try:
        limit = today.replace(year=today.year + FAR_AHEAD_YEARS)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year + FAR_AHEAD_YEARS, day=28)
    if day <= limit:
        return ""
    return str(
        _("%(date)s is more than %(years)s years from today: check the year.")
        % {"date": date_format(day, "j F Y"), "years": FAR_AHEAD_YEARS}
    )


def not_far_ahead(day) -> None:
    """The validator of every date typed in Planning, Part A and Part B (far_ahead_problem): refused by its
    field, in the admin's forms, Part B's forms and the services that check their models (full_clean)."""
    if problem := far_ahead_problem(day):
        raise ValidationError(problem, code="far_ahead")


def lead_unable_reason(person) -> str:
    """Why `person` can no longer lead an audit: "inactive" (their account was deactivated: they left),
    "role" (made an administrator: no case content), or "" when they can. Audit.lead_officer_unable says it
    in a sentence, Planning's list of lead officers in a few words."""
    if not person.is_active:
        return "inactive"
    if person.role not in LEAD_OFFICER_ROLES:
        return "role"
    return ""


def auditor_unable_reason(person, agency_id: int | None) -> str:
    """Why `person` can no longer audit for the agency `agency_id`: "inactive" (their account was
    deactivated), "agency" (moved to another agency), "role" (no longer a manager or practitioner), or ""
    when they can. AuditAgency.auditor_unable says it in a sentence, Planning's list of auditors in a few
    words."""
    if not person.is_active:
        return "inactive"
    if person.agency_id != agency_id:
        return "agency"
    if person.role not in AGENCY_STAFF_ROLES:
        return "role"
    return ""


def audit_slug_not_a_page(value: str) -> None:
    """An audit's web address is /audits/<slug>/: one that is the first part of another page's address there
    ("recommendations", "my-returns") would open that page instead, the audit's own never reachable."""
    from audits.urls import urlpatterns

    pages = {str(pattern.pattern).split("/", 1)[0] for pattern in urlpatterns}
    if value in {page for page in pages if page and not page.startswith("<")}:
        raise ValidationError(
            _(
                "“%(slug)s” is the web address of another page of the portal: give the audit another, such as “%(slug)s-audit”."
            ),
            code="reserved",
            params={"slug": value},
        )


class Audit(models.Model):
    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(max_length=80, unique=True, validators=[audit_slug_not_a_page])
    theme = models.ForeignKey(AuditTheme, on_delete=models.PROTECT, related_name="audits")
    scope_question = models.TextField(_("scope question"))
    context = models.TextField(_("why the audit was done"), blank=True)
    methodology = models.TextField(_("methodology"), blank=True)
    cohort_source = models.CharField(_("cohort source"), max_length=300, blank=True)
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="audits")
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_audits"
    )
    status = models.CharField(max_length=20, choices=AuditStatus.choices, default=AuditStatus.PLANNING)
    part_a_due = models.DateField(_("Part A due"), null=True, blank=True, validators=[not_far_ahead])
    part_b_date = models.DateField(_("Part B session"), null=True, blank=True, validators=[not_far_ahead])
    what_next = models.TextField(_("what next"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=CANCEL_REASON_MAX, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def can_move_to(self, status: str) -> bool:
        return status in AUDIT_TRANSITIONS[self.status]

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        return [(s, AuditStatus(s).label) for s in AUDIT_TRANSITIONS[self.status]]

    @property
    def part_a_open(self) -> bool:
        return self.status == AuditStatus.PART_A

    @property
    def is_cancelled(self) -> bool:
        return self.status == AuditStatus.CANCELLED

    @property
    def can_cancel(self) -> bool:
        return self.status in CANCELLABLE_STATUSES

    @property
    def year(self) -> int:
        return audit_year(self.part_b_date, self.created_at)

    @property
    def lead_officer_unable(self) -> str:
        """Why the named lead officer can no longer lead the audit, or "" when they can (or none is named):
        their account was deactivated (they left), or they were made an administrator (no case content),
        after being named. The QA managers still run it; another lead officer is named in its plan. Reads
        `lead_officer`: load it with select_related on a list."""
        lead = self.lead_officer
        reason = lead_unable_reason(lead) if lead is not None else ""
        if reason == "inactive":
            return str(_("%(name)s's account is not active") % {"name": lead})
        if reason == "role":
            return str(_("%(name)s is now an administrator, with no access to case content") % {"name": lead})
        return ""

    def clean(self) -> None:
        super().clean()
        problem = audit_dates_problem(self.part_a_due, self.part_b_date)
        if problem:
            raise ValidationError({"part_b_date": problem})
        if self.lead_officer_id and self.lead_officer.role not in LEAD_OFFICER_ROLES:
            raise ValidationError(
                {
                    "lead_officer": _(
                        "%(name)s is an administrator, who has no access to case content: name the QA manager, "
                        "a manager or a practitioner."
                    )
                    % {"name": self.lead_officer}
                }
            )


class AuditAgency(models.Model):
    """An agency taking part in an audit, and the auditor it named."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="participants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="audit_participations")
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )

    class Meta:
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["audit", "agency"], name="one_participation_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency} in {self.audit}"

    def clean(self) -> None:
        if self.auditor_id and self.auditor.agency_id != self.agency_id:
            raise ValidationError({"auditor": _("The auditor must work for this agency.")})
        if self.auditor_id and not self.auditor.is_active:
            raise ValidationError(
                {
                    "auditor": _("%(name)s's account is not active: name someone whose account is.")
                    % {"name": self.auditor}
                }
            )
        # The rule of the app's "Change auditor" (audits.services.participants).
        if self.auditor_id and self.auditor.role not in AGENCY_STAFF_ROLES:
            raise ValidationError(
                {
                    "auditor": _("An auditor is one of the agency's managers or practitioners: %(name)s is not.")
                    % {"name": self.auditor}
                }
            )

    @property
    def auditor_unable(self) -> str:
        """Why the named auditor cannot complete the agency's returns, or "" when they can (or nobody is
        named): their account was deactivated, they were moved to another agency, or their role changed
        (to QA manager or administrator), after being named. Reads `auditor` and `agency`: load them with
        select_related on a list."""
        auditor = self.auditor
        reason = auditor_unable_reason(auditor, self.agency_id) if auditor is not None else ""
        if reason == "inactive":
            return str(_("%(name)s's account is not active") % {"name": auditor})
        if reason == "agency":
            return str(_("%(name)s no longer works for %(agency)s") % {"name": auditor, "agency": self.agency.name})
        if reason == "role":
            return str(
                _("%(name)s is no longer one of %(agency)s's managers or practitioners")
                % {"name": auditor, "agency": self.agency.name}
            )
        return ""


class AgeBand(models.TextChoices):
    UNDER_10 = "0-9", _("Under 10")
    AGE_10_12 = "10-12", _("10 to 12")
    AGE_13_15 = "13-15", _("13 to 15")
    AGE_16_17 = "16-17", _("16 to 17")
    AGE_18_PLUS = "18+", _("18 and over")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Another gender")
    UNKNOWN = "unknown", _("Not recorded")


_CASE_REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]*")


def validate_case_reference(value: str) -> None:
    """A case reference is a pseudonym: letters, digits, spaces and hyphens, with a number in it
    ("Case 3", "CSE-04"), and nothing the identifier guard flags (an NHS number, a phone number…).
    A name cannot be told from a word, but a reference without a number is refused, which catches
    the name typed in its place."""
    if not _CASE_REFERENCE_RE.fullmatch(value) or not any(c.isdigit() for c in value) or find_identifiers(value):
        raise ValidationError(
            _(
                'A case reference is a pseudonym with a number, such as "Case 3": letters, digits, spaces and '
                "hyphens, and never a name or a record number."
            )
        )


class Case(models.Model):
    """A pseudonymised case. There is deliberately no field for a name, date of birth or record number."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="cases")
    reference = models.CharField(
        _("case reference"),
        max_length=30,
        validators=[validate_case_reference],
        help_text=_('A pseudonym with a number, such as "Case 3": never a name or a record number.'),
    )
    order = models.PositiveSmallIntegerField(default=0)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    risk_factors = models.ManyToManyField(RiskFactor, blank=True, related_name="cases")

    class Meta:
        ordering = ["audit", "order", "reference"]
        constraints = [models.UniqueConstraint(fields=["audit", "reference"], name="case_reference_unique_in_audit")]

    def __str__(self) -> str:
        return self.reference


# --- Part A ----------------------------------------------------------------------------------


class ReturnStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for amendment")
    ACCEPTED = "accepted", _("Accepted")


RETURN_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReturnStatus.NOT_STARTED: (ReturnStatus.DRAFT, ReturnStatus.SUBMITTED),
    ReturnStatus.DRAFT: (ReturnStatus.SUBMITTED,),
    ReturnStatus.SUBMITTED: (ReturnStatus.RETURNED, ReturnStatus.ACCEPTED),
    ReturnStatus.RETURNED: (ReturnStatus.SUBMITTED,),
    # An accepted return is locked; only the QA manager's unlock sends it back.
    ReturnStatus.ACCEPTED: (ReturnStatus.RETURNED,),
}

EDITABLE_RETURN_STATUSES = (ReturnStatus.NOT_STARTED, ReturnStatus.DRAFT, ReturnStatus.RETURNED)


class ReturnQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReturnQuerySet":
        """The one place that decides whose Part A returns a user may read.

        QA manager: all. Lead officer: the audits they lead. Agency staff: their own agency's
        returns only. The auditor an agency named for an audit also reads the other agencies'
        submitted and accepted returns of that audit, while it is in Part B only: what the
        evidence board shows them then (audits.access.get_board_audit), never a draft. An
        administrator: none, whatever they were named or their account's agency (User.has_case_access).
        """
        if not user.is_authenticated or not user.has_case_access:
            return self.none()
        if user.is_qa_manager:
            return self
        query = Q(audit__lead_officer=user)
        if user.case_agency_id:
            query |= Q(agency_id=user.case_agency_id)
            # A semi-join (audit IN the audits they sit on), not a join on the participants: a join
            # repeats every return once per agency of its audit, which needed a DISTINCT over the
            # wide rows and made My returns 7× slower at 50 audits (benchmarks/README.md).
            query |= Q(
                audit__in=AuditAgency.objects.filter(auditor=user, agency_id=user.case_agency_id).values("audit_id"),
                audit__status=AuditStatus.PART_B,
                status__in=[ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED],
            )
        return self.filter(query)


class PartAReturn(models.Model):
    """One agency's Part A review of one case."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="returns")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="returns")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="returns")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.NOT_STARTED)
    no_involvement = models.BooleanField(_("my agency had no involvement with this case"), default=False)
    no_involvement_reason = models.TextField(_("reason"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    improvements = models.TextField(_("areas for improvement"), blank=True)
    risk_factors = models.ManyToManyField(RiskFactor, blank=True, related_name="returns")
    overall_grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("overall grade")
    )
    # Optimistic locking: every save bumps it; a save based on an older number is refused.
    version = models.PositiveIntegerField(default=0)
    identifiers_confirmed = models.BooleanField(default=False)
    amendment_comment = models.TextField(_("comment from the QA manager"), blank=True)
    # The flagged details (identifier_key) the comment's writer confirmed are not about the child: the
    # consistency checks do not raise them again.
    comment_identifiers_confirmed = models.JSONField(default=list, blank=True)
    last_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[risk_factors])
    objects = ReturnQuerySet.as_manager()

    class Meta:
        ordering = ["audit", "case__order", "agency__name"]
        constraints = [
            # A case belongs to one audit, so this is one return per case × agency × audit.
            models.UniqueConstraint(fields=["case", "agency"], name="one_return_per_case_and_agency"),
        ]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"{self.case} — {self.agency.short_name}"

    def clean(self) -> None:
        if self.case_id and self.audit_id and self.case.audit_id != self.audit_id:
            raise ValidationError(_("The case belongs to another audit."))
        if self.audit_id and self.tool_version_id and self.tool_version_id != self.audit.tool_version_id:
            raise ValidationError(_("A return uses its audit's tool version."))

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_RETURN_STATUSES

    @property
    def is_locked(self) -> bool:
        return not self.is_editable

    def can_move_to(self, status: str) -> bool:
        return status in RETURN_TRANSITIONS[self.status]

    @property
    def display_status(self) -> str:
        if self.no_involvement and self.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED):
            return str(_("No involvement"))
        return self.get_status_display()


class ReturnNoticeEvent(models.TextChoices):
    RETURNED = "returned", _("Returned for amendment")
    UNLOCKED = "unlocked", _("Unlocked")


class ReturnNotice(models.Model):
    """A return sent back for amendment (or unlocked) whose auditor has not been e-mailed about it yet.

    Written in the same transaction as the send-back (audits.services.parta), and deleted in the same
    transaction as the e-mail that tells the auditor (email_auditor_about_return): one e-mail lists every
    return of the agency in the audit sent back in the same review sitting. A row still here is an e-mail
    still to send; none is an e-mail sent (or, for a return no longer returned, one not needed).
    """

    ret = models.ForeignKey(PartAReturn, on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(max_length=20, choices=ReturnNoticeEvent.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.ret_id} at {self.created_at.isoformat(timespec='seconds')}"


class Answer(models.Model):
    part_a_return = models.ForeignKey(PartAReturn, on_delete=models.CASCADE, related_name="answers")
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="answers")
    grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    not_applicable = models.BooleanField(default=False)
    evidence = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["standard__section__order", "standard__order"]
        constraints = [
            models.UniqueConstraint(fields=["part_a_return", "standard"], name="one_answer_per_standard"),
            models.CheckConstraint(
                condition=~(Q(grade__isnull=False) & Q(not_applicable=True)), name="answer_grade_or_not_applicable"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_a_return} {self.standard.code}"

    @property
    def is_answered(self) -> bool:
        if self.not_applicable:
            return True
        if self.standard.answer_type == AnswerType.TEXT:
            return bool(self.evidence.strip())
        return self.grade_id is not None


# --- Part B ----------------------------------------------------------------------------------


class PartBSession(models.Model):
    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="session")
    date = models.DateField(_("date"), null=True, blank=True, validators=[not_far_ahead])
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Who else was there besides the agencies' auditors (whose attendance is per agency): the chair and
    # others such as the QA manager, the lead officer or a designated doctor. Professionals, named with
    # their role: not case content, so not run through the identifier guard.
    chair = models.CharField(_("chair"), max_length=200, blank=True)
    other_attendees = models.TextField(_("other attendees"), blank=True)

    def __str__(self) -> str:
        return f"Part B session of {self.audit}"

    @property
    def other_attendee_list(self) -> list[str]:
        """The other attendees, one a line, without blank lines."""
        return [line.strip() for line in self.other_attendees.splitlines() if line.strip()]


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    APOLOGIES = "apologies", _("Apologies")


class Attendance(models.Model):
    session = models.ForeignKey(PartBSession, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(AuditAgency, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    # The person this attendance was recorded for: the agency's named auditor when it was saved (their
    # full name, or username). The record of the session keeps naming them if the agency's auditor is
    # changed afterwards (they left; a colleague finishes). Blank: no auditor was named.
    attendee = models.CharField(_("attendee"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "participant"], name="one_attendance_per_agency")]

    def __str__(self) -> str:
        return f"{self.participant.agency}: {self.get_status_display()}"

    @staticmethod
    def name_of(auditor) -> str:
        """What `attendee` records of an agency's auditor: as a user is named (their full name, or their
        username); "" for none."""
        return str(auditor)[:200] if auditor is not None else ""


class CaseJudgement(models.Model):
    """The Part B group's consensus on a case: per journey stage, or overall when section is empty."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="judgements")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("reasons"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "section"], condition=Q(section__isnull=False), name="one_judgement_per_stage"
            ),
            models.UniqueConstraint(fields=["case"], condition=Q(section__isnull=True), name="one_overall_judgement"),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.section or _('overall')} — {self.grade}"


class FindingKind(models.TextChoices):
    STRENGTH = "strength", _("Overall strength")
    THEME = "theme", _("Emerging theme / risk factor")
    KEY_MESSAGE = "key_message", _("Key message for inter-agency learning")
    MANAGER_POINT = "manager_point", _("Key point for managers")
    LEARNING_POINT = "learning_point", _("Learning point")
    PRACTITIONER_POINT = "practitioner_point", _("Key learning point for practitioners")
    AGENCY_STRENGTH = "agency_strength", _("Agency strength")
    AGENCY_IMPROVEMENT = "agency_improvement", _("Agency area for improvement")


AGENCY_FINDING_KINDS = (FindingKind.AGENCY_STRENGTH, FindingKind.AGENCY_IMPROVEMENT)


class Finding(models.Model):
    """One item of the audit's overall findings. Within a kind, `order` is the briefing's order."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=30, choices=FindingKind.choices)
    heading = models.CharField(_("heading"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    order = models.PositiveIntegerField(default=0)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="findings")
    risk_factors = models.ManyToManyField(RiskFactor, blank=True, related_name="findings")
    cases = models.ManyToManyField(Case, blank=True, related_name="findings")
    returns = models.ManyToManyField(PartAReturn, blank=True, related_name="findings")
    created_at = models.DateTimeField(default=timezone.now)
    # Promoted from the evidence board (services.partb.finding_promote): the return, and the edit marker
    # of the text promoted (selectors.partb.edit_marker), kept however the finding is edited later. The
    # board says "Already in …" only for that text: a text changed since in Part A can be promoted again.
    promoted_from = models.ForeignKey(
        PartAReturn, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    promoted_marker = models.CharField(max_length=24, blank=True, editable=False)

    history = HistoricalRecords(m2m_fields=[risk_factors, cases, returns])

    class Meta:
        ordering = ["audit", "kind", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AGENCY_FINDING_KINDS, agency__isnull=False)
                | (~Q(kind__in=AGENCY_FINDING_KINDS) & Q(agency__isnull=True)),
                name="agency_findings_name_their_agency",
            ),
            models.CheckConstraint(condition=~Q(heading="", body=""), name="finding_not_empty"),
        ]

    def __str__(self) -> str:
        return self.heading or self.body[:80]


class RecommendationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETE = "complete", _("Complete")
    CLOSED = "closed", _("Closed")


RECOMMENDATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RecommendationStatus.OPEN: (RecommendationStatus.IN_PROGRESS, RecommendationStatus.COMPLETE),
    RecommendationStatus.IN_PROGRESS: (RecommendationStatus.COMPLETE, RecommendationStatus.OPEN),
    RecommendationStatus.COMPLETE: (RecommendationStatus.CLOSED, RecommendationStatus.IN_PROGRESS),
    # Reopened by whoever may close it (closed by mistake): complete again (services.partb.recommendation_transition).
    RecommendationStatus.CLOSED: (RecommendationStatus.COMPLETE,),
}


class Recommendation(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="recommendations")
    text = models.TextField(_("recommendation"))
    owner = models.CharField(
        _("owner"), max_length=200, blank=True, help_text=_("A group, e.g. the CSE Steering Group.")
    )
    owner_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="recommendations"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, validators=[not_far_ahead])
    # The first due date it was given, kept when the due date is moved (its owner given more time): the tracker,
    # the board report and the spreadsheet print it beside a due date moved since. Its own field, not read from
    # the history, which the retention purge thins. None: never given a due date.
    first_due_date = models.DateField(_("first due date"), null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN)
    impact_evidence = models.TextField(_("evidence of impact"), blank=True)
    order = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    findings = models.ManyToManyField(Finding, blank=True, related_name="recommendations")
    # Insights (additive): where the owner's reminders go. Blank: the owner agency's lead_email.
    owner_email = models.EmailField(
        _("owner's e-mail"),
        blank=True,
        help_text=_("Reminders before and after the due date go here (or to the owner agency's lead)."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(impact_evidence=""), name="closed_recommendation_has_impact"
            ),
            models.CheckConstraint(
                condition=~Q(owner="") | Q(owner_agency__isnull=False), name="recommendation_has_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs):
        # The first due date is the one it is created with (or, one recorded before due dates were required,
        # the first it is given since), never changed when the due date is moved.
        if self.first_due_date is None and self.due_date is not None:
            self.first_due_date = self.due_date
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "first_due_date"}
        super().save(*args, **kwargs)

    @property
    def owner_name(self) -> str:
        return self.owner or (self.owner_agency.name if self.owner_agency_id else "")

    @property
    def rag(self) -> str:
        """Red / amber / green from status and due date."""
        if self.status in (RecommendationStatus.COMPLETE, RecommendationStatus.CLOSED):
            return "green"
        if self.due_date is None:
            return "amber"
        today = timezone.localdate()
        if self.due_date < today:
            return "red"
        if (self.due_date - today).days <= 30:
            return "amber"
        return "green"

    def can_move_to(self, status: str) -> bool:
        return status in RECOMMENDATION_TRANSITIONS[self.status]


# --- Part A reminders ------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic reminder")
    CHASE = "chase", _("Chased by the QA manager")
    # To a reviewer (a QA manager or the audit's lead officer), not an auditor: returns awaiting review.
    REVIEW_DIGEST = "review_digest", _("Returns awaiting review")


class ReminderLog(models.Model):
    """An e-mail sent to an auditor about unsubmitted Part A returns.

    Automatic reminders go out at most once a day per auditor: the constraint below is what
    guarantees it, even when two reminder runs overlap. A review digest (audits.services.digests) is
    the one row here about a reviewer rather than an auditor (`auditor` is who was told): at most one
    a day per reviewer and audit.
    """

    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    audit = models.ForeignKey(Audit, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    sent_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["auditor", "sent_on"],
                condition=Q(kind="automatic"),
                name="one_automatic_reminder_per_auditor_per_day",
            ),
            models.UniqueConstraint(
                fields=["auditor", "audit", "sent_on"],
                condition=Q(kind="review_digest"),
                name="one_review_digest_per_reviewer_per_audit_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.auditor} on {self.sent_on}"


# --- Insights (additive): recommendation reminders and rendered reports ------------------------


class RecommendationReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class RecommendationReminder(models.Model):
    """An e-mail sent to a recommendation's owner before or after its due date (at most weekly)."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=RecommendationReminderKind.choices)
    sent_to = models.EmailField()
    sent_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["recommendation", "-sent_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder to {self.sent_to} on {self.sent_on}"


class InsightReportKind(models.TextChoices):
    BOARD = "board", _("Board report: open and overdue recommendations")
    AGENCY = "agency", _("Agency profile")


class InsightReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def insight_report_upload_to(instance: "InsightReport", filename: str) -> str:
    return f"insights/{instance.requested_by_id or 0}/{instance.kind}-{instance.pk}.pdf"


class InsightReport(RenderJob, models.Model):
    """A PDF report asked for by one person, rendered by a Celery task with what that person may see."""

    kind = models.CharField(max_length=20, choices=InsightReportKind.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(AuditTheme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=InsightReportStatus.choices, default=InsightReportStatus.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When the render was (last) put on the queue and (last) started: the requeue of reports whose
    # message was lost (Redis down or flushed) or whose worker died goes by these, as for briefing versions.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=insight_report_upload_to, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    # The audits the report was made from, as its requester could see them when it was rendered (the
    # audits they ran for a board report, the profile's audits for an agency profile): it opens only while
    # they can still see every one of them (selectors.may_see_report). Empty for a report not rendered yet.
    audit_ids = models.JSONField(default=list, blank=True)
    # Of those, the audits whose findings not yet agreed (before Reporting) an agency profile printed because its
    # requester ran them (the QA manager, the audit's lead officer): it opens only while they still run each
    # one, or its findings are agreed (selectors.may_see_report).
    findings_audit_ids = models.JSONField(default=list, blank=True)

    created_field = "requested_at"  # RenderJob: what a report without queued_at waits from

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="agency") | Q(agency__isnull=False), name="agency_report_names_its_agency"
            ),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="rendered_report_has_file"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({timezone.localtime(self.requested_at):%Y-%m-%d %H:%M})"

    @property
    def download_name(self) -> str:
        stem = "board-report" if self.kind == InsightReportKind.BOARD else f"agency-profile-{self.agency_id}"
        return f"{stem}-{timezone.localtime(self.requested_at):%Y-%m-%d}.pdf"
