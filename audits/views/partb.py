"""Part B: the QA manager's and lead officer's pages, and the evidence board the audit team reads.

Every view loads its audit through an access helper (404 for anyone else, recorded as refused),
binds a form, calls a service, sets a message and redirects.
A page shown again with what could not be saved (a 400 or 409) says so first in its title, "Error: …"
(GOV.UK's pattern): the context's `has_errors`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.decorators import recent_login_required
from agencies.services import AccessAction, access_record
from audits import exports
from audits.access import get_board_audit, managed_audit_or_404, object_or_404
from audits.charts import heatmap_key, render_heatmap_labels_svg, render_heatmap_svg
from audits.forms_cancel import AuditCancelForm
from audits.forms_insights import RecommendationStatusFilterForm, statuses_chosen
from audits.forms_partb import (
    COUNTER_TEXTS,
    AttendanceForm,
    AuditTransitionForm,
    ConsensusForm,
    FindingForm,
    FindingMoveForm,
    PromoteForm,
    RecommendationContactForm,
    RecommendationForm,
    RecommendationTransitionForm,
    SessionForm,
    finding_form_choices,
    judgement_section,
)
from audits.models import (
    AGENCY_FINDING_KINDS,
    LIFE_CYCLE,
    Audit,
    AuditStatus,
    Finding,
    FindingKind,
    Recommendation,
    RecommendationStatus,
)
from audits.selectors import insights as insights_selectors
from audits.selectors import partb as selectors
from audits.services import partb as services
from audits.services.participants import AUDITOR_CHANGEABLE


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _flash_error(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, _error_text(error))


# --- Progress dashboard and the audit's status -------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    audit = managed_audit_or_404(request, slug)
    board = selectors.dashboard_for(request.user, audit)
    # Every case's progress, agency by agency: case-level data, so recorded like a return's view.
    access_record(request=request, action=AccessAction.VIEW, obj=audit, summary=f"Progress dashboard: {audit}")
    context = {
        "audit": audit,
        "board": board,
        "statuses": LIFE_CYCLE,
        "auditor_changeable": audit.status in AUDITOR_CHANGEABLE,
    }
    return render(request, "audits/dashboard.html", context)


@login_required
@require_POST
def audit_status(request: HttpRequest, slug: str) -> HttpResponse:
    audit = managed_audit_or_404(request, slug)
    form = AuditTransitionForm(request.POST, audit=audit)
    if not form.is_valid():
        messages.error(request, _stale_status_step(audit, request.POST.get("to_status", "")))
        return redirect("audits:dashboard", slug=audit.slug)
    to_status = form.cleaned_data["to_status"]
    try:
        audit = services.audit_transition(
            request=request,
            user=request.user,
            audit=audit,
            to_status=to_status,
            confirm_missing=form.cleaned_data["confirm_missing"],
        )
    except services.MissingReturnsError as missing:
        # Not an error: the move needs a second, informed click. The page says which returns.
        context = {"audit": audit, "missing": missing.missing, "to_status": to_status}
        return render(request, "audits/partb/confirm_part_b.html", context)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(
            request, _("The audit is now at the %(status)s stage.") % {"status": audit.get_status_display()}
        )
        if to_status == AuditStatus.PART_A and (waiting := services.returns_waiting_for_an_auditor(audit)):
            # Not a refusal: an auditor is named later (Change auditor), but nobody is told to start meanwhile.
            messages.warning(request, " ".join(waiting))
        if to_status == AuditStatus.REPORTING and (unfinished := services.part_b_left_unfinished(audit)):
            # Not a refusal either (the consensus is still recorded in Reporting), but said at the end of
            # the session, while the room can still settle it.
            messages.warning(request, " ".join(unfinished))
        if to_status == AuditStatus.PART_A and audit.part_a_due and audit.part_a_due < timezone.localdate():
            # Not a refusal either (an audit recorded after the event has past dates), but said: the
            # auditors were just told the returns are due on a day gone by. The date is changed in Planning,
            # which a QA manager opens and the audit's lead officer does not (audits/planning.py).
            passed = _(
                "Part A's due date, %(date)s, has already passed: the auditors were told their returns are "
                "due then, every return not yet submitted shows as overdue, and the daily reminders say so."
            ) % {"date": date_format(audit.part_a_due, "j F Y")}
            if request.user.is_qa_manager:
                change = _(
                    "If that is not meant, change Part A's due date in Planning (Part A due, on the audit's "
                    "Planning page): the auditors are e-mailed the new one."
                )
            else:
                change = _(
                    "If that is not meant, ask a QA manager to change Part A's due date in Planning: the "
                    "auditors are e-mailed the new one."
                )
            messages.warning(request, f"{passed} {change}")
        if to_status == AuditStatus.PART_A and audit.part_a_due is None:
            # Not a refusal either (the plan is saved "as far as you have it"), but said: without a due date
            # no return is ever overdue and the daily reminders (audits.services.parta) pass the audit by.
            none = _(
                "Part A has no due date: the auditors were told none, no return shows as overdue and no "
                "reminders are sent."
            )
            if request.user.is_qa_manager:
                give = _(
                    "Give one in the plan (Part A due, on the audit's Planning page): the auditors with returns "
                    "to send are e-mailed it."
                )
            else:
                give = _(
                    "Ask a QA manager to give one in Planning (Part A due, on the audit's Planning page): the "
                    "auditors with returns to send are e-mailed it."
                )
            messages.warning(request, f"{none} {give}")
    return redirect("audits:dashboard", slug=audit.slug)


def _stale_status_step(audit: Audit, posted: str) -> str:
    """Why a step of the audit's life cycle was not taken. A stage it cannot move to from where it is
    now, posted from a page opened before somebody else moved it (or a second click): says where it is
    now, who moved it there and when, and that nothing was changed."""
    if posted not in AuditStatus.values:
        return _("Choose one of the next steps offered for this audit.")
    last = selectors.last_change(audit, summary_prefix=selectors.STATUS_HISTORY_PREFIX)
    values = {"status": audit.get_status_display()}
    if last is not None:
        values["by"] = last.who_and_when()
    if posted == audit.status:
        if last is None:
            return _("The audit is already at the %(status)s stage.") % values
        return _("The audit is already at the %(status)s stage: moved there by %(by)s.") % values
    if last is None:
        text = _(
            "Nothing was changed: the audit is at the %(status)s stage now, not where the page you used showed it."
        )
    else:
        text = _(
            "Nothing was changed: the audit is at the %(status)s stage now (moved there by %(by)s), not where the "
            "page you used showed it."
        )
    return (text % values) + " " + _("Choose again from the steps offered here.")


def _told_of_cancelling(audit: Audit, user) -> str:
    """Who is e-mailed when `user` cancels the audit, as services.partb.audit_cancelled_notify chooses."""
    if audit.lead_officer_id != user.pk:
        return _("Its named auditors, its lead officer and the owners of its open recommendations")
    if user.is_qa_manager:
        return _("Its named auditors and the owners of its open recommendations")
    return _("Its named auditors, the QA managers and the owners of its open recommendations")


@login_required
@require_http_methods(["GET", "POST"])
def audit_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    """Cancel the audit: its confirmation step, with the reason the people told are given. Whoever may
    move the audit's status may cancel it (managed_audit_or_404, as audit_status)."""
    audit = managed_audit_or_404(request, slug)
    form = AuditCancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_cancel(
                request=request, user=request.user, audit=audit, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The audit is cancelled. %(told)s are being told.")
                % {"told": _told_of_cancelling(audit, request.user)},
            )
            return redirect("audits:dashboard", slug=audit.slug)
    status = 400 if request.method == "POST" else 200
    context = {
        "audit": audit,
        "form": form,
        "has_errors": status == 400,
        "told": _told_of_cancelling(audit, request.user),
    }
    return render(request, "audits/partb/cancel.html", context, status=status)


# --- Part B session ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session(request: HttpRequest, slug: str) -> HttpResponse:
    """The date, venue, notes and attendance: one form, one save, so nothing typed in one part is
    lost by saving the other."""
    audit = managed_audit_or_404(request, slug)
    current, rows = selectors.session_with_attendance(audit)
    attendance_editable = audit.status in services.PART_B_EDITABLE
    data = request.POST if request.method == "POST" else None
    initial = {"date": audit.part_b_date} if current is None else None
    details_form = SessionForm(data, instance=current, initial=initial, audit=audit)
    attendance_form = AttendanceForm(data, rows=rows)
    status = 200
    if data is not None and details_form.is_valid() and attendance_form.is_valid():
        details = None
        if details_form.is_posted():
            details = details_form.details()
        statuses = attendance_form.statuses() if attendance_editable else {}
        if details is None and not statuses:
            messages.error(request, _("Nothing to save."))
        else:
            try:
                services.session_record(
                    request=request,
                    user=request.user,
                    audit=audit,
                    details=details,
                    statuses=statuses or None,
                    attendance_shown=attendance_form.shown(),
                )
            except services.EditConflict as conflict:  # shown again with everything typed, theirs beside it
                last = selectors.last_change(conflict.obj)
                details_form.show_conflict(conflict, last)
                attendance_form.show_conflict(conflict, last)
                status = 409
            except ValidationError as error:
                _flash_error(request, error)  # the page is shown again with everything typed
            else:
                messages.success(request, _("Session saved."))
                return redirect("audits:session", slug=audit.slug)
    context = {
        "audit": audit,
        "session": current,
        "details_form": details_form,
        "attendance_form": attendance_form,
        "attendance_editable": attendance_editable,
        # A save refused because the audit moved on meanwhile shows the form all the same: what was typed is kept.
        "session_editable": audit.status in services.SESSION_EDITABLE or data is not None,
    }
    if data is not None and status == 200:
        status = 400
    context["has_errors"] = status >= 400
    # The notes and attendance are shown (again, with what was typed, after a refused save).
    access_record(request=request, action=AccessAction.VIEW, obj=audit, summary=f"Part B session of {audit}")
    return render(request, "audits/partb/session.html", context, status=status)


# --- Evidence boards ---------------------------------------------------------------------------


@login_required
@require_GET
def boards(request: HttpRequest, slug: str) -> HttpResponse:
    audit, can_manage = get_board_audit(request.user, slug, request=request)
    cases, stages = selectors.board_index(audit)
    # Each case's overall consensus grade.
    access_record(request=request, action=AccessAction.VIEW, obj=audit, summary=f"Evidence boards: {audit}")
    context = {"audit": audit, "can_manage": can_manage, "cases": cases, "stages": stages}
    return render(request, "audits/partb/boards.html", context)


@login_required
@require_GET
def evidence_board(request: HttpRequest, slug: str, case_id: int) -> HttpResponse:
    audit, can_manage = get_board_audit(request.user, slug, request=request)
    case = object_or_404(request, audit.cases.all(), object_type="audits.case", summary=f"case of {audit}", pk=case_id)
    return _board_page(request, audit, case, can_manage=can_manage)


def _board_page(
    request: HttpRequest, audit: Audit, case, *, can_manage: bool, unsaved: Iterable = (), status: int = 200
) -> HttpResponse:
    """The board; `unsaved`: consensus entries (services.partb.ConsensusEntry) a save could not
    record, shown again in their fields with what was typed."""
    board = selectors.evidence_board(request.user, audit, case)
    by_prefix = {entry.prefix: entry for entry in unsaved}
    for stage in board.stages:
        stage.entry = by_prefix.get(stage.prefix)
    board.overall_entry = by_prefix.get("overall")
    can_edit = can_manage and audit.status in services.PART_B_EDITABLE
    access_record(request=request, action=AccessAction.VIEW, obj=case, summary=f"Evidence board: {audit} — {case}")
    # The judgement fields are printed by hand from the board's grades (`_judgement.html`): seven
    # Django forms rendered through widget templates were a third of the page's time. They post,
    # all together, to `judgement`, which validates them with ConsensusForm.
    context = {
        "audit": audit,
        "board": board,
        "can_manage": can_manage,
        "can_edit": can_edit,
        # The consensus fields: also once the audit has moved on, for what a save could not record, as typed.
        "consensus_open": can_edit or bool(by_prefix),
        "reasons_max": ConsensusForm.REASONS_MAX,
        "counter": COUNTER_TEXTS,
        "has_errors": bool(by_prefix),
    }
    return render(request, "audits/partb/board.html", context, status=status)


@login_required
@require_POST
def judgement(request: HttpRequest, slug: str, case_id: int) -> HttpResponse:
    """Records every consensus judgement changed on the board, whichever Save button was pressed.
    What cannot be recorded is shown again on the board, as typed: nothing is dropped."""
    audit = managed_audit_or_404(request, slug)
    case = object_or_404(
        request,
        audit.cases.select_related("audit__tool_version"),
        object_type="audits.case",
        summary=f"case of {audit}",
        pk=case_id,
    )
    board_url = reverse("audits:evidence_board", kwargs={"slug": audit.slug, "case_id": case.pk})
    try:
        pressed = judgement_section(audit, request.POST.get("section", ""))
        entries = ConsensusForm(request.POST, audit=audit).entries()
    except ValidationError as error:
        _flash_error(request, error)
        return redirect(board_url)
    try:
        services.judgements_record(
            request=request, user=request.user, case=case, entries=[e for e in entries if not e.outcome]
        )
    except ValidationError as error:  # nothing recorded: the audit moved on since the board was opened
        unsaved = services.consensus_refused(entries, _error_text(error))
        if not unsaved:
            _flash_error(request, error)
            return redirect(board_url)
    else:
        unsaved = [e for e in entries if e.error]
    saved = [e.label for e in entries if e.outcome == services.CONSENSUS_SAVED]
    if saved:
        messages.success(
            request,
            ngettext(
                "Consensus judgement recorded for %(stages)s.",
                "Consensus judgements recorded for %(stages)s.",
                len(saved),
            )
            % {"stages": ", ".join(saved)},
        )
    if unsaved:
        text = _("Not saved, and kept on the board as you typed it: %(stages)s.")
        (messages.warning if saved else messages.error)(request, text % {"stages": ", ".join(e.label for e in unsaved)})
        return _board_page(request, audit, case, can_manage=True, unsaved=unsaved, status=200 if saved else 400)
    prefix = f"stage-{pressed.pk}" if pressed else "overall"
    if not saved:
        entry = next((e for e in entries if e.prefix == prefix), None)
        if entry is None or entry.grade is None:
            stage = pressed.title if pressed else _("the case overall")
            messages.error(request, _("Choose a consensus grade for %(stage)s.") % {"stage": stage})
        else:
            messages.info(request, _("Nothing had changed: no judgement was saved."))
    return redirect(f"{board_url}#consensus-{prefix}")


@login_required
@require_GET
def heatmap(request: HttpRequest, slug: str) -> HttpResponse:
    audit, can_manage = get_board_audit(request.user, slug, request=request)
    dist = selectors.grade_distribution(audit)
    # Grades per case and standard, by agency: case-level, so who read it is recorded like the boards.
    access_record(request=request, action=AccessAction.VIEW, obj=audit, summary=f"Grade heatmap: {audit}")
    context = {
        "audit": audit,
        "can_manage": can_manage,
        "dist": dist,
        # The key above the chart, not in it, so that it stays in view while the chart is scrolled.
        "key": heatmap_key(dist),
        "svg": render_heatmap_svg(dist, key=False),
        "labels_svg": render_heatmap_labels_svg(dist, key=False),
    }
    return render(request, "audits/partb/heatmap.html", context)


# --- Findings ----------------------------------------------------------------------------------


def _findings_page(request: HttpRequest, audit: Audit, bound: FindingForm | None = None, status: int = 200):
    """The lists, with ONE add form: the kind in ?add= (or the form that failed). A form for each of
    the eight kinds, hidden in <details>, was most of the page's weight and time."""
    editable = audit.status in services.PART_B_EDITABLE
    adding = bound.kind if bound is not None else request.GET.get("add", "")
    # A form refused because the audit moved on meanwhile is shown all the same: what was typed is kept.
    if (not editable and bound is None) or adding not in FindingKind.values:
        adding = ""
    sections = []
    for kind, label, items in selectors.findings_by_kind(audit):
        form = None
        if kind == adding:
            form = bound or FindingForm(audit=audit, kind=kind, prefix=kind, choices=finding_form_choices(audit))
        sections.append({"kind": kind, "label": label, "findings": items, "form": form})
    # Which cases each finding cites, for which risk factor.
    access_record(request=request, action=AccessAction.VIEW, obj=audit, summary=f"Findings: {audit}")
    context = {
        "audit": audit,
        "sections": sections,
        "editable": editable,
        "agency_kinds": AGENCY_FINDING_KINDS,
        "has_errors": status >= 400,
    }
    return render(request, "audits/partb/findings.html", context, status=status)


@login_required
@require_GET
def findings(request: HttpRequest, slug: str) -> HttpResponse:
    return _findings_page(request, managed_audit_or_404(request, slug))


@login_required
@require_POST
def finding_add(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    audit = managed_audit_or_404(request, slug)
    if kind not in FindingKind.values:
        raise Http404("No such kind of finding.")
    form = FindingForm(request.POST, audit=audit, kind=kind, prefix=kind)
    if form.is_valid():
        try:
            services.finding_add(request=request, user=request.user, audit=audit, kind=kind, **form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Added to %(list)s.") % {"list": FindingKind(kind).label})
            return redirect(reverse("audits:findings", kwargs={"slug": audit.slug}) + f"#{kind}")
    return _findings_page(request, audit, bound=form, status=400)


def _managed_finding(request: HttpRequest, slug: str, finding_id: int) -> tuple[Audit, Finding, bool]:
    """The audit, the finding and whether it is gone: a finding of this audit deleted since the page
    that links here was opened (in another tab, or by the audit's other editor) is given as it was, from
    its history, for the page to say so; any other id is a 404, recorded as refused."""
    audit = managed_audit_or_404(request, slug)
    finding = Finding.objects.select_related("audit", "agency").filter(pk=finding_id, audit=audit).first()
    if finding is not None:
        return audit, finding, False
    deleted = (
        Finding.history.filter(id=finding_id, audit_id=audit.pk, history_type="-").order_by("-history_date").first()
    )
    if deleted is not None:
        return audit, deleted.instance, True
    finding = object_or_404(
        request,
        Finding.objects.select_related("audit", "agency"),
        object_type="audits.finding",
        summary=f"finding of {audit}",
        pk=finding_id,
        audit=audit,
    )
    return audit, finding, False


def _deleted_by(finding: Finding) -> str:
    """Who deleted the finding, and when (from the access log): "Ann Lee at 3 Dec 2026 10:15"."""
    last = selectors.last_change(finding)
    if last is None:
        return _("somebody else")
    return last.who_and_when()


def _findings_at(audit: Audit, anchor: str) -> HttpResponse:
    return redirect(reverse("audits:findings", kwargs={"slug": audit.slug}) + f"#{anchor}")


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, slug: str, finding_id: int) -> HttpResponse:
    audit, finding, gone = _managed_finding(request, slug, finding_id)
    if gone and request.method != "POST":
        messages.error(request, _("This finding was deleted by %(by)s.") % {"by": _deleted_by(finding)})
        return _findings_at(audit, finding.kind)
    status = 200
    if request.method == "POST" and gone:
        # Deleted while this page was open: nothing to save to, but what was typed is shown again to copy.
        form = FindingForm(request.POST, audit=audit, kind=finding.kind, with_returns=True)
        form.is_valid()
        message = _(
            "Not saved: this finding was deleted by %(by)s while you were editing it. What you typed is kept here: "
            "copy what you need, or add it again as a new finding."
        )
        form.add_error(None, message % {"by": _deleted_by(finding)})
        status = 409
    elif request.method == "POST":
        form = FindingForm(request.POST, audit=audit, kind=finding.kind, with_returns=True, finding=finding)
        status = 400
        if form.is_valid():
            try:
                services.finding_update(request=request, user=request.user, finding=finding, **form.service_kwargs())
            except services.EditConflict as conflict:
                form.show_conflict(conflict, selectors.last_change(finding))
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Finding saved."))
                return redirect(reverse("audits:findings", kwargs={"slug": audit.slug}) + f"#finding-{finding.pk}")
    else:
        form = FindingForm(audit=audit, kind=finding.kind, with_returns=True, finding=finding)
    # The finding's text and the returns it cites: recorded as read (a save is recorded as a change).
    access_record(
        request=request,
        action=AccessAction.VIEW,
        obj=finding,
        summary=f"Finding {services._finding_ref(finding)} of {audit}",
    )
    context = {
        "audit": audit,
        "finding": finding,
        "form": form,
        "editable": audit.status in services.PART_B_EDITABLE,
        "gone": gone,
        "has_errors": status >= 400,
    }
    return render(request, "audits/partb/finding_form.html", context, status=status)


@login_required
@require_POST
def finding_delete(request: HttpRequest, slug: str, finding_id: int) -> HttpResponse:
    audit, finding, gone = _managed_finding(request, slug, finding_id)
    if gone:  # from another tab, or a second click
        messages.info(request, _("This finding was already deleted, by %(by)s.") % {"by": _deleted_by(finding)})
        return _findings_at(audit, finding.kind)
    try:
        services.finding_delete(request=request, user=request.user, finding=finding)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("Finding deleted."))
    return redirect(reverse("audits:findings", kwargs={"slug": audit.slug}) + f"#{finding.kind}")


@login_required
@require_POST
def finding_move(request: HttpRequest, slug: str, finding_id: int) -> HttpResponse:
    audit, finding, gone = _managed_finding(request, slug, finding_id)
    if gone:
        messages.error(
            request, _("This finding was deleted by %(by)s. Nothing was moved.") % {"by": _deleted_by(finding)}
        )
        return _findings_at(audit, finding.kind)
    form = FindingMoveForm(request.POST)
    shown = form.shown()
    try:
        moved = services.finding_move(
            request=request,
            user=request.user,
            finding=finding,
            direction=request.POST.get("direction", ""),
            shown=shown,  # where the page showed it: a list changed since then moves nothing
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        # Said by the list (partb.js puts it in the list's status region), for a screen reader to hear
        # where the finding is now.
        label = FindingKind(moved.kind).label
        values = {"n": moved.order + 1, "list": f"{label} ({moved.agency.name})" if moved.agency_id else label}
        if shown is not None and shown[0] == values["n"]:  # first up, or last down: nowhere to go
            messages.info(request, _("Not moved: already at place %(n)s in %(list)s.") % values)
        else:
            messages.success(request, _("Moved to place %(n)s in %(list)s.") % values)
    return redirect(reverse("audits:findings", kwargs={"slug": audit.slug}) + f"#finding-{finding.pk}")


@login_required
@require_POST
def finding_promote(request: HttpRequest, slug: str) -> HttpResponse:
    audit = managed_audit_or_404(request, slug)
    form = PromoteForm(request.POST, audit=audit, user=request.user)
    if not form.is_valid():
        messages.error(request, _("That text could not be promoted."))
        return redirect("audits:boards", slug=audit.slug)
    ret = form.cleaned_data["part_a_return"]
    kind = form.cleaned_data["kind"]
    try:
        finding, created = services.finding_promote(
            request=request,
            user=request.user,
            part_a_return=ret,
            field=form.cleaned_data["field"],
            kind=kind,
            shown=form.cleaned_data["shown"] or None,  # the text the board showed: changed since, not promoted
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        label = FindingKind(kind).label
        if created:
            messages.success(request, _("Promoted to %(list)s, citing %(ret)s.") % {"list": label, "ret": ret})
        else:
            messages.info(request, _("That text is already in %(list)s.") % {"list": label})
    url = reverse("audits:evidence_board", kwargs={"slug": audit.slug, "case_id": ret.case_id})
    return redirect(f"{url}#agency-{ret.agency_id}")


# --- Recommendations ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def recommendations(request: HttpRequest, slug: str) -> HttpResponse:
    audit = managed_audit_or_404(request, slug)
    if request.method == "GET":
        return _recommendations_page(request, audit)
    form = RecommendationForm(request.POST, audit=audit)
    if form.is_valid():
        try:
            services.recommendation_add(request=request, user=request.user, audit=audit, **form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recommendation added."))
            return redirect("audits:recommendations", slug=audit.slug)
    return _recommendations_page(request, audit, form=form, status=400)


def _recommendations_page(
    request: HttpRequest,
    audit: Audit,
    *,
    form: RecommendationForm | None = None,
    refused: tuple[int, RecommendationTransitionForm] | None = None,
    kept: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The list and the add form. `refused`: (recommendation id, its status form that could not be
    saved), shown open with its errors and what was typed. `kept`: (recommendation id, evidence of
    impact typed on a page overtaken by somebody else's change of status, or by the audit's move to a
    stage that no longer tracks its recommendations), shown again to keep."""
    trackable = audit.status in services.RECOMMENDATION_TRACKABLE
    items = selectors.audit_recommendations(audit)
    for item in items:
        item.transition_form, item.status_open = None, False
        if refused is not None and item.pk == refused[0]:
            item.transition_form, item.status_open = refused[1], True
        elif kept is not None and item.pk == kept[0] and item.status != RecommendationStatus.CLOSED and trackable:
            # Its status form as it is now, with what was typed in it: to choose the new status again.
            item.transition_form = RecommendationTransitionForm(
                recommendation=item, prefix=f"rec-{item.pk}", initial={"impact_evidence": kept[1]}
            )
            item.status_open = True
        elif kept is not None and item.pk == kept[0]:
            # Closed, or the audit no longer tracks it: nothing to save it to, but the text is not lost.
            item.kept_evidence = kept[1]
        if item.transition_form is None:
            item.transition_form = RecommendationTransitionForm(
                recommendation=item, prefix=f"rec-{item.pk}", initial={"impact_evidence": item.impact_evidence}
            )
    context = {
        "audit": audit,
        "recommendations": items,
        "form": form or RecommendationForm(audit=audit),
        "editable": audit.status in services.PART_B_EDITABLE,
        "trackable": trackable,
        "today": timezone.localdate(),
        "has_errors": status >= 400,
    }
    # Its form lists the findings to cite, one promoted from a return by the first words of that return's
    # text: recorded as read, as the findings page is (a save is recorded as a change).
    access_record(request=request, action=AccessAction.VIEW, obj=audit, summary=f"Recommendations: {audit}")
    return render(request, "audits/partb/recommendations.html", context, status=status)


CLOSED_UNTIL_REOPENED = _lazy(
    "This recommendation is closed: nothing of it changes until it is reopened (Reopen, on its row: back to Complete)."
)


def _managed_recommendation(request: HttpRequest, slug: str, rec_id: int) -> tuple[Audit, Recommendation]:
    audit = managed_audit_or_404(request, slug)
    rec = object_or_404(
        request,
        Recommendation.objects.select_related("owner_agency"),
        object_type="audits.recommendation",
        summary=f"recommendation of {audit}",
        pk=rec_id,
        audit=audit,
    )
    return audit, rec


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, slug: str, rec_id: int) -> HttpResponse:
    """What a recommendation says, in Part B and Reporting. Once the audit is closed, only where the
    owner's reminders go (its status and evidence of impact: recommendation_status)."""
    audit, rec = _managed_recommendation(request, slug, rec_id)
    fixed = audit.status not in services.PART_B_EDITABLE
    closed = audit.status not in services.RECOMMENDATION_TRACKABLE or rec.status == RecommendationStatus.CLOSED
    posted = request.method == "POST"
    if not posted and (rec.status == RecommendationStatus.CLOSED or (fixed and closed)):
        # Nothing of a closed recommendation changes, whatever the audit's stage: not the closed audit's words
        # (its due date and the owner's e-mail still can), nor a form that cannot be saved.
        if rec.status == RecommendationStatus.CLOSED:
            messages.error(request, str(CLOSED_UNTIL_REOPENED))
        else:
            messages.error(request, str(services.RECOMMENDATION_FIXED))
        return redirect(reverse("audits:recommendations", kwargs={"slug": audit.slug}) + f"#rec-{rec.pk}")
    # A page opened before the audit moved on posts the whole recommendation ("text"): shown again as typed.
    whole = posted and "text" in request.POST
    if fixed and not whole:
        form = RecommendationContactForm(request.POST or None, instance=rec)
    else:
        form = RecommendationForm(request.POST or None, instance=rec, audit=audit)
    status = 400 if posted else 200
    if posted and fixed and (closed or whole):
        # Refused, not saved in part (the owner's e-mail alone, reported as "saved"): what was typed is kept.
        form.is_valid()
        form.add_error(None, _recommendation_moved_on(audit, rec))
        status = 409
    elif posted and form.is_valid():
        try:
            if fixed:
                services.recommendation_contact_update(
                    request=request,
                    user=request.user,
                    recommendation=rec,
                    owner_email=form.cleaned_data["owner_email"],
                    due_date=form.cleaned_data.get("due_date"),
                    shown=form.shown(),
                )
            else:
                services.recommendation_update(
                    request=request, user=request.user, recommendation=rec, **form.service_kwargs()
                )
        except services.EditConflict as conflict:
            form.show_conflict(conflict, selectors.last_change(rec))
            status = 409
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recommendation saved."))
            # Back at its row, where the confirmation is said and the focus is on its Edit link again (partb.js).
            return redirect(reverse("audits:recommendations", kwargs={"slug": audit.slug}) + f"#rec-{rec.pk}")
    # The findings it may cite, as on the recommendations page: recorded as read, by its number, not its text.
    access_record(request=request, action=AccessAction.VIEW, obj=rec, summary=f"Recommendation #{rec.pk} of {audit}")
    context = {"audit": audit, "recommendation": rec, "form": form, "fixed": fixed, "has_errors": status >= 400}
    return render(request, "audits/partb/recommendation_form.html", context, status=status)


def _recommendation_moved_on(audit: Audit, rec: Recommendation) -> str:
    """Why a recommendation's page, opened before the audit (or the recommendation) moved on, saved nothing."""
    if rec.status == RecommendationStatus.CLOSED:
        text = (
            _("Not saved: this recommendation was closed while you were editing it.") + " " + str(CLOSED_UNTIL_REOPENED)
        )
    else:
        text = _("Not saved: the audit moved to the %(status)s stage while you were editing this recommendation.") % {
            "status": audit.get_status_display()
        }
        if audit.status in services.RECOMMENDATION_TRACKABLE:
            text += " " + str(services.RECOMMENDATION_FIXED)
    return text + " " + _("What you typed is kept here: copy what you need.")


@login_required
@require_POST
def recommendation_status(request: HttpRequest, slug: str, rec_id: int) -> HttpResponse:
    """A new status (and evidence of impact). What cannot be saved is shown again on the list, open,
    with what was typed: nothing is lost, not even when somebody else moved the recommendation on
    meanwhile (409)."""
    audit, rec = _managed_recommendation(request, slug, rec_id)
    form = RecommendationTransitionForm(request.POST, recommendation=rec, prefix=f"rec-{rec.pk}")
    if audit.status not in services.RECOMMENDATION_TRACKABLE:  # before its errors: the page no longer shows it
        return _status_moved_on(request, audit, rec, form)
    if not form.is_valid():
        return _recommendations_page(request, audit, refused=(rec.pk, form), status=400)
    stays = form.cleaned_data["to_status"] == rec.status  # its evidence only: recommendation_transition
    was_closed = rec.status == RecommendationStatus.CLOSED
    try:
        rec = services.recommendation_transition(
            request=request, user=request.user, recommendation=rec, **form.service_kwargs()
        )
    except services.RecommendationMoved as moved:
        _say_moved(request, moved.recommendation)
        kept = (rec.pk, form.cleaned_data["impact_evidence"])
        return _recommendations_page(request, audit, kept=kept, status=409)
    except services.EditConflict as conflict:
        form.show_conflict(conflict, selectors.last_change(rec))
        return _recommendations_page(request, audit, refused=(rec.pk, form), status=409)
    except ValidationError as error:
        audit.refresh_from_db(fields=["status"])
        if audit.status not in services.RECOMMENDATION_TRACKABLE:  # moved on since this request read it
            return _status_moved_on(request, audit, rec, form)
        form.add_error(None, error)
        return _recommendations_page(request, audit, refused=(rec.pk, form), status=400)
    if stays and not rec.impact_evidence:
        text = _("Evidence of impact removed: the recommendation stays %(status)s.")
    elif stays:
        text = _("Evidence of impact saved: the recommendation stays %(status)s.")
    elif was_closed:
        text = _("Recommendation reopened: it is %(status)s again, its evidence of impact kept.")
    elif rec.status == RecommendationStatus.CLOSED:
        text = _("Recommendation is now %(status)s. Closed by mistake? Reopen it on its row: it goes back to Complete.")
    else:
        text = _("Recommendation is now %(status)s.")
    messages.success(request, text % {"status": rec.get_status_display()})
    if request.POST.get("next") == "all":
        return redirect("audits:recommendations_all")
    return redirect(reverse("audits:recommendations", kwargs={"slug": audit.slug}) + f"#rec-{rec.pk}")


def _status_moved_on(
    request: HttpRequest, audit: Audit, rec: Recommendation, form: RecommendationTransitionForm
) -> HttpResponse:
    """A status posted from a page opened before the audit moved to a stage that no longer tracks its
    recommendations (cancelled, back to Part A): refused (409), saying so, with the evidence of impact
    typed kept at its row to copy (the page no longer shows its status form)."""
    typed = form.data.get(form.add_prefix("impact_evidence"), "")
    text = _(
        "Not saved: the audit moved to the %(status)s stage while you were changing this recommendation's "
        "status. A recommendation's status and evidence of impact are tracked while the audit is in Part B, "
        "Reporting or Closed."
    ) % {"status": audit.get_status_display()}
    if typed.strip():
        text += " " + _("The evidence of impact you typed is kept below, not saved: copy what you need.")
    messages.error(request, text)
    kept = (rec.pk, typed) if typed.strip() else None
    return _recommendations_page(request, audit, kept=kept, status=409)


def _say_moved(request: HttpRequest, rec: Recommendation) -> None:
    """Who moved the recommendation on, and when, while this person was changing its status."""
    last = selectors.last_change(rec, summary_prefix=services.RECOMMENDATION_STATUS_PREFIX % rec.pk)
    who = last.who if last else _("somebody else")
    when = date_format(timezone.localtime(last.at), "j M Y H:i") if last else ""
    values = {"who": who, "when": when, "status": rec.get_status_display().lower()}
    if rec.status == RecommendationStatus.CLOSED:
        text = _(
            "This recommendation was closed by %(who)s at %(when)s while you were changing its status. The "
            "evidence of impact you typed is kept below, not saved: copy what you need."
        )
    else:
        text = _(
            "This recommendation was moved to %(status)s by %(who)s at %(when)s while you were changing its "
            "status. Choose its new status again: the evidence of impact you typed is kept in the form, not saved."
        )
    messages.error(request, text % values)


@login_required
@require_GET
def recommendations_all(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not Audit.objects.managed_by(user).exists():
        access_record(request=request, action=AccessAction.REFUSED, object_type="audits.recommendation", summary="all")
        raise Http404("No audits.")
    form = RecommendationStatusFilterForm(request.GET or None)
    matching = insights_selectors.recommendations_matching(user, statuses=statuses_chosen(form))
    page = Paginator(matching, insights_selectors.RECOMMENDATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "form": form, "query": query.urlencode(), "today": timezone.localdate()}
    return render(request, "audits/partb/recommendations_all.html", context)


# --- Exports -----------------------------------------------------------------------------------


def _export_name(audit: Audit, ext: str) -> str:
    return f"{audit.slug}-{timezone.localdate():%Y-%m-%d}.{ext}"


@login_required
@require_GET
@recent_login_required
def export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    audit = managed_audit_or_404(request, slug)
    access_record(request=request, action=AccessAction.EXPORT, obj=audit, summary=f"CSV export of {audit}")
    response = StreamingHttpResponse(exports.csv_lines(request.user, audit), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(audit, "csv")}"'
    return response


@login_required
@require_GET
@recent_login_required
def export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    audit = managed_audit_or_404(request, slug)
    access_record(request=request, action=AccessAction.EXPORT, obj=audit, summary=f"XLSX export of {audit}")
    return FileResponse(
        exports.xlsx_file(request.user, audit),
        as_attachment=True,
        filename=_export_name(audit, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
