"""Briefing pages. Thin: load through briefings.access (404 + a refusal record), bind, call a service."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.decorators import recent_login_required, recent_login_restored
from agencies.services import AccessAction, access_record
from audits.consistency import consistency_issues, issues_by_kind
from audits.models import Audit

from . import access, services
from .content import build_content, content_fingerprint, document_context, printed_sections
from .forms import BriefingDetailsForm, FeedbackForm, LibraryFilterForm, SectionForm, WithdrawForm
from .models import Briefing, BriefingSection, BriefingVersion, Edition, RenderStatus
from .prefill import SPECS
from .selectors import (
    REMADE_BY_PURGE,
    LibraryFilters,
    audits_composing,
    briefings_of_audit,
    feedback_for,
    feedback_sent_at,
    first_standing_version,
    library_briefings,
    library_filter_choices,
    may_use_library,
    readable_versions,
    version_downloads,
    versions_in_reach,
    versions_of,
)

logger = logging.getLogger(__name__)

LIBRARY_PAGE_SIZE = 20

# --- The library (readers) --------------------------------------------------------------------


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    if not may_use_library(request.user):
        raise access.refuse(request, object_type="briefings.library", summary="briefings library")
    themes, years = library_filter_choices(request.user)
    form = LibraryFilterForm(request.GET or None, themes=themes, years=years)
    # Each filter that is valid is applied, even when another is not (a year or theme the filters no longer
    # offer, from a bookmarked link): the list is never widened to every briefing by one of them.
    form.is_valid()
    chosen = getattr(form, "cleaned_data", {})
    filters = LibraryFilters(
        theme=chosen.get("theme") or "",
        year=chosen.get("year"),
        q=(chosen.get("q") or "").strip(),
        unread=bool(chosen.get("unread")),
    )
    page = Paginator(library_briefings(request.user, filters), LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    composable = list(audits_composing(request.user))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "briefings/library.html",
        {"form": form, "page": page, "composable": composable, "query": query.urlencode()},
    )


@login_required
@require_GET
def briefing_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        briefing = access.readable_briefing(request, pk)
    except Http404:
        # A briefing the person may read with no version to read now (every one withdrawn, or being made
        # again after the retention purge): the link they followed (the e-mail saying it was published)
        # says why instead of "Not found" (the refusal is recorded all the same).
        if gone := _briefing_not_readable(request, pk):
            return gone
        raise
    versions = [v for v in versions_of(briefing) if v.is_done]
    return render(
        request,
        "briefings/briefing_page.html",
        {
            "briefing": briefing,
            "published": _as_published(briefing, versions),
            "versions": versions,
            "form": FeedbackForm(),
            "feedback_sent_at": feedback_sent_at(request.user, briefing),
        },
    )


def _posted_version(request: HttpRequest) -> int | None:
    """The version the feedback form says the reader read (its hidden field), or None for none or anything
    but a number (ASCII digits only: "²" is a digit to str.isdigit, which int() refuses)."""
    read = request.POST.get("version", "")
    return int(read) if read.isascii() and read.isdigit() and len(read) <= 18 else None


# A version a reader's page offered: rendered then, so done now, or taken away since to be made again by the
# retention purge (published before its audit's purge: versions_remove_case_detail), still what they read.
READ_VERSION = Q(status=RenderStatus.DONE) | Q(
    REMADE_BY_PURGE, status__in=(RenderStatus.QUEUED, RenderStatus.RENDERING)
)


def _as_published(briefing: Briefing, versions: list[BriefingVersion]) -> dict[str, str]:
    """The briefing's title and audience as its newest version standing printed them (versions_of): what
    its readers were e-mailed and downloaded, not the draft's, which its composers may be changing."""
    latest = versions[0] if versions else None
    title = getattr(latest, "published_title", None)
    audience = getattr(latest, "published_audience", None)
    return {"title": title or briefing.title, "audience": briefing.audience if audience is None else audience}


@login_required
@require_POST
def feedback_create(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        briefing = access.readable_briefing(request, pk)
    except Http404:
        # Every version withdrawn while the reader was writing: what they wrote is kept all the same.
        if gone := _feedback_on_briefing_gone(request, pk):
            return gone
        raise
    versions = [v for v in versions_of(briefing) if v.is_done]
    form = FeedbackForm(request.POST)
    # The version the reader's page offered (a newer one may have been published since, or it may have
    # been withdrawn since): the feedback is about what they read. Else the newest they may read.
    read = _posted_version(request)
    if not form.is_valid():
        return render(
            request,
            "briefings/briefing_page.html",
            {
                "briefing": briefing,
                "published": _as_published(briefing, versions),
                "versions": versions,
                "form": form,
                "read_version": read or "",
                "feedback_sent_at": feedback_sent_at(request.user, briefing),
            },
        )
    version = versions[0] if versions else None
    if read:
        version = (
            BriefingVersion.objects.filter(READ_VERSION, briefing=briefing, pk=read).defer("content").first() or version
        )
    _feedback_keep(request, briefing, version, form)
    return redirect("briefings:briefing_page", pk=briefing.pk)


def _feedback_keep(request: HttpRequest, briefing: Briefing, version: BriefingVersion | None, form) -> None:
    services.feedback_add(
        briefing=briefing,
        version=version,
        user=request.user,
        rating=form.cleaned_data["rating"],
        comment=form.cleaned_data["comment"],
        request=request,
    )
    # Kept with the briefing, read on its feedback page (nobody is e-mailed about it).
    messages.success(
        request,
        _(
            "Thank you: your feedback is kept with this briefing for the partnership's QA manager and the audit's "
            "lead officer to read."
        ),
    )


def _feedback_on_briefing_gone(request: HttpRequest, pk: int) -> HttpResponse | None:
    """Feedback sent from the page of a briefing of an edition the person may read, every version of which
    was withdrawn (or taken away to be made again) since the page was opened: kept with the version the page
    offered, as when a newer one stands (feedback_create), then said where the briefing's page would have
    said why there is nothing to read (_briefing_not_readable). Feedback the form refuses is not sent, and
    the page to correct it is gone: said so. None, for the 404, when it is not such a briefing."""
    read = _posted_version(request)
    version = (
        versions_in_reach(request.user).select_related("briefing").filter(READ_VERSION, briefing_id=pk, pk=read).first()
        if read
        else None
    )
    gone = _briefing_not_readable(request, pk)
    if gone is None or version is None:
        return gone
    form = FeedbackForm(request.POST)
    if form.is_valid():
        _feedback_keep(request, version.briefing, version, form)
    else:
        messages.error(request, _("Your feedback was not sent: %(errors)s") % {"errors": _form_errors_text(form)})
    return gone


def _form_errors_text(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF, streamed from private storage after the permission check: there is no public URL."""
    try:
        version = access.readable_version(request, pk)
    except Http404:
        # One of a briefing the person may read, withdrawn or taken away to be made again (the retention
        # purge) since their page listed it: said where they can see what stands now (the refusal is
        # recorded all the same).
        if refused := _no_longer_downloadable(request, pk):
            return refused
        raise
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        # Withdrawn or taken away to be made again between the check and the opening (its file is
        # deleted once that commits), or its file lost: said so, as above, in the same words.
        if refused := _no_longer_downloadable(request, pk):
            return refused
        raise Http404("The file is missing.") from None
    access_record(
        request=request, action=AccessAction.DOWNLOAD, obj=version, summary=f"Downloaded {version.download_name}"
    )
    return FileResponse(handle, as_attachment=True, filename=version.download_name, content_type="application/pdf")


def _version_in_reach(request: HttpRequest, pk: int):
    """The version, whatever its state now, if it is of a briefing the person may read; else None."""
    return versions_in_reach(request.user).select_related("briefing__audit").filter(pk=pk).first()


def _no_longer_downloadable(request: HttpRequest, pk: int) -> HttpResponse | None:
    """The answer to a download refused by the check or whose file was gone when it was opened, the same
    either way (_not_downloadable): None, for the 404, when the version is not of a briefing the person
    may read, or its render failed."""
    gone = _version_in_reach(request, pk)
    if gone is None or gone.status == RenderStatus.FAILED:
        return None
    return _not_downloadable(request, gone)


def _briefing_not_readable(request: HttpRequest, pk: int) -> HttpResponse | None:
    """The answer to the page of a briefing of an edition the person may read that has no version to
    read now: said on the library (or the composer's versions, for its composers). None, for the 404,
    when it is not such a briefing, or nothing of it was ever rendered. One query."""
    versions = list(
        versions_in_reach(request.user)
        .select_related("briefing__audit")
        .filter(briefing_id=pk)
        .exclude(status=RenderStatus.FAILED)
        .order_by("-number")
    )
    withdrawn = [v for v in versions if v.is_withdrawn]
    if not versions:
        return None
    if len(withdrawn) < len(versions):  # not withdrawn, not rendered: its PDF is being made (again)
        text = _("The briefing you opened is being made just now: try again in a few minutes.")
    else:
        date = date_format(timezone.localtime(withdrawn[0].withdrawn_at), "j F Y")
        text = _("The briefing you opened was withdrawn on %(date)s: there is no version of it to read now.") % {
            "date": date
        }
    messages.info(request, text)
    return _to_what_stands(request, versions[0].briefing)


def _pdf_missing(version) -> bool:
    """A standing version marked done whose PDF is not in storage (its file's name empty, or the file
    gone): it is not being made, so it is no use trying again."""
    if version.is_withdrawn or version.status != RenderStatus.DONE:
        return False
    return not version.file.name or not version.file.storage.exists(version.file.name)


def _not_downloadable(request: HttpRequest, version) -> HttpResponse:
    """Why a version of a briefing the person may read has no PDF to download now, on the page that
    shows what stands: the composer's versions for its composers, else the briefing's page in the
    library (the library itself when no version of it is left to read)."""
    if version.is_withdrawn:
        date = date_format(timezone.localtime(version.withdrawn_at), "j F Y")
        text = _("Version %(n)s of this briefing was withdrawn on %(date)s: it can no longer be downloaded.") % {
            "n": version.number,
            "date": date,
        }
    elif _pdf_missing(version):
        logger.error(
            "Briefing version %s is marked done but its PDF %r is not in storage", version.pk, version.file.name
        )
        text = _(
            "The PDF of version %(n)s cannot be found on the portal, so it cannot be downloaded. This has been "
            "logged for the portal's administrator; tell the partnership's QA manager if you need this version."
        ) % {"n": version.number}
    else:
        text = _(
            "There is no PDF of version %(n)s to download just now: it is being made. Try again in a few minutes."
        ) % {"n": version.number}
    messages.info(request, text)
    return _to_what_stands(request, version.briefing)


def _to_what_stands(request: HttpRequest, briefing: Briefing) -> HttpResponse:
    """Where a person told that a version of `briefing` cannot be read now sees what stands: the
    composer's versions for its composers, else the briefing's page in the library (the library itself
    when no version of it is left to read)."""
    if briefing.audit in Audit.objects.managed_by(request.user):
        return redirect(_versions_url(briefing))
    if readable_versions(request.user).filter(briefing=briefing).exists():
        return redirect("briefings:briefing_page", pk=briefing.pk)
    return redirect("briefings:library")


# --- Composing (QA manager, lead officer) -------------------------------------------------------


@login_required
@require_GET
def audit_briefings(request: HttpRequest, slug: str) -> HttpResponse:
    audit = access.managed_audit(request, slug)
    existing = briefings_of_audit(audit)
    editions = [{"value": e.value, "label": e.label, "briefing": existing.get(e.value)} for e in Edition]
    return render(
        request,
        "briefings/audit_briefings.html",
        {"audit": audit, "editions": editions, "draft_refusal": services.draft_refusal(audit)},
    )


def _composer_context(
    briefing: Briefing,
    *,
    forms: dict[str, SectionForm] | None = None,
    theirs: BriefingSection | None = None,
    kept: dict | None = None,
) -> dict:
    """The composer's page. `kept`: a save refused with what was typed, shown above the draft to copy
    (_kept); the form it came from is marked unsaved (leaving the page asks first)."""
    sections = list(briefing.sections.select_related("updated_by").order_by("order", "pk"))
    forms = forms or {}
    keys = ["", *(s.key for s in sections), ""]
    cards = [
        {
            "section": s,
            "form": forms.get(s.key) or SectionForm(instance=s),
            "spec": SPECS.get(s.key),
            "theirs": theirs if theirs is not None and theirs.pk == s.pk else None,
            # The neighbours its Move up / Move down swap it with, as this page shows them.
            "above": keys[i],
            "below": keys[i + 2],
            "unsaved": kept is not None and kept["key"] == s.key,
        }
        for i, s in enumerate(sections)
    ]
    stats = _feedback_stats(briefing)
    return {
        "briefing": briefing,
        "audit": briefing.audit,
        "cancelled_refusal": services.cancelled_refusal(briefing.audit),
        "cards": cards,
        "details_form": BriefingDetailsForm(instance=briefing),
        "versions": versions_of(briefing),
        "editions": [(e.value, e.label) for e in Edition],
        "feedback_stats": stats,
        "publish_refusal": services.publish_refusal(briefing.audit),
        "kept": kept,
    }


def _kept(request: HttpRequest, *, key: str, refusal: str, what: str, fields: dict[str, str]) -> dict:
    """A save refused for a reason typing again cannot mend (the audit was cancelled meanwhile): the
    refusal, with what the person typed, exactly as posted, read-only for them to copy (nothing is
    lost). `fields`: each posted field's name and its label. `key`: the section's ("" for the title and
    audience)."""
    return {
        "key": key,
        "id": f"card-{key}-kept" if key else "details-kept",
        "refusal": refusal,
        "what": what,
        "fields": [
            {"name": name, "label": label, "value": request.POST.get(name, ""), "multiline": name == "body"}
            for name, label in fields.items()
        ],
    }


@login_required
@require_GET
def composer(request: HttpRequest, slug: str, edition: str) -> HttpResponse:
    edition = access.edition_or_404(edition)
    audit = access.managed_audit(request, slug)
    briefing = Briefing.objects.filter(audit=audit, edition=edition).select_related("audit", "audit__theme").first()
    if briefing is None:
        return render(
            request,
            "briefings/start.html",
            {
                "audit": audit,
                "edition": edition,
                "edition_label": Edition(edition).label,
                "draft_refusal": services.draft_refusal(audit),
            },
        )
    access.record_view(request, briefing, summary=f"Composer: {briefing}")
    return render(request, "briefings/composer.html", _composer_context(briefing))


@login_required
@require_POST
def briefing_start(request: HttpRequest, slug: str, edition: str) -> HttpResponse:
    edition = access.edition_or_404(edition)
    audit = access.managed_audit(request, slug)
    try:
        services.briefing_create(audit=audit, edition=edition, user=request.user, request=request)
    except services.BriefingError as exc:
        messages.error(request, str(exc))
        return redirect("briefings:audit_briefings", slug=audit.slug)
    messages.success(request, _("The briefing has been drafted from the audit's findings. Check every section."))
    return redirect("briefings:composer", slug=audit.slug, edition=edition)


@login_required
@require_POST
def details_update(request: HttpRequest, slug: str, edition: str) -> HttpResponse:
    briefing = access.managed_briefing(request, slug, access.edition_or_404(edition))
    form = BriefingDetailsForm(request.POST, instance=briefing)
    theirs = None
    purged = False  # theirs: as the retention purge left them, not another editor's
    if form.is_valid():
        try:
            services.briefing_update_details(
                briefing=briefing,
                title=form.cleaned_data["title"],
                audience=form.cleaned_data["audience"],
                shown=form.shown(),
                user=request.user,
                request=request,
            )
        except services.DetailsConflict as conflict:
            # Keep the editor's input; the next save is a deliberate one over the values now shown.
            theirs = {name: getattr(conflict.current, name) for name in services.DETAILS}
            purged = conflict.purged
            data = request.POST.copy()
            for name, value in theirs.items():
                data[f"{name}_shown"] = value
            form = BriefingDetailsForm(data, instance=conflict.current)
            form.is_valid()
            form.add_error(None, str(conflict))
        except services.BriefingError as exc:  # the audit was cancelled: the draft stays as it stood
            return _details_kept(request, briefing, str(exc))
        else:
            messages.success(request, _("Title and audience saved."))
            return redirect("briefings:composer", slug=slug, edition=edition)
    elif refusal := services.cancelled_refusal(briefing.audit):
        # Cancelled: the read-only composer, with what was typed to copy (not the form's errors, which
        # correcting would not get saved).
        return _details_kept(request, briefing, refusal)
    briefing.refresh_from_db()
    context = _composer_context(briefing)
    context.update({"details_form": form, "details_theirs": theirs, "details_purged": purged})
    return render(request, "briefings/composer.html", context, status=409 if theirs else 400)


def _section(request: HttpRequest, slug: str, edition: str, key: str) -> BriefingSection:
    briefing = access.managed_briefing(request, slug, access.edition_or_404(edition))
    section = BriefingSection.objects.filter(briefing=briefing, key=key).select_related("briefing__audit").first()
    if section is None:
        raise Http404("No such section.")
    return section


def _details_kept(request: HttpRequest, briefing: Briefing, refusal: str) -> HttpResponse:
    """The title and audience refused (the audit was cancelled): the composer as it stands, read-only,
    the refusal with the title and audience typed above it, to copy."""
    briefing.refresh_from_db(fields=["title", "audience"])  # as it stands (validating the form wrote the typed)
    briefing.audit.refresh_from_db()  # cancelled since the page was loaded: shown read-only
    kept = _kept(
        request,
        key="",
        refusal=refusal,
        what=_("the title and audience"),
        fields={"title": _("Title, not saved"), "audience": _("Audience, not saved")},
    )
    return render(request, "briefings/composer.html", _composer_context(briefing, kept=kept), status=409)


def _card(section: BriefingSection, form: SectionForm, **extra) -> dict:
    """One section's card, by itself (an htmx save's answer)."""
    keys = ["", *section.briefing.sections.order_by("order", "pk").values_list("key", flat=True), ""]
    at = keys.index(section.key)
    return {
        "section": section,
        "form": form,
        "spec": SPECS.get(section.key),
        "theirs": None,
        "above": keys[at - 1],
        "below": keys[at + 1],
        **extra,
    }


def _section_kept(request: HttpRequest, section: BriefingSection, refusal: str) -> HttpResponse:
    """A section's save refused (the audit was cancelled): what was typed is shown with the refusal, to
    copy, never lost to a redirect. htmx: the card in place, read-only as the section stands, the text
    typed above it; else the composer as it stands, read-only, the refusal and the text typed at its top."""
    # As it stands: validating the form wrote what was typed into the section.
    section.refresh_from_db(fields=["heading", "body", "hidden", "updated_at"])
    audit = section.briefing.audit
    audit.refresh_from_db()  # cancelled since the page was loaded: shown read-only
    kept = _kept(
        request,
        key=section.key,
        refusal=refusal,
        what=_("the section “%(heading)s”") % {"heading": section.heading or section.key},
        fields={"heading": _("Heading, not saved"), "body": _("Text, not saved")},
    )
    if request.htmx:
        # Read-only as the composer of a cancelled audit is: its buttons and fields disabled.
        read_only = bool(services.cancelled_refusal(audit))
        card = _card(section, SectionForm(instance=section), kept=kept, read_only=read_only, unsaved=True)
        return render(
            request, "briefings/includes/section_card.html", {"card": card, "briefing": section.briefing}, status=409
        )
    return render(request, "briefings/composer.html", _composer_context(section.briefing, kept=kept), status=409)


def _back_to(section: BriefingSection) -> str:
    briefing = section.briefing
    url = reverse("briefings:composer", kwargs={"slug": briefing.audit.slug, "edition": briefing.edition})
    return f"{url}#card-{section.key}"


@login_required
@require_POST
def section_update(request: HttpRequest, slug: str, edition: str, key: str) -> HttpResponse:
    section = _section(request, slug, edition, key)
    form = SectionForm(request.POST, instance=section)
    saved = False
    theirs = None
    if form.is_valid():
        try:
            services.briefing_section_update(
                section=section,
                heading=form.cleaned_data["heading"],
                body=form.cleaned_data["body"],
                hidden=form.cleaned_data["hidden"],
                user=request.user,
                request=request,
                based_on=form.cleaned_data["based_on"] or None,
            )
        except services.SectionConflict as conflict:
            theirs = conflict.current
            # Keep the editor's text; the next save is a deliberate one over the version now shown.
            data = request.POST.copy()
            data["based_on"] = services.section_version(theirs)
            # Bound to `section`, not `theirs`: validating a ModelForm writes the data into its instance.
            form = SectionForm(data, instance=section)
            form.is_valid()
            form.add_error(None, str(conflict))
        except services.BriefingError as exc:  # the audit was cancelled: the draft stays as it stood
            return _section_kept(request, section, str(exc))
        else:
            saved = True
            form = SectionForm(instance=section)
    elif refusal := services.cancelled_refusal(section.briefing.audit):
        # Cancelled: what was typed to copy, not the form's errors (correcting them would not get it saved).
        return _section_kept(request, section, refusal)
    if request.htmx:
        card = _card(section, form, theirs=theirs)
        return render(
            request,
            "briefings/includes/section_card.html",
            {"card": card, "briefing": section.briefing, "saved_at": timezone.localtime() if saved else None},
            status=409 if theirs else 200,
        )
    if not saved:
        context = _composer_context(section.briefing, forms={section.key: form}, theirs=theirs)
        return render(request, "briefings/composer.html", context, status=409 if theirs else 400)
    messages.success(request, _("“%(heading)s” saved.") % {"heading": section.heading})
    return redirect(_back_to(section))


@login_required
@require_POST
def section_refresh(request: HttpRequest, slug: str, edition: str, key: str) -> HttpResponse:
    section = _section(request, slug, edition, key)
    try:
        services.briefing_section_refresh(
            section=section, user=request.user, request=request, based_on=request.POST.get("section_version") or None
        )
    except services.BriefingError as exc:
        messages.error(request, str(exc))
        return redirect(_back_to(section))
    messages.success(request, _("“%(heading)s” written again from the findings.") % {"heading": section.heading})
    return redirect(_back_to(section))


@login_required
@require_POST
def section_move(request: HttpRequest, slug: str, edition: str, key: str) -> HttpResponse:
    section = _section(request, slug, edition, key)
    try:
        services.briefing_section_move(
            section=section,
            direction=request.POST.get("direction", ""),
            user=request.user,
            request=request,
            swap_with=request.POST.get("swap_with"),
        )
    except services.BriefingError as exc:
        messages.error(request, str(exc))
    return redirect(_back_to(section))


def _render_preview(request: HttpRequest, briefing: Briefing, *, refusal: str = "", status: int = 200) -> HttpResponse:
    """The draft as the PDF will hold it. Its Publish link carries what it showed (content_fingerprint)
    and when: publishing is refused if the draft has changed since."""
    built_at = timezone.now()  # before building: a change saved meanwhile counts as after it
    content = build_content(briefing)
    context = document_context(content)
    checked = {"draft": content_fingerprint(content), "draft_at": built_at.isoformat()}
    context.update({"briefing": briefing, "audit": briefing.audit, "checked": urlencode(checked), "refusal": refusal})
    return render(request, "briefings/preview.html", context, status=status)


@login_required
@require_GET
def preview(request: HttpRequest, slug: str, edition: str) -> HttpResponse:
    briefing = access.managed_briefing(request, slug, access.edition_or_404(edition))
    access.record_view(request, briefing, summary=f"Preview: {briefing}")
    return _render_preview(request, briefing)


FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def _checked(data) -> tuple[str | None, datetime | None]:
    """The fingerprint of the preview checked, and when it was built, from a query or a post: None
    when none is given, "" when it is not a fingerprint (matches no draft)."""
    fingerprint = data.get("draft") or None
    if fingerprint is None:
        return None, None
    if not isinstance(fingerprint, str) or not FINGERPRINT.fullmatch(fingerprint):
        return "", None
    at_text = data.get("draft_at", "")
    try:
        at = parse_datetime(at_text) if isinstance(at_text, str) else None
    except ValueError:
        at = None
    return fingerprint, at if at is not None and timezone.is_aware(at) else None


@login_required
@recent_login_required
def publish(request: HttpRequest, slug: str, edition: str) -> HttpResponse:
    """GET: what is about to be published, and a confirm button. POST: publish."""
    briefing = access.managed_briefing(request, slug, access.edition_or_404(edition))
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the briefing is ready to publish."))
            return redirect("briefings:publish", slug=slug, edition=edition)
        # Insights: while consistency checks remain, publishing needs a second, informed tick.
        if request.POST.get("confirm_issues") != "yes" and consistency_issues(briefing.audit):
            messages.error(request, _("Some consistency checks remain: tick the box to publish anyway."))
            return redirect("briefings:publish", slug=slug, edition=edition)
        checked, checked_at = _checked(request.POST)
        # Mandatory: a post without what was checked (not from the publish page) matches no draft, and
        # is answered as a changed draft is, with the preview to check.
        checked = checked or ""
        try:
            version = services.briefing_publish(
                briefing=briefing, user=request.user, request=request, checked=checked, checked_at=checked_at
            )
        except services.DraftChanged as changed:
            briefing.refresh_from_db(fields=["title", "audience"])
            return _render_preview(request, briefing, refusal=str(changed), status=409)
        except services.AlreadyPublished as published:
            messages.info(request, str(published))
            return redirect(_versions_url(briefing))
        except services.BriefingError as exc:
            messages.error(request, str(exc))
            return redirect("briefings:composer", slug=slug, edition=edition)
        published = _("Version %(n)s published. Its PDF is being made: this page shows when it is ready.") % {
            "n": version.number
        }
        if first_standing_version(version):  # its first publication: announced once rendered
            published += " " + _(
                "The audit's auditors and lead officer, and the edition's readers who asked for it, will be "
                "e-mailed once the PDF is ready."
            )
        messages.success(request, published)
        return redirect(_versions_url(briefing))
    access.record_view(request, briefing, summary=f"Publish confirmation: {briefing}")
    # The sections the PDF will print (as document_context leaves out a section whose text is empty or
    # invisible characters only, unless it carries a figure or a table); with none, publishing is refused.
    drafted = list(briefing.sections.order_by("order", "pk"))
    sections = printed_sections(drafted, briefing.edition, briefing.audit)
    next_number = (briefing.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    issues = consistency_issues(briefing.audit)
    # Back from confirming the password: what they had ticked, and the preview they had checked, are
    # offered again (WCAG 3.3.7); they press the button again.
    kept = recent_login_restored(request) or {}
    # What the person checked: the preview they came from, or else the draft as it is now.
    checked, checked_at = _checked(kept) if kept.get("draft") else _checked(request.GET)
    if not checked:
        checked_at = timezone.now()
        checked = content_fingerprint(build_content(briefing))
    return render(
        request,
        "briefings/publish.html",
        {
            "briefing": briefing,
            "sections": sections,
            "next_number": next_number,
            "consistency": issues,
            "consistency_groups": issues_by_kind(issues),
            "publish_refusal": services.publish_refusal(briefing.audit)
            or services.sections_refusal(drafted, briefing.edition, briefing.audit),
            "checked": checked,
            "checked_at": checked_at.isoformat() if checked_at else "",
            "kept": {name: kept.get(name) == "yes" for name in ("confirm", "confirm_issues")},
        },
    )


@login_required
@require_GET
def version_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status line of one version; polled by htmx every 2 s until done or failed. A poll names the
    line it shows (`seen`): while that is still the line, 204 (htmx swaps nothing, so a focused button stays)."""
    version = access.managed_version(request, pk)
    if request.GET.get("seen") == version.status_key:
        return HttpResponse(status=204)
    return render(request, "briefings/includes/version_status.html", {"version": version})


@login_required
@require_POST
def version_retry(request: HttpRequest, pk: int) -> HttpResponse:
    version = access.managed_version(request, pk)
    version = services.briefing_version_retry(version=version, user=request.user, request=request)
    if version.withdrawn_at is not None:
        messages.info(request, _("That version has been withdrawn: its PDF is not made again."))
    elif version.status == RenderStatus.DONE:
        messages.info(request, _("That version's PDF is already made."))
    else:
        messages.success(request, _("The PDF has been queued again."))
    return redirect(_versions_url(version.briefing))


def _versions_url(briefing: Briefing) -> str:
    return (
        f"{reverse('briefings:composer', kwargs={'slug': briefing.audit.slug, 'edition': briefing.edition})}#versions"
    )


@login_required
@recent_login_required
@require_http_methods(["GET", "POST"])
def version_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what withdrawing does, and the reason to give. POST: withdraw the version."""
    version = access.managed_version(request, pk, summary="withdrawal")
    if request.method == "GET":
        access.record_view(request, version, summary=f"Withdrawal confirmation: {version}")
        # Back from confirming the password: the reason they had typed is offered again (WCAG 3.3.7).
        form = WithdrawForm(initial=recent_login_restored(request))
    elif version.is_withdrawn:
        messages.info(request, _("Version %(n)s was already withdrawn.") % {"n": version.number})
        return redirect(_versions_url(version.briefing))
    else:
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                version = services.briefing_version_withdraw(
                    version=version, user=request.user, reason=form.cleaned_data["reason"], request=request
                )
            except services.BriefingError as exc:
                form.add_error("reason", str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "Version %(n)s has been withdrawn: its PDF is deleted and the library no longer offers it. "
                        "Whoever downloaded it is being asked by e-mail to delete their copy."
                    )
                    % {"n": version.number},
                )
                return redirect(_versions_url(version.briefing))
    return render(
        request,
        "briefings/withdraw.html",
        {
            "version": version,
            "briefing": version.briefing,
            "form": form,
            "downloads": None if version.is_withdrawn else version_downloads(version.pk),
        },
        status=400 if form.is_bound else 200,
    )


def _feedback_stats(briefing: Briefing) -> dict:
    """The briefing's feedback: how many responses, their average rating, and how many of them are about a
    version withdrawn since. Those still count (it is feedback on the briefing), and the pages say how many
    are about a withdrawn version. One query."""
    return briefing.feedback.aggregate(
        count=Count("pk"),
        average=Avg("rating"),
        on_withdrawn=Count("pk", filter=Q(version__withdrawn_at__isnull=False)),
    )


@login_required
@require_GET
def feedback_list(request: HttpRequest, slug: str, edition: str) -> HttpResponse:
    briefing = access.managed_briefing(request, slug, access.edition_or_404(edition))
    access.record_view(request, briefing, summary=f"Feedback on {briefing}")
    feedback = feedback_for(briefing)
    stats = _feedback_stats(briefing)
    return render(request, "briefings/feedback_list.html", {"briefing": briefing, "feedback": feedback, "stats": stats})
