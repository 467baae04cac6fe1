"""Insights across audits: theme trends, the recommendation tracker, agency profiles and PDF reports.

Every view checks access first, through the selectors' one rule per page; anyone else gets 404
(recorded as refused), so nothing leaks about what exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.models import Agency
from agencies.services import AccessAction, access_record
from audits.access import record_refused
from audits.charts import stage_distribution_svg, trends_svg
from audits.forms_insights import ThemeFilterForm, TrackerFilterForm, statuses_chosen
from audits.models import InsightReport, InsightReportKind, InsightReportStatus
from audits.selectors import insights as selectors
from audits.selectors.partb import OPEN_RECOMMENDATION_STATUSES
from audits.services import insights as services


def _refuse(request: HttpRequest, *, object_type: str, object_id: str = "", summary: str = "") -> Http404:
    record_refused(request, object_type=object_type, object_id=object_id, summary=summary)
    return Http404("Not found.")


def _theme(form: ThemeFilterForm):
    return form.cleaned_data.get("theme") if form.is_valid() else None


# --- Theme trends ------------------------------------------------------------------------------


@login_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_trends(request.user):
        raise _refuse(request, object_type="audits.insights", summary="theme trends")
    form = ThemeFilterForm(request.GET or None)
    data = selectors.theme_trends(user=request.user, theme=_theme(form))
    context = {
        "form": form,
        "trends": data,
        "svg": trends_svg(data),
        "labels": selectors.TREND_LABELS,
        "codes": selectors.TREND_CODES,
    }
    return render(request, "audits/insights/trends.html", context)


# --- Agency profiles ---------------------------------------------------------------------------


@login_required
@require_GET
def agencies(request: HttpRequest) -> HttpResponse:
    items = list(selectors.profile_agencies(request.user).order_by("name"))
    if not items:
        raise _refuse(request, object_type="agencies.agency", summary="agency profiles")
    return render(request, "audits/insights/agencies.html", {"agencies": items})


def _profile_agency(request: HttpRequest, pk: int) -> Agency:
    agency = selectors.profile_agencies(request.user).filter(pk=pk).first()
    if agency is None:
        raise _refuse(request, object_type="agencies.agency", object_id=str(pk), summary="agency profile")
    return agency


@login_required
@require_GET
def agency_profile(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _profile_agency(request, pk)
    profile = selectors.agency_profile(request.user, agency)
    access_record(request=request, action=AccessAction.VIEW, obj=agency, summary=f"Agency profile: {agency}")
    context = {"agency": agency, "profile": profile, "svg": stage_distribution_svg(profile)}
    return render(request, "audits/insights/agency.html", context)


@login_required
@require_POST
def agency_report(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _profile_agency(request, pk)
    report = services.insight_report_request(
        request=request, user=request.user, kind=InsightReportKind.AGENCY, agency=agency
    )
    messages.success(request, _("The PDF is being made: this page shows when it is ready."))
    return redirect("audits:insights_report", pk=report.pk)


# --- Recommendation tracker --------------------------------------------------------------------


@login_required
@require_GET
def tracker(request: HttpRequest) -> HttpResponse:
    if not selectors.may_track(request.user):
        raise _refuse(request, object_type="audits.recommendation", summary="recommendation tracker")
    form = TrackerFilterForm(request.GET or None)
    # Each filter that is valid applies, whatever another one says (a bookmarked theme since deleted is
    # refused next to its field, and the red/amber/green still filters): the form never shows a choice
    # the list does not follow.
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    tracked = selectors.recommendation_tracker_page(
        request.user,
        statuses=statuses_chosen(form),
        rag=data.get("rag", ""),
        theme=data.get("theme"),
        page=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "tracker": tracked, "theme": data.get("theme"), "query": query.urlencode()}
    return render(request, "audits/insights/tracker.html", context)


@login_required
@require_POST
def board_report(request: HttpRequest) -> HttpResponse:
    if not selectors.may_track(request.user):
        raise _refuse(request, object_type="audits.recommendation", summary="board report")
    theme = _theme(ThemeFilterForm(request.POST))
    report = services.insight_report_request(
        request=request, user=request.user, kind=InsightReportKind.BOARD, theme=theme
    )
    messages.success(request, _("The board report is being made: this page shows when it is ready."))
    return redirect("audits:insights_report", pk=report.pk)


# --- My recommendations: a recommendation owner's own, read-only -----------------------------------


@login_required
@require_GET
def my_recommendations(request: HttpRequest) -> HttpResponse:
    """The recommendations whose reminders go to the person's own address (the owners' digests and "assigned
    to you" e-mails link here), across audits, read-only: what each says, its audit, due date, status and
    evidence of impact so far, and whom to tell of progress. Recorded as read, however many (none too)."""
    items = selectors.my_recommendations(request.user)
    access_record(
        request=request,
        action=AccessAction.VIEW,
        object_type="audits.recommendation",
        summary=f"My recommendations ({len(items)})",
    )
    context = {
        "items": items,
        "still_open": sum(1 for item in items if item.rec.status in OPEN_RECOMMENDATION_STATUSES),
    }
    return render(request, "audits/insights/my_recommendations.html", context)


# --- Reports (status and download: the person who asked for it, while they may see what it holds) --


def _own_report(request: HttpRequest, pk: int) -> InsightReport:
    """The report, to the person who asked for it and only while they may still see what it holds (by
    the rule of the page it was made from): someone moved to another agency, or no longer running an
    audit, gets 404 for the reports they asked for before."""
    report = (
        InsightReport.objects.filter(pk=pk, requested_by_id=request.user.pk).select_related("agency", "theme").first()
    )
    if report is None or not selectors.may_see_report(request.user, report):
        raise _refuse(request, object_type="audits.insightreport", object_id=str(pk), summary="insight report")
    return report


@login_required
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "audits/insights/report.html", {"report": _own_report(request, pk)})


@login_required
@require_GET
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status line, polled by htmx every 2 s until the report is done or failed. A poll names the line
    it shows (`seen`): while that is still the line, 204 (nothing swapped, so a focused Retry now stays),
    as for a briefing version's."""
    report = _own_report(request, pk)
    if request.GET.get("seen") == report.status_key:
        return HttpResponse(status=204)
    return render(request, "audits/insights/_report_status.html", {"report": report})


@login_required
@require_POST
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = services.insight_report_retry(request=request, user=request.user, report=_own_report(request, pk))
    if report.status == InsightReportStatus.DONE:
        messages.info(request, _("That report is made already: nothing to retry."))
    else:
        messages.success(request, _("The report has been queued again."))
    return redirect("audits:insights_report", pk=report.pk)


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = _own_report(request, pk)
    if report.status != InsightReportStatus.DONE:
        raise Http404("The report is not ready.")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    access_record(
        request=request, action=AccessAction.DOWNLOAD, obj=report, summary=f"Downloaded {report.download_name}"
    )
    return FileResponse(handle, as_attachment=True, filename=report.download_name, content_type="application/pdf")
