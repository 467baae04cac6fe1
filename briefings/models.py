from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from audits.models import Audit

from .render_jobs import RenderJob


class Edition(models.TextChoices):
    MANAGERS = "managers", _("Managers' briefing")
    PRACTITIONERS = "practitioners", _("Practitioners' briefing")
    FULL_REPORT = "full", _("Full report")


class Briefing(models.Model):
    """The editable draft of one edition of an audit's briefing. Published versions are BriefingVersion."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="briefings")
    edition = models.CharField(max_length=20, choices=Edition.choices)
    title = models.CharField(_("title"), max_length=250)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Who last changed the title or the audience, and when: named when another editor's change is refused.
    details_updated_at = models.DateTimeField(null=True, blank=True)
    details_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["audit", "edition"]
        constraints = [models.UniqueConstraint(fields=["audit", "edition"], name="one_briefing_per_edition")]

    def __str__(self) -> str:
        # What the access log names it by (agencies.services.access_record): never the title or the
        # audience, free text that may carry an identifier, but the edition and the audit's slug.
        return f"{self.get_edition_display()}, {self.audit.slug}"


class BriefingSection(models.Model):
    """One section of a briefing: prefilled from the audit, then editable and hideable.

    `body` is plain text: paragraphs separated by blank lines, bullet points as lines starting
    with "- ", and "**Heading:** text" for a bold lead-in. No HTML is ever accepted.
    """

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=40)
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    hidden = models.BooleanField(_("hide this section"), default=False)
    order = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["briefing", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["briefing", "key"], name="one_section_per_key")]

    def __str__(self) -> str:
        return self.heading


class RenderStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def briefing_upload_to(instance: "BriefingVersion", filename: str) -> str:
    return f"briefings/{instance.briefing.audit_id}/{instance.briefing.edition}-v{instance.number}.pdf"


class BriefingVersion(RenderJob, models.Model):
    """A published, numbered version: a frozen copy of the content and its PDF.

    A version can be withdrawn (published with a child's identifier in it, say): its PDF is deleted,
    its sections' text blanked and nobody can list or download it again. It stays "done" with no
    file — its render is over for good — and keeps its number, headings and who withdrew it and why.
    """

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=RenderStatus.choices, default=RenderStatus.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=briefing_upload_to, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    rendered_at = models.DateTimeField(null=True, blank=True)
    # When the render was (last) put on the queue and (last) started: the requeue of versions
    # left behind by a broker outage or a killed worker goes by these.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    created_field = "published_at"  # RenderJob: what a version without queued_at waits from

    class Meta:
        ordering = ["briefing", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["briefing", "number"], name="one_version_per_number"),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(file="") | Q(withdrawn_at__isnull=False),
                name="rendered_version_has_file",
            ),
            # Nothing may queue, render or attach a file to a withdrawn version again.
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(status="done", file=""),
                name="withdrawn_version_is_done_without_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.briefing} v{self.number}"

    @property
    def is_done(self) -> bool:
        return self.status == RenderStatus.DONE and bool(self.file) and self.withdrawn_at is None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def download_name(self) -> str:
        return f"{self.briefing.audit.slug}-{self.briefing.edition}-v{self.number}.pdf"


class Feedback(models.Model):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="feedback")
    version = models.ForeignKey(BriefingVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The reader's agency when they wrote it: the feedback page says where it came from, not where the
    # reader works now. None: they had no agency, or it was deleted since.
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rating = models.PositiveSmallIntegerField(_("how useful was this briefing?"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_one_to_five"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.briefing}"
