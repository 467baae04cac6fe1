"""Writes for briefings: each in one transaction, each leaving an access record."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from agencies.mail import portal_mail_send
from agencies.models import Partnership, User
from agencies.outbox import enqueue
from agencies.services import AccessAction, access_record, transaction_lock
from audits.models import Audit, AuditStatus
from audits.selectors.partb import edit_marker
from audits.services.partb import EditConflict, changed_fields

from . import prefill
from .content import build_content, content_fingerprint, printed_sections
from .models import Briefing, BriefingSection, BriefingVersion, Feedback, RenderStatus, briefing_upload_to
from .selectors import (
    REMADE_BY_PURGE,
    audit_briefing_data,
    draft_changed_by,
    emailable,
    first_standing_version,
    may_use_library,
    readable_versions,
    version_announcees,
    version_downloaders,
    version_downloads,
    version_overseers,
    version_readers_to_tell,
)

logger = logging.getLogger(__name__)

SECTION_MAX_CHARS = 20000
# A version or an insight report still queued this long after it was put on the queue (a broker
# outage, a lost message) is queued again by requeue_stalled; a render well past the task's hard
# time limit (a killed worker) too.
QUEUED_STALE_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 3


class BriefingError(Exception):
    """A request the rules do not allow; the message is for the person who made it."""


# A briefing is drafted from the Part B findings, so not before Part B; it is published once
# Part B is over (Reporting), or later to correct a closed audit's briefing.
DRAFT_STATUSES = (AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED)
PUBLISH_STATUSES = (AuditStatus.REPORTING, AuditStatus.CLOSED)


def cancelled_refusal(audit: Audit, *, drafted: bool = True) -> str:
    """Why a cancelled audit's briefings are not drafted, changed or published ("" for any other audit).
    A draft Part B had begun (`drafted`) is kept as it stood, read-only, like the rest of its work."""
    if not audit.is_cancelled:
        return ""
    refusal = _("This audit was cancelled: its briefings are not drafted, changed or published.")
    if drafted:
        refusal += " " + _("The draft is kept as it stood, until the partnership's retention period ends.")
    return refusal


def _refuse_if_cancelled(audit: Audit) -> None:
    if refusal := cancelled_refusal(audit):
        raise BriefingError(refusal)


def _locked_audit(audit_id: int) -> Audit:
    """The audit's row, locked until the transaction ends and read as it is now, for a write to one of its
    briefings: the audit's cancellation (audits.services.partb.audit_cancel) and status moves lock the same
    row, so a composer's save and a cancellation at the same moment are one after the other, never both
    written. Taken first, before the briefing's or its sections' rows (as briefing_create does), so that
    the writes of a briefing lock in one order. Refused (BriefingError) when the audit is cancelled."""
    audit = Audit.objects.select_for_update().get(pk=audit_id)
    _refuse_if_cancelled(audit)
    return audit


def draft_refusal(audit: Audit) -> str:
    """Why no briefing of this audit may be drafted now ("" when one may)."""
    if audit.status in DRAFT_STATUSES:
        return ""
    if audit.is_cancelled:
        return cancelled_refusal(audit, drafted=False)
    return _(
        "Briefings are drafted from the Part B findings, and this audit is at %(stage)s: "
        "draft them once its Part B has begun."
    ) % {"stage": audit.get_status_display()}


def publish_refusal(audit: Audit) -> str:
    """Why no briefing of this audit may be published now ("" when one may)."""
    if audit.status in PUBLISH_STATUSES:
        return ""
    if audit.is_cancelled:
        return cancelled_refusal(audit)
    return _(
        "This audit is at %(stage)s. A briefing is published once the audit has moved on to "
        "Reporting, when its findings are settled."
    ) % {"stage": audit.get_status_display()}


def sections_refusal(sections: Iterable[BriefingSection], edition: str, audit: Audit) -> str:
    """Why a draft with these sections may not be published ("" when it may): its PDF would be the
    cover page and nothing else, no section being shown, or every shown one empty (content.is_printed,
    what the PDF prints: text of blank lines or invisible characters only prints nothing)."""
    sections = list(sections)
    if not any(not section.hidden for section in sections):
        return _("No section is shown, so the PDF would be a cover page only: show at least one before publishing.")
    if not printed_sections(sections, edition, audit):
        return _(
            "Every section shown is empty (or holds only invisible characters, as text pasted from elsewhere "
            "can), so the PDF would be a cover page only. Write the text of at least one shown section, or show "
            "one that has text, before publishing."
        )
    return ""


# --- Drafts -----------------------------------------------------------------------------------


def briefing_create(*, audit: Audit, edition: str, user, request: HttpRequest | None = None) -> Briefing:
    """Start an edition's draft, prefilled from the audit, its Part B findings and the partnership settings."""
    with transaction.atomic():
        # The audit's row first: with no draft yet there is no row to lock, and a second start at the
        # same moment (a double click, the audit's other composer) inserted the edition again, refused
        # by one_briefing_per_edition as a server error. It now waits, and is given the first's draft.
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        existing = Briefing.objects.select_for_update().filter(audit=audit, edition=edition).first()
        if existing is not None:
            return existing
        refusal = draft_refusal(locked)
        if refusal:
            raise BriefingError(refusal)
        data = audit_briefing_data(audit)
        briefing = Briefing.objects.create(
            audit=audit,
            edition=edition,
            title=prefill.default_title(data, edition)[:250],
            audience=prefill.default_audience(edition)[:300],
        )
        now = timezone.now()
        sections = []
        for order, spec in enumerate(prefill.specs_for(edition), start=1):
            body = prefill.section_body(spec.key, data, edition)
            # A section with nothing in it yet starts hidden, so a draft never prints a bare heading.
            hidden = edition not in spec.shown_in or (not body and not spec.data)
            sections.append(
                BriefingSection(
                    briefing=briefing,
                    key=spec.key,
                    heading=str(spec.heading),
                    body=body,
                    hidden=hidden,
                    order=order * 10,
                    updated_at=now,
                    updated_by=user,
                )
            )
        BriefingSection.objects.bulk_create(sections)
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=briefing,
            summary=f"Briefing started: {briefing}",
        )
    return briefing


def _when(moment: datetime) -> str:
    """When someone else saved or published, as a refusal says it: the local time alone today ("14:05"),
    with its day another day ("20 Nov 2026, 14:05"), as Part A's "Saved …" (audits.views.parta._saved_time):
    "at 14:05, after you opened this page" on a page opened days before would say it was today."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return f"{date_format(local, 'j M Y')}, {local:%H:%M}"


DETAILS = ("title", "audience")


class DetailsConflict(BriefingError):
    """A title or audience the editor changed was changed by someone else after the page showed it:
    nothing is written. `fields` are the ones in conflict; `current` holds the other editor's values."""

    def __init__(self, current: Briefing, fields: list[str]) -> None:
        self.current = current
        self.fields = fields
        by = current.details_updated_by
        labels = {"title": _("the title"), "audience": _("the audience")}
        # Set back by the retention purge (drafts_reset_unpublished_details: nobody, at the audit's purged_at).
        self.purged = (
            by is None
            and current.details_updated_at is not None
            and (current.details_updated_at == current.audit.purged_at)
        )
        if self.purged:
            super().__init__(
                _(
                    "At %(time)s, after you opened this page, the retention purge set %(fields)s back to what was "
                    "published (or to what the draft began with): the audit's retention period has ended, and "
                    "with it its case-level detail. Nothing was saved: what the draft holds now is shown under "
                    "yours. Do not put back what was removed (details of a case); save again only what the "
                    "briefing may say."
                )
                % {
                    "time": _when(current.details_updated_at),
                    "fields": get_text_list([str(labels[name]) for name in fields], _("and")),
                }
            )
            return
        super().__init__(
            _(
                "%(who)s changed %(fields)s at %(time)s, after you opened this page. Nothing was saved: "
                "what they saved is shown under yours. Change yours if you need to, then save again."
            )
            % {
                "who": (by.get_full_name() or by.get_username()) if by else _("Someone else"),
                "fields": get_text_list([str(labels[name]) for name in fields], _("and")),
                # Changed before who and when were kept (details_updated_at): the draft's last change.
                "time": _when(current.details_updated_at or current.updated_at),
            }
        )


def briefing_update_details(
    *,
    briefing: Briefing,
    title: str,
    audience: str,
    user,
    request: HttpRequest | None = None,
    shown: dict[str, str | None] | None = None,
) -> Briefing:
    """Save the title and the audience the editor changed: `shown` holds what their page showed
    (None for a field: taken as changed, whatever it held). A field they left as shown is not
    written, so that two editors changing one each both keep theirs. A field they changed that
    someone else changed since the page showed it is refused (DetailsConflict), never overwritten."""
    shown = shown or {}
    wanted = {"title": title.strip(), "audience": audience.strip()}
    with transaction.atomic():
        _locked_audit(briefing.audit_id)
        current = (
            Briefing.objects.select_for_update(of=("self",))
            .select_related("details_updated_by", "audit")
            .get(pk=briefing.pk)
        )
        # Part B's rule for what the page showed (edit markers of the values shown).
        markers = {name: edit_marker(value) for name, value in shown.items() if value is not None}
        try:
            changed = changed_fields(wanted, {name: getattr(current, name) for name in DETAILS}, markers)
        except EditConflict as conflict:
            raise DetailsConflict(current, [name for name in DETAILS if name in conflict.current]) from None
        to_write = [name for name in changed if getattr(current, name) != wanted[name]]
        if not to_write:
            return current
        for name in to_write:
            setattr(current, name, wanted[name])
        current.details_updated_at = timezone.now()
        current.details_updated_by = user
        current.save(update_fields=[*to_write, "details_updated_at", "details_updated_by", "updated_at"])
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=current,
            summary=f"Details changed: {', '.join(to_write)}",
        )
    return current


def purged_by_retention(section: BriefingSection) -> bool:
    """Whether the section was last written by the retention purge (drafts_remove_unpublished_text: nobody as its
    editor, dated with the audit's purged_at). One query; only when a save or refresh was refused."""
    if section.updated_by_id is not None:
        return False
    purged_at = Briefing.objects.filter(pk=section.briefing_id).values_list("audit__purged_at", flat=True).first()
    return purged_at is not None and section.updated_at == purged_at


PURGED_REFUSAL = _(
    "At %(time)s, after you opened this page, the retention purge removed the text of “%(heading)s” that was "
    "never published: the audit's retention period has ended, and with it its case-level detail."
)


class SectionConflict(BriefingError):
    """The section was saved by someone else after this editor opened it: nothing is overwritten. Or the
    retention purge took out its unpublished text meanwhile: the editor is told so, not to merge it back."""

    def __init__(self, current: BriefingSection) -> None:
        self.current = current
        if purged_by_retention(current):
            current.purged_by_retention = True  # the section card labels it so, not as another editor's text
            super().__init__(
                PURGED_REFUSAL % {"time": _when(current.updated_at), "heading": current.heading}
                + " "
                + _(
                    "Nothing was saved: what the section holds now is shown below yours. Do not put back what was "
                    "removed (evidence, reasons, details of a case); save again only what the briefing may say."
                )
            )
            return
        who = current.updated_by.get_full_name() if current.updated_by else _("someone else")
        super().__init__(
            _(
                "%(who)s saved this section at %(time)s, after you opened it. Nothing was overwritten: "
                "their text is shown below yours. Merge what you need, then save again."
            )
            % {
                "who": who or current.updated_by.get_username(),
                "time": _when(current.updated_at),
            }
        )


def section_version(section: BriefingSection) -> str:
    """What an editor's form says it was based on; a save based on another value is refused."""
    return section.updated_at.isoformat()


def briefing_section_update(
    *,
    section: BriefingSection,
    heading: str,
    body: str,
    hidden: bool,
    user,
    request: HttpRequest | None = None,
    based_on: str | None = None,
) -> BriefingSection:
    if len(body) > SECTION_MAX_CHARS:
        raise BriefingError(_("A section can hold at most %(n)s characters.") % {"n": SECTION_MAX_CHARS})
    with transaction.atomic():
        _locked_audit(section.briefing.audit_id)
        current = (
            BriefingSection.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=section.pk)
        )
        if based_on is not None and based_on != section_version(current):
            raise SectionConflict(current)
        section.heading = heading.strip()
        section.body = body.strip()
        section.hidden = hidden
        section.updated_at = timezone.now()
        section.updated_by = user
        section.save(update_fields=["heading", "body", "hidden", "updated_at", "updated_by"])
        Briefing.objects.filter(pk=section.briefing_id).update(updated_at=timezone.now())
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=section.briefing,
            summary=f"Section edited: {section.key}",
        )
    return section


class RefreshConflict(BriefingError):
    """ "Refresh from findings" pressed on a page showing the section as it was before someone saved it:
    their text, which the person never saw, is not replaced."""

    def __init__(self, current: BriefingSection) -> None:
        self.current = current
        if purged_by_retention(current):
            super().__init__(
                PURGED_REFUSAL % {"time": _when(current.updated_at), "heading": current.heading}
                + " "
                + _(
                    "Nothing was written again from the findings: what it holds now is shown here. If it should "
                    "still be written from the findings, refresh it again."
                )
            )
            return
        who = current.updated_by.get_full_name() or current.updated_by.get_username() if current.updated_by else ""
        super().__init__(
            _(
                "%(who)s saved “%(heading)s” at %(time)s, after you opened this page. Nothing was written again "
                "from the findings: their text is shown here. If it should still be replaced, refresh it again."
            )
            % {
                "who": who or _("Someone else"),
                "heading": current.heading,
                "time": _when(current.updated_at),
            }
        )


def briefing_section_refresh(
    *, section: BriefingSection, user, request: HttpRequest | None = None, based_on: str | None = None
) -> BriefingSection:
    """Write the section's text again from the audit's current findings (the heading is kept).
    `based_on` is the section's version the page showed (section_version): a section saved since
    is not replaced (RefreshConflict); None, from code only, skips the check."""
    briefing = section.briefing
    with transaction.atomic():
        _locked_audit(briefing.audit_id)
        current = (
            BriefingSection.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=section.pk)
        )
        if based_on is not None and based_on != section_version(current):
            raise RefreshConflict(current)
        data = audit_briefing_data(briefing.audit)
        section.body = prefill.section_body(section.key, data, briefing.edition)
        section.updated_at = timezone.now()
        section.updated_by = user
        section.save(update_fields=["body", "updated_at", "updated_by"])
        Briefing.objects.filter(pk=briefing.pk).update(updated_at=timezone.now())
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=briefing,
            summary=f"Section refreshed from the findings: {section.key}",
        )
    return section


SECTIONS_CHANGED = _(
    "The sections had changed since you opened the page: nothing was moved. Here they are as they are now."
)


def briefing_section_move(
    *,
    section: BriefingSection,
    direction: str,
    user,
    request: HttpRequest | None = None,
    swap_with: str | None = None,
) -> BriefingSection:
    """Swap the section with its neighbour above ("up") or below ("down"). `swap_with` is the key of
    the neighbour the page showed there ("" for none): when another is there now (a section moved
    meanwhile, in another tab or by the audit's other composer), nothing is moved (SECTIONS_CHANGED).
    None, from code only, skips the check."""
    if direction not in ("up", "down"):
        raise BriefingError(_("Sections move up or down."))
    with transaction.atomic():
        _locked_audit(section.briefing.audit_id)
        siblings = list(
            BriefingSection.objects.select_for_update().filter(briefing_id=section.briefing_id).order_by("order", "pk")
        )
        index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
        other = index - 1 if direction == "up" else index + 1
        if swap_with is not None and swap_with != (siblings[other].key if 0 <= other < len(siblings) else ""):
            raise BriefingError(SECTIONS_CHANGED)
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
            # Renumber all of them: the orders stay distinct whatever they were before.
            for position, item in enumerate(siblings, start=1):
                item.order = position * 10
            BriefingSection.objects.bulk_update(siblings, ["order"])
            access_record(
                request=request,
                user=user,
                action=AccessAction.CHANGE,
                obj=section.briefing,
                summary=f"Section moved {direction}: {section.key}",
            )
    section.refresh_from_db(fields=["order"])
    return section


# --- Publishing and rendering -----------------------------------------------------------------


class DraftChanged(BriefingError):
    """What would be published is not what the publisher checked in the preview: nothing is published."""

    def __init__(self, changed_by: list[str]) -> None:
        self.changed_by = changed_by
        if changed_by:
            message = _(
                "The draft changed since you checked the preview (by %(who)s). Nothing was published: "
                "check the preview again below, then publish."
            ) % {"who": get_text_list(changed_by, _("and"))}
        else:
            message = _(
                "The draft changed since you checked the preview. Nothing was published: check the preview "
                "again below, then publish."
            )
        super().__init__(message)


class AlreadyPublished(BriefingError):
    """The draft, as the publisher checked it, was published after they checked it (Publish clicked
    twice, or the audit's other composer published it first): nothing more is published."""

    def __init__(self, version: BriefingVersion) -> None:
        self.version = version
        by = version.published_by
        super().__init__(
            _(
                "This draft, as you checked it, was published as version %(n)s by %(who)s at %(time)s, after you "
                "checked it. Nothing more was published: its PDF is below."
            )
            % {
                "n": version.number,
                "who": (by.get_full_name() or by.get_username()) if by else _("someone else"),
                "time": _when(version.published_at),
            }
        )


def _refuse_if_published_already(briefing: Briefing, checked: str, checked_at: datetime | None) -> None:
    """Refuse (AlreadyPublished) a publish of what the edition's latest standing version already holds,
    published since the preview was checked: the second of two clicks, or of two composers, waits for the
    first (the briefing's lock) and would otherwise publish the same text again under the next number.
    Publishing it again deliberately, from a preview checked after that version, goes through."""
    latest = (
        briefing.versions.filter(withdrawn_at__isnull=True).select_related("published_by").order_by("-number").first()
    )
    if latest is None or content_fingerprint(latest.content) != checked:
        return
    if checked_at is None or checked_at <= latest.published_at:
        raise AlreadyPublished(latest)


def briefing_publish(
    *,
    briefing: Briefing,
    user,
    request: HttpRequest | None = None,
    checked: str | None = None,
    checked_at: datetime | None = None,
) -> BriefingVersion:
    """Fix the draft as the next numbered version and queue its PDF for rendering.

    `checked` is the content_fingerprint of the preview the publisher checked (built at
    `checked_at`): if what would be published is not that, nothing is (DraftChanged, naming who
    changed the draft since). The publish view always passes one ("" when the post had none,
    which matches nothing); None, from code only (the demo, tests), skips the check.

    The render is put on the queue only once this transaction has committed, so the worker
    never looks for a version that does not exist yet.
    """
    with transaction.atomic():
        # The audit's row first (_locked_audit): its stage is read under the lock its status moves and its
        # cancellation take, so that none of them is made while this publishes.
        _locked_audit(briefing.audit_id)
        # One publish at a time per briefing: the lock makes the version numbers 1, 2, 3…; its
        # title and audience are read under the lock, as the sections are.
        briefing = (
            Briefing.objects.select_for_update(of=("self",)).select_related("audit", "audit__theme").get(pk=briefing.pk)
        )
        refusal = publish_refusal(briefing.audit)
        if refusal:
            raise BriefingError(refusal)
        refusal = sections_refusal(briefing.sections.all(), briefing.edition, briefing.audit)
        if refusal:
            raise BriefingError(refusal)
        number = (briefing.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        now = timezone.now()
        content = build_content(
            briefing, number=number, published_at=now, published_by=user.get_full_name() or user.get_username()
        )
        if checked is not None and checked != content_fingerprint(content):
            raise DraftChanged(draft_changed_by(briefing, since=checked_at) if checked_at else [])
        if checked is not None:
            _refuse_if_published_already(briefing, checked, checked_at)
        version = BriefingVersion.objects.create(
            briefing=briefing,
            number=number,
            content=content,
            status=RenderStatus.QUEUED,
            published_at=now,
            published_by=user,
            queued_at=now,
        )
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=version,
            summary=f"Published {briefing} version {number}",
        )
        transaction.on_commit(lambda: enqueue_render(version.pk))
    return version


def briefing_version_retry(*, version: BriefingVersion, user, request: HttpRequest | None = None) -> BriefingVersion:
    """Queue a failed (or stuck) render again (render_retry). A done version is left as it is."""
    return render_retry(
        BriefingVersion,
        version.pk,
        statuses=RenderStatus,
        user=user,
        request=request,
        label="Render retried",
        enqueue=lambda pk: transaction.on_commit(lambda: enqueue_render(pk)),
    )


def render_retry(model, pk: int, *, statuses, user, request: HttpRequest | None, label: str, enqueue):
    """A person's Retry of a failed render, or Retry now of one that waits too long (a lost message,
    a dead worker), for briefing versions and insight reports alike: the row is queued again with a
    fresh set of MAX_ATTEMPTS (its attempts start again from none), so that the sweep does not fail
    what a person has just asked for again (a Retry whose message is lost, the broker being down, is
    queued again, not failed for the attempts before it). The access record says how many there had
    been ("<label>: <row> (after <n> attempts; attempts start again)"). A done row (a withdrawn version
    too) is left as it is. `enqueue(pk)` is called in the transaction: it puts the render on the queue
    once it commits."""
    with transaction.atomic():
        obj = model.objects.select_for_update().get(pk=pk)
        if obj.status == statuses.DONE:
            return obj
        before = obj.attempts
        obj.status = statuses.QUEUED
        obj.error = ""
        obj.queued_at = timezone.now()
        obj.attempts = 0
        obj.save(update_fields=["status", "error", "queued_at", "attempts"])
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=obj,
            summary=f"{label}: {obj} (after {before} attempt{'' if before == 1 else 's'}; attempts start again)",
        )
        enqueue(obj.pk)
    return obj


WITHDRAWAL_REASON_MAX_CHARS = 1000


def briefing_version_withdraw(
    *, version: BriefingVersion, user, reason: str, request: HttpRequest | None = None
) -> BriefingVersion:
    """Take a published version back at once (one published with a child's identifier in it, or the
    wrong edition): its PDF is deleted once this commits, its file cleared and its sections' text
    blanked — the text may be the very thing that had to go — so that nobody can list, download or
    render it again. The number, headings and metadata stay for the record, with who withdrew it,
    when and why. The version is left "done" (its render is over for good): every render path
    leaves a done version alone, and the database refuses a withdrawn one that is not done or has a
    file. Withdrawing a withdrawn version changes nothing. Once it commits, everyone who downloaded it
    is asked by e-mail to delete their copy (version_withdrawn_notify)."""
    reason = (reason or "").strip()
    if not reason:
        raise BriefingError(_("Give the reason for withdrawing this version: it is kept with the version."))
    if len(reason) > WITHDRAWAL_REASON_MAX_CHARS:
        raise BriefingError(_("A reason can hold at most %(n)s characters.") % {"n": WITHDRAWAL_REASON_MAX_CHARS})
    with transaction.atomic():
        version = (
            BriefingVersion.objects.select_for_update(of=("self",))
            .select_related("briefing", "briefing__audit")
            .get(pk=version.pk)
        )
        if version.withdrawn_at is not None:
            return version
        # The stored name, and the name a render writes to (in case one wrote it without recording it).
        names = {version.file.name, briefing_upload_to(version, "briefing.pdf")} - {""}
        version.content = withdrawn_content(version.content)
        version.file.name = ""
        version.status = RenderStatus.DONE
        version.error = ""
        version.withdrawn_at = timezone.now()
        version.withdrawn_by = user
        version.withdrawal_reason = reason
        version.save(
            update_fields=["content", "file", "status", "error", "withdrawn_at", "withdrawn_by", "withdrawal_reason"]
        )
        for name in sorted(names):
            transaction.on_commit(lambda name=name: default_storage.delete(name))
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=version,
            summary=f"Withdrawn: {version.briefing} version {version.number}",
        )
        # One message here, whatever the number of readers: the worker writes one per person.
        enqueue("briefings.tasks.notify_version_withdrawn", version.pk)
    return version


def version_withdrawn_notify(*, version_id: int) -> int:
    """After a withdrawal (in the task's transaction, run once): one e-mail each, through the outbox, to
    everyone the access log shows downloaded the version, and to the QA managers and the audit's lead
    officer unless they withdrew it themselves; only to active accounts with an e-mail address. Returns
    how many were queued."""
    version = BriefingVersion.objects.select_related("briefing__audit").defer("content").get(pk=version_id)
    if version.withdrawn_at is None:
        return 0
    readers = set(emailable(version_downloaders(version.pk)).values_list("pk", flat=True))
    overseers = set(version_overseers(version).values_list("pk", flat=True))
    people = sorted(readers | overseers)
    for user_id in people:
        enqueue("briefings.tasks.email_version_withdrawn", version.pk, user_id)
    return len(people)


def email_version_withdrawn(*, version_id: int, user_id: int) -> bool:
    """Ask one person who downloaded a withdrawn version to delete their copy, with a link to the
    briefing's page if they may read a version still standing, else to the library; and tell a QA
    manager or the audit's lead officer (a withdrawal by somebody else) how many people were asked.
    Never the reason: it may quote the very identifier that had to go. False, and nothing sent, when
    they can no longer be e-mailed, or have neither downloaded it nor oversee it."""
    version = BriefingVersion.objects.select_related("briefing__audit", "withdrawn_by").filter(pk=version_id).first()
    person = emailable(User.objects.filter(pk=user_id)).first()
    if version is None or version.withdrawn_at is None or person is None:
        return False
    downloaded = version_downloaders(version.pk).filter(pk=person.pk).exists()
    oversees = version_overseers(version).filter(pk=person.pk).exists()
    if not (downloaded or oversees):
        return False
    briefing = version.briefing
    if oversees:
        path = f"{reverse('briefings:composer', args=[briefing.audit.slug, briefing.edition])}#versions"
    elif readable_versions(person).filter(briefing=briefing).exists():
        path = reverse("briefings:briefing_page", args=[briefing.pk])
    else:
        path = reverse("briefings:library") if may_use_library(person) else "/"
    title = (version.content or {}).get("title") or briefing.title
    context = {
        "person": person,
        "number": version.number,
        "title": title,
        "date": date_format(timezone.localtime(version.withdrawn_at), "j F Y"),
        "downloaded": downloaded,
        "oversees": oversees,
        "by": version.withdrawn_by,
        "downloads": version_downloads(version.pk) if oversees else None,
        "url": f"{settings.SITE_URL}{path}",
    }
    if downloaded:
        subject = _("Version %(n)s of “%(title)s” was withdrawn: please delete your copy")
    else:
        subject = _("Version %(n)s of “%(title)s” was withdrawn")
    portal_mail_send(
        subject=subject % {"n": version.number, "title": title},
        body=render_to_string("emails/briefing_withdrawn.txt", context),
        to=[person.email],
    )
    return True


def withdrawn_content(content: dict) -> dict:
    """A version's frozen content with its text taken out: the sections' bodies blanked, the
    heatmap (chart and table) and the case table's rows dropped; headings, title and metadata kept
    for the record."""
    content = dict(content or {})
    content["sections"] = [{**section, "body": ""} for section in content.get("sections") or []]
    if content.get("heatmap_svg"):
        content["heatmap_svg"] = ""
    if content.get("heatmap_table"):
        content["heatmap_table"] = None
    if content.get("case_judgements"):
        content["case_judgements"] = {**content["case_judgements"], "rows": []}
    return content


def versions_remove_case_detail(*, audit: Audit) -> list[int]:
    """Retention: take the consensus reasons written about each case out of every published
    full report of the audit, delete the PDFs that print them and queue them to be made again
    from what is left (the cases' grades stay, as they do in the audit). Call inside the purge's
    transaction: the files go, and the renders are queued, only once it has committed.
    Returns the ids of the versions changed."""
    changed = []
    versions = (
        BriefingVersion.objects.select_for_update()
        .filter(briefing__audit=audit, withdrawn_at__isnull=True)  # a withdrawn version is never made again
        .order_by("pk")
    )
    for version in versions:
        table = version.content.get("case_judgements") or {}
        rows = table.get("rows") or []
        if not any(row.get("reasons") for row in rows):
            continue
        for row in rows:
            row["reasons"] = ""
        old_name = version.file.name
        version.file.name = ""
        version.status = RenderStatus.QUEUED
        version.queued_at = timezone.now()
        version.error = ""
        version.attempts = 0
        version.pages = version.file_size = version.rendered_at = version.started_at = None
        version.save(
            update_fields=[
                "content", "file", "status", "queued_at", "error", "attempts", "pages", "file_size", "rendered_at",
                "started_at",
            ]
        )  # fmt: skip
        if old_name:
            transaction.on_commit(lambda name=old_name: default_storage.delete(name))
        transaction.on_commit(lambda pk=version.pk: enqueue_render(pk))
        changed.append(version.pk)
    return changed


def drafts_remove_unpublished_text(*, audit: Audit, dry_run: bool = False, now: datetime | None = None) -> int:
    """Retention: what the audit's briefing drafts hold that was never published goes with its case-level
    detail. A draft is written from the audit and edited by hand, and until published (and checked for
    identifiers) it may quote the evidence or reasons the purge removes. Each draft section is taken back to
    what its briefing's newest standing version printed under its key (heading and text, what readers have);
    a section that version does not print (hidden, or added since), and every section of a draft with no
    standing version (never published, or each version withdrawn), loses its text and keeps its heading.
    The published versions are not touched (versions_remove_case_detail takes the reasons out of full
    reports). Call inside the purge's transaction, which holds the audit's row: the composer's writes wait
    for it. Returns how many sections were changed; with dry_run, how many would be, changing nothing.
    Two queries to read, and two to write when any section changes. The sections changed are dated `now`, the
    audit's purged_at (audit_purge_case_detail), with nobody as their editor: a save or refresh from a page
    opened before is refused saying the purge removed the text (purged_by_retention)."""
    published: dict[int, dict[str, dict]] = {}
    newest_first = (
        BriefingVersion.objects.filter(briefing__audit=audit, withdrawn_at__isnull=True)
        .order_by("briefing_id", "-number")
        .values_list("briefing_id", "content__sections")
    )
    for briefing_id, sections in newest_first:
        if briefing_id not in published:
            published[briefing_id] = {section.get("key"): section for section in sections or []}
    now = now or timezone.now()
    changed = []
    for section in BriefingSection.objects.filter(briefing__audit=audit).order_by("pk"):
        printed = published.get(section.briefing_id, {}).get(section.key)
        heading = (printed.get("heading") or section.heading) if printed else section.heading
        body = (printed.get("body") or "") if printed else ""
        if (section.heading, section.body) == (heading, body):
            continue
        section.heading, section.body = heading, body
        section.updated_at, section.updated_by = now, None
        changed.append(section)
    if changed and not dry_run:
        BriefingSection.objects.bulk_update(changed, ["heading", "body", "updated_at", "updated_by"])
        Briefing.objects.filter(pk__in={section.briefing_id for section in changed}).update(updated_at=now)
    return len(changed)


def drafts_reset_unpublished_details(*, audit: Audit, dry_run: bool = False, now: datetime | None = None) -> int:
    """Retention: a briefing draft's title and audience, typed by hand and never published, go with the audit's
    case-level detail, as its sections' text does (drafts_remove_unpublished_text): a title such as "What we
    learnt from Case 3's move to Elm Road" would otherwise outlive the purge. Each draft's title and audience
    are taken back to those of its briefing's newest standing version (what readers have); a draft with no
    standing version (never published, or each version withdrawn) gets the title and audience it was started
    with (prefill: the audit's theme or title and the edition, never a case). Call inside the purge's
    transaction. Returns how many drafts were changed; with dry_run, how many would be, changing nothing. Two
    queries to read (and the audit's theme, for a draft never published), one to write when any changes. The
    drafts changed are dated `now`, the audit's purged_at, with nobody as who changed their details: a save
    from a composer opened before is refused saying the purge did it (DetailsConflict)."""
    published: dict[int, tuple[str | None, str | None]] = {}
    newest_first = (
        BriefingVersion.objects.filter(briefing__audit=audit, withdrawn_at__isnull=True)
        .order_by("briefing_id", "-number")
        .values_list("briefing_id", "content__title", "content__audience")
    )
    for briefing_id, title, audience in newest_first:
        published.setdefault(briefing_id, (title, audience))
    now = now or timezone.now()
    changed = []
    for briefing in Briefing.objects.filter(audit=audit).order_by("pk"):
        title, audience = published.get(briefing.pk, (None, None))
        title = (title or prefill.audit_default_title(audit, briefing.edition))[:250]
        audience = (prefill.default_audience(briefing.edition) if audience is None else audience)[:300]
        if (briefing.title, briefing.audience) == (title, audience):
            continue
        briefing.title, briefing.audience = title, audience
        briefing.details_updated_at, briefing.details_updated_by = now, None
        briefing.updated_at = now
        changed.append(briefing)
    if changed and not dry_run:
        Briefing.objects.bulk_update(
            changed, ["title", "audience", "details_updated_at", "details_updated_by", "updated_at"]
        )
    return len(changed)


def enqueue_render(version_id: int) -> bool:
    """Put the render on the queue. If the broker cannot be reached, the version stays queued
    (with a note saying so) for requeue_stalled_versions or the Retry button: never an error page."""
    from .tasks import render_briefing_version

    try:
        render_briefing_version.apply_async(
            args=[version_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        )
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds; all mean "not queued"
        logger.warning("could not queue the render of briefing version %s: %s", version_id, exc)
        BriefingVersion.objects.filter(pk=version_id, status=RenderStatus.QUEUED).update(
            error=_("The render queue could not be reached; the render will be retried.")
        )
        return False
    return True


def requeue_stalled_versions() -> list[int]:
    """Versions left queued by a broker outage or a lost message, or rendering by a worker that died:
    queued again, or failed after MAX_ATTEMPTS (requeue_stalled)."""
    return requeue_stalled(
        BriefingVersion,
        statuses=RenderStatus,
        enqueue=enqueue_render,
        gave_up=_("The render did not finish after %(n)s attempts."),
    )


def requeue_stalled(model, *, statuses, enqueue, gave_up: str) -> list[int]:
    """The periodic sweep shared by briefing versions and insight reports (settings.CELERY_BEAT_SCHEDULE,
    every 2 minutes). A row still queued QUEUED_STALE_AFTER after it was put on the queue (its message
    lost: the broker was down, or Redis was flushed or restarted without its data), or rendering well
    past the task's hard time limit (its worker died) is queued again, or, once it has had MAX_ATTEMPTS
    renders, failed with `gave_up` (a "%(n)s attempts" message), so that its page offers Retry.
    `enqueue(pk)` is called while the row is locked, in the sweep's transaction: through the outbox,
    or published at once (a worker's claim of the row waits for the commit). Returns the ids queued."""
    now = timezone.now()
    hard_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    stalled = model.objects.filter(
        Q(status=statuses.QUEUED, queued_at__lt=now - QUEUED_STALE_AFTER)
        | Q(status=statuses.RENDERING, started_at__lt=now - hard_limit)
    )
    requeued = []
    with transaction.atomic():
        # skip_locked: a render storing its result right now is not stalled; a second sweep at the
        # same time (beat around a restart) skips what this one holds.
        for obj in stalled.select_for_update(skip_locked=True).order_by("pk"):
            if obj.attempts >= MAX_ATTEMPTS:
                obj.status = statuses.FAILED
                obj.error = gave_up % {"n": obj.attempts}
                obj.save(update_fields=["status", "error"])
                continue
            obj.status = statuses.QUEUED
            obj.queued_at = now
            obj.save(update_fields=["status", "queued_at"])
            enqueue(obj.pk)
            requeued.append(obj.pk)
    return requeued


def render_to_file(
    model,
    pk: int,
    *,
    statuses,
    render,
    file_name,
    done_label: str,
    too_long: str,
    recorded_user=lambda obj: None,
    select_related: tuple[str, ...] = (),
    on_done=None,
):
    """The render life cycle shared by briefing versions and insight reports (the models with
    status, attempts, started_at, error, file, pages, file_size and rendered_at).

    Idempotent under at-least-once delivery: only a QUEUED row is claimed (RENDERING, one more
    attempt, a new started_at) in a short transaction, so a second copy of the message (a
    redelivery, a double Retry, two requeue sweeps) finds it rendering, done (a withdrawn briefing
    version too: it stays done) or failed and does nothing. A render whose worker died leaves the
    row RENDERING: the periodic sweep (requeue_stalled, for versions and reports alike) queues it
    again once the hard time limit is well past, and fails it after MAX_ATTEMPTS — a
    render that kills its worker is not redelivered for ever. `render(obj)` runs outside any
    transaction. Its outcome is kept only if the row is still this run's claim (same started_at,
    not done, not failed, not reset by the retention purge with new content); a failure marks the
    row FAILED with the reason (`too_long` for the soft time limit) only if it is still RENDERING
    under this claim. The file is written under a
    temporary name and moved into place (write_file_atomically), and only then is the row marked
    done, in one transaction with its access record ("<done_label>: <row> (<n> pages, <ms> ms)"):
    a worker killed at any point leaves either no file or a complete one, and never a row marked
    done without its file. A failure while storing (the file cannot be written or moved into
    place, the row cannot be saved) marks the row FAILED too, and removes the file if it was
    moved into place. `on_done(row)`, if given, is called in that same transaction once the row is
    marked done (what must follow a render, such as an e-mail queued through the outbox, is then
    recorded with it or not at all). Returns the row, or None when it failed, was not this run's to
    render, or does not exist.
    """
    with transaction.atomic():
        obj = model.objects.select_for_update().filter(pk=pk).first()
        if obj is None or obj.status != statuses.QUEUED:
            return obj if obj is not None and obj.status == statuses.DONE else None
        obj.status = statuses.RENDERING
        obj.attempts += 1
        obj.started_at = claimed = timezone.now()
        obj.error = ""
        obj.save(update_fields=["status", "attempts", "started_at", "error"])

    def failed(reason: str) -> None:
        model.objects.filter(pk=pk, status=statuses.RENDERING, started_at=claimed).update(
            status=statuses.FAILED, error=reason[:2000]
        )

    try:
        result = render(obj)
    except SoftTimeLimitExceeded:
        failed(too_long)
        return None
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the page must show it and offer a retry
        logger.exception("%s %s failed to render", model._meta.verbose_name, pk)
        failed(_("The PDF could not be made: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"})
        return None
    written = ""
    try:
        with transaction.atomic():
            obj = model.objects.select_for_update().select_related(*select_related).get(pk=pk)
            if obj.status == statuses.DONE:
                return obj  # another run finished first
            if obj.status not in (statuses.QUEUED, statuses.RENDERING) or obj.started_at != claimed:
                # No longer this run's claim: failed meanwhile, or its content was changed and the
                # row queued again (the retention purge) — what was rendered must not be stored.
                # A Retry pressed during the render leaves the claim (and the content) as it was.
                return None
            name = file_name(obj)
            write_file_atomically(name, result.pdf)
            written = name
            obj.file.name = name
            obj.status = statuses.DONE
            obj.pages = result.pages
            obj.file_size = len(result.pdf)
            obj.rendered_at = timezone.now()
            obj.error = ""
            obj.save(update_fields=["file", "status", "pages", "file_size", "rendered_at", "error"])
            access_record(
                user=recorded_user(obj),
                action=AccessAction.CHANGE,
                obj=obj,
                summary=f"{done_label}: {obj} ({result.pages} pages, {result.seconds * 1000:.0f} ms)",
            )
            if on_done is not None:
                on_done(obj)
    except Exception as exc:  # noqa: BLE001 - as for the render: shown as failed, with a retry
        # The row is not done (the transaction rolled back): a file moved into place is nobody's.
        if written:
            try:
                default_storage.delete(written)
            except Exception:  # noqa: BLE001 - the failure to report is the first one
                logger.exception("could not delete %s after a failed store", written)
        logger.exception("%s %s: the PDF could not be stored", model._meta.verbose_name, pk)
        if isinstance(exc, SoftTimeLimitExceeded):
            failed(too_long)
        else:
            # The kind of error, not its text: an OSError's names a path on the server.
            reason = type(exc).__name__ + (f" ({exc.strerror})" if isinstance(exc, OSError) and exc.strerror else "")
            failed(_("The PDF was made but could not be stored: %(error)s. Retry it.") % {"error": reason})
        return None
    return obj


def briefing_version_render(*, version_id: int) -> BriefingVersion | None:
    """Render one version's PDF from its frozen content. Called by the Celery task; see
    render_to_file for the guarantees."""

    def render(version: BriefingVersion):
        # Imported here: WeasyPrint takes a second to load, and only the worker renders.
        from .rendering import render_pdf

        return render_pdf(version.content)

    return render_to_file(
        BriefingVersion,
        version_id,
        statuses=RenderStatus,
        render=render,
        file_name=lambda version: briefing_upload_to(version, "briefing.pdf"),
        done_label="PDF rendered",
        too_long=_("The render took longer than the time limit allows."),
        select_related=("briefing",),
        on_done=version_rendered_announce,
    )


# --- Telling people an edition was published ----------------------------------------------------


def version_rendered_announce(version: BriefingVersion) -> bool:
    """Called in the transaction that marks a version's PDF done (render_to_file's on_done): if it is
    its edition's first publication (selectors.first_standing_version: version 1, or the first still
    standing after the earlier ones were withdrawn), queue the e-mails about it through the outbox, sent
    once this commits (version_published_notify). A corrected version published over a standing one is
    not announced, nor one made again by the retention purge (published before its audit's case detail was
    removed); one first published after the purge is announced as any other. The briefing's row is locked
    first, so that two versions done at once are not both taken for the first. True when queued."""
    Briefing.objects.select_for_update().filter(pk=version.briefing_id).first()
    made_again = BriefingVersion.objects.filter(REMADE_BY_PURGE, pk=version.pk).exists()
    if made_again or not first_standing_version(version):
        return False
    enqueue("briefings.tasks.notify_version_published", version.pk)
    return True


def _announced_to(version: BriefingVersion, person: User) -> bool:
    """Whether this person is still one to tell of the version: named auditor or lead officer of its
    audit, e-mailable, not who published it, and able to read this edition (readable_versions)."""
    return (
        version_announcees(version).filter(pk=person.pk).exists()
        and readable_versions(person).filter(pk=version.pk).exists()
    )


def version_published_notify(*, version_id: int) -> int:
    """After an edition's first publication is rendered (in the task's transaction, run once): one e-mail
    each, through the outbox, to the audit's named auditors who may read that edition and to its lead
    officer (version_announcees, readable_versions), other than who published it; then one each to every
    other reader of the edition who has not turned these e-mails off on their profile
    (version_readers_to_tell, email_new_briefing): nobody is sent both. Nothing when the version is no
    longer done (withdrawn since). Returns how many were queued.

    This runs in the worker, never in the publish request: the request queues the render only, and the
    render queues this one task, whatever the number of readers."""
    version = BriefingVersion.objects.select_related("briefing__audit").defer("content").get(pk=version_id)
    if not version.is_done:
        return 0
    people = [person.pk for person in version_announcees(version).order_by("pk") if _announced_to(version, person)]
    for user_id in people:
        enqueue("briefings.tasks.email_version_published", version.pk, user_id)
    told = set(people)
    readers = [user_id for user_id in version_readers_to_tell(version) if user_id not in told]
    for user_id in readers:
        enqueue("briefings.tasks.email_new_briefing", version.pk, user_id)
    return len(people) + len(readers)


def email_version_published(*, version_id: int, user_id: int) -> bool:
    """Tell one auditor or the lead officer that an edition of the audit's briefing is published, with
    the link to the briefing's page and the partnership's name; no case content. Checked again when it
    goes: False, and nothing sent, when the version was withdrawn since, or the person can no longer be
    e-mailed or read it."""
    version = BriefingVersion.objects.select_related("briefing__audit").defer("content").filter(pk=version_id).first()
    person = User.objects.filter(pk=user_id).first()
    if version is None or person is None or not version.is_done or not _announced_to(version, person):
        return False
    briefing = version.briefing
    edition = str(briefing.get_edition_display())
    context = {
        "person": person,
        "edition": edition[:1].lower() + edition[1:],
        "audit": briefing.audit.title,
        "partnership": Partnership.load(),
        "url": f"{settings.SITE_URL}{reverse('briefings:briefing_page', args=[briefing.pk])}",
    }
    portal_mail_send(
        subject=_("The %(edition)s of %(audit)s is published")
        % {"edition": context["edition"], "audit": context["audit"]},
        body=render_to_string("emails/briefing_published.txt", context),
        to=[person.email],
    )
    return True


def email_new_briefing(*, version_id: int, user_id: int) -> bool:
    """Tell one reader that an edition they may read is published: its title and audience as published,
    and the link to its page in the library; no case content. Checked again when it goes: False, and
    nothing sent, when the version was withdrawn since, the person can no longer be e-mailed or read it,
    turned these e-mails off since, or is one the auditors' and lead officer's e-mail tells
    (email_version_published): one e-mail per person and edition."""
    version = BriefingVersion.objects.select_related("briefing__audit").defer("content").filter(pk=version_id).first()
    person = emailable(User.objects.filter(pk=user_id, new_briefing_emails=True)).first()
    if version is None or person is None or not version.is_done:
        return False
    if _announced_to(version, person) or not readable_versions(person).filter(pk=version.pk).exists():
        return False
    briefing = version.briefing
    # The title and audience as published, without loading the whole frozen content (the heatmap's SVG).
    published = BriefingVersion.objects.filter(pk=version.pk)
    title, audience = published.values_list("content__title", "content__audience").get()
    context = {
        "person": person,
        "title": title or briefing.title,
        "audience": audience if audience is not None else briefing.audience,
        "edition": briefing.get_edition_display(),
        "partnership": Partnership.load(),
        "url": f"{settings.SITE_URL}{reverse('briefings:briefing_page', args=[briefing.pk])}",
        "profile_url": f"{settings.SITE_URL}{reverse('profile')}",
    }
    portal_mail_send(
        subject=_("New learning briefing: %(title)s") % {"title": context["title"]},
        body=render_to_string("emails/briefing_new.txt", context),
        to=[person.email],
    )
    return True


TMP_PREFIX, TMP_SUFFIX = ".render-", ".pdf.tmp"


def remove_orphan_render_files() -> list[str]:
    """Delete the temporary files of renders killed while writing (write_file_atomically's
    `.render-*.pdf.tmp`), once no live render can still own them: older than the task's hard time
    limit and a margin. Run with requeue_stalled_versions. Returns the names removed."""
    try:
        root = Path(default_storage.path(""))
    except NotImplementedError:
        return []  # object storage: no temporary files
    cutoff = timezone.now().timestamp() - (settings.CELERY_TASK_TIME_LIMIT + 300)
    removed = []
    for tmp in root.rglob(f"{TMP_PREFIX}*{TMP_SUFFIX}"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed.append(str(tmp.relative_to(root)))
        except FileNotFoundError:
            continue  # gone already (another sweep, or its render finished)
    if removed:
        logger.warning("Removed %d temporary file(s) of killed renders: %s", len(removed), ", ".join(removed))
    return removed


def write_file_atomically(name: str, data: bytes) -> None:
    """Write `data` to storage under `name`, replacing any earlier file in one step."""
    try:
        final = Path(default_storage.path(name))
    except NotImplementedError:
        # Object storage: one PUT is atomic already.
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(data))
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=TMP_PREFIX, suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- Feedback ---------------------------------------------------------------------------------


FEEDBACK_RESENT_WITHIN = timedelta(minutes=10)  # the same feedback again within this is a resend (feedback_add)


def feedback_add(
    *,
    briefing: Briefing,
    version: BriefingVersion | None,
    user,
    rating: int,
    comment: str,
    request: HttpRequest | None = None,
) -> Feedback:
    if not 1 <= rating <= 5:
        raise BriefingError(_("Choose a rating from 1 to 5."))
    comment = comment.strip()
    with transaction.atomic():
        # Send feedback pressed twice (a double click, the form sent again from the browser's history), or
        # two such requests at the same moment, keep it once: the same reader's same rating and comment on
        # the same version within FEEDBACK_RESENT_WITHIN is the one already kept, not counted again in the
        # briefing's responses and average rating. Taken in turns per reader and briefing.
        transaction_lock(f"briefings.feedback:{briefing.pk}:{user.pk}")
        resent = (
            Feedback.objects.filter(
                briefing=briefing,
                version=version,
                user=user,
                rating=rating,
                comment=comment,
                created_at__gte=timezone.now() - FEEDBACK_RESENT_WITHIN,
            )
            .order_by("-created_at")
            .first()
        )
        if resent is not None:
            return resent
        feedback = Feedback.objects.create(
            briefing=briefing,
            version=version,
            user=user,
            agency_id=user.agency_id,  # where they work now: kept should they move
            rating=rating,
            comment=comment,
        )
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=briefing,
            summary=f"Feedback left on {briefing}: {rating}/5",
        )
    return feedback
