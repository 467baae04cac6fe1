"""Part A pages: My returns, the return form (with autosave), submission, review, history, chasing.

Who gets what (the isolation rules, tested in audits/tests/test_parta_isolation.py):
- a return the user may not see (PartAReturn.objects.visible_to): 404, recorded as refused;
- a return they may see but not change (a same-agency colleague, the QA manager editing answers,
  an auditor reviewing), or whose history they may not read (anyone but its auditor and the
  reviewers): 403, recorded as refused;
- not signed in: the login page; the JSON autosave endpoint answers 401 JSON instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import wraps
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.decorators import ask_to_reauthenticate, recent_login_restored, signed_in_recently
from agencies.services import AccessAction, access_record
from audits.access import managed_audit_or_404, record_refused
from audits.forms import (
    AutosaveError,
    PartAReturnForm,
    ReviewAction,
    UnknownFields,
    autosave_data,
    bound_review_form,
    flagged_review_form,
    plain_field_html,
    review_forms,
    state_to_data,
)
from audits.models import AuditAgency, PartAReturn, ReturnStatus, Standard
from audits.selectors.parta import (
    ACCEPT_AUDIT_STATUSES,
    NOT_APPLICABLE,
    OWN_RETURN_REFUSAL,
    SEND_BACK_AUDIT_STATUSES,
    TEXT_FIELDS,
    UNLOCK_AUDIT_STATUSES,
    ReturnRole,
    ToolLayout,
    audit_returns,
    auditor_to_tell,
    flagged_details,
    guard_context,
    last_saved_at,
    my_past_audits,
    my_returns_for,
    progress,
    return_history,
    return_role,
    return_state,
    state_warnings,
    submission_errors,
    used_tool_layout,
    visible_return,
)
from audits.services.parta import (
    CommentFlagged,
    InvalidTransition,
    PartAError,
    ReturnConflict,
    ReturnLocked,
    ReturnNotAllowed,
    SaveOutcome,
    auditor_chase,
    return_accept,
    return_autosave,
    return_blank_names,
    return_save_draft,
    return_send_back,
    return_submit,
    return_unlock,
)

# --- Access ---------------------------------------------------------------------------------------


def _refuse(request: HttpRequest, ret: PartAReturn | None, pk: Any, summary: str) -> None:
    """A refusal of return `pk`, naming its audit (as every record of the access log names its audit) and,
    after the reason, its case and agency as the record of a return read does ("Case 3 — Police"), so that
    a search of the log for a case finds who was refused it too: those of `ret`, or, for a return the person
    may not see, read here (one query, on refusals only; nothing named when there is no such return). The
    administrator, who reads the log, is not shown what a record about a return says."""
    if ret is not None:
        audit_id, named = ret.audit_id, str(ret)
    else:
        row = PartAReturn.objects.filter(pk=pk).values_list("audit_id", "case__reference", "agency__short_name").first()
        audit_id, named = (row[0], f"{row[1]} — {row[2]}") if row else (None, "")
    access_record(
        request=request,
        action=AccessAction.REFUSED,
        object_type="audits.partareturn",
        object_id=str(pk),
        summary=f"{summary}: {named}" if named else summary,
        audit_id=audit_id,
    )


def _load_return(request: HttpRequest, pk: int) -> PartAReturn:
    """The return, if the user may see it; otherwise a recorded refusal and 404."""
    ret = visible_return(request.user, pk)
    if ret is None:
        _refuse(request, None, pk, "Part A return not visible to this user")
        raise Http404(_("No such return."))
    return ret


def _forbid(request: HttpRequest, ret: PartAReturn, summary: str) -> PermissionDenied:
    _refuse(request, ret, ret.pk, summary)
    return PermissionDenied(summary)


def _json_error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"ok": False, "error": code, "message": message, **extra}, status=status)


def json_login_required(view):
    """login_required for a JSON endpoint: 401 JSON (with where to sign in) instead of a redirect."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _json_error(
                401,
                "signed_out",
                _("You have been signed out. Your answers are kept on this device: sign in again to save them."),
                login_url=reverse("login"),
            )
        return view(request, *args, **kwargs)

    return wrapper


# --- My returns -----------------------------------------------------------------------------------


PAST_AUDITS_PER_PAGE = 10


def _tally(rows: list[PartAReturn]) -> dict[str, int]:
    """How far the auditor is with one audit's returns, counted from the rows listed (no query): sent
    (submitted or accepted), sent back to amend, and still to do (not started or draft)."""
    sent = sum(r.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED) for r in rows)
    returned = sum(r.status == ReturnStatus.RETURNED for r in rows)
    return {"total": len(rows), "sent": sent, "returned": returned, "to_do": len(rows) - sent - returned}


@login_required
@require_safe
def my_returns(request: HttpRequest) -> HttpResponse:
    """The returns of the audits in Part A in full; earlier audits as one summary row each, newest
    first, PAST_AUDITS_PER_PAGE at a time (?past=<page>), so the page does not grow with the years.

    ?audit=<id> lists every return of one audit (the summary row's link), in full.
    """
    audit_param = request.GET.get("audit", "")
    audit_id = int(audit_param) if audit_param.isdecimal() and len(audit_param) < 10 else None
    rows = my_returns_for(request.user, audit_id=audit_id)
    groups = [(audit, list(items)) for audit, items in groupby(rows, key=lambda r: r.audit)]
    for audit, items in groups:
        audit.my_tally = _tally(items)
    past_page = None
    if audit_id is None:
        past_page = Paginator(my_past_audits(request.user), PAST_AUDITS_PER_PAGE).get_page(request.GET.get("past"))
    context = {
        "groups": groups,
        "one_audit": audit_id is not None,
        "past": past_page.object_list if past_page else [],
        "past_page": past_page,
        "today": timezone.localdate(),
    }
    return render(request, "audits/my_returns.html", context)


# --- The return ---------------------------------------------------------------------------------------


def _saved_time(ret: PartAReturn) -> str:
    """When the return was last saved: the time today ("14:05"), with its date another day ("20 Nov 2026,
    14:05"): "Saved 14:05" on a page opened days later would say it was saved today."""
    saved = timezone.localtime(ret.updated_at)
    if saved.date() == timezone.localdate():
        return time_format(saved, "H:i")
    return f"{date_format(saved, 'j M Y')}, {time_format(saved, 'H:i')}"


def _render_form(
    request: HttpRequest,
    ret: PartAReturn,
    layout: ToolLayout,
    form: PartAReturnForm,
    state: dict[str, Any],
    *,
    status: int = 200,
    conflicts: list | None = None,
    unsaved: set[str] | None = None,
    status_error: str = "",
    warnings: dict[str, list[str]] | None = None,
    gone_answers: list[dict[str, str]] | None = None,
) -> HttpResponse:
    if warnings is None:
        warnings = state_warnings(state, layout, guard_context(ret))
    answered, total = progress(state, layout)
    conflicts_by_field = {c.name: c for c in conflicts or []}
    context = {
        "ret": ret,
        "layout": layout,
        "form": form,
        "sections": form.section_rows(warnings, conflicts_by_field, unsaved or set()),
        "return_fields": form.return_field_rows(warnings, conflicts_by_field, unsaved or set()),
        "identifiers_confirmed": _confirmation_field(form, bool(warnings)),
        "warnings": warnings,
        "conflicts": conflicts or [],
        "error_summary": form.error_summary(),
        "answered": answered,
        "total": total,
        "saved_time": _saved_time(ret) if ret.version else "",
        # Said in the status bar instead of "Saved hh:mm" when what the page shows is not all saved.
        "status_error": status_error,
        # Answers sent from a page of the return's former tool, to standards it no longer has: to copy.
        "gone_answers": gone_answers or [],
        "gone_reason": TOOL_CHANGED_UNSAVED,
        "i18n": JS_STRINGS,
    }
    return render(request, "audits/parta/form.html", context, status=status)


def _confirmation_field(form: PartAReturnForm, flagged: bool) -> dict[str, Any]:
    """The "I confirm the flagged details…" box: only asked for when something is flagged (shown by
    parta.js once something is), and never shown ticked over nothing."""
    plain = form.plain_field("identifiers_confirmed")
    if not flagged and plain["checked"]:
        plain = {**plain, "checked": False}
        plain["html"] = plain_field_html(plain)
    return plain


def _render_detail(
    request: HttpRequest,
    ret: PartAReturn,
    role: ReturnRole,
    layout: ToolLayout,
    *,
    status: int = 200,
    bound_review=None,
    posted: dict[str, Any] | None = None,
    unsaved_reason: str = "",
    gone_answers: list[dict[str, str]] | None = None,
) -> HttpResponse:
    """`posted`: what a refused save sent (the return was locked meanwhile, or its sender is no longer its
    auditor: `unsaved_reason` says so): what differs from the saved return is shown for the person to copy,
    rather than lost."""
    state = return_state(ret, layout)
    answered, total = progress(state, layout)
    grades = {str(g.pk): g for g in layout.grades}
    audit_status = ret.audit.status
    can_send_back = ret.status == "submitted" and role.can_decide and audit_status in SEND_BACK_AUDIT_STATUSES
    can_unlock = ret.status == "accepted" and role.can_unlock and audit_status in UNLOCK_AUDIT_STATUSES
    # A comment typed for an action refused meanwhile (the return was accepted…) and no longer offered.
    offered = {ReviewAction.SEND_BACK: can_send_back, ReviewAction.UNLOCK: can_unlock}
    bound_action = bound_review.data.get("action") if bound_review is not None else None
    unsent_comment = (
        bound_review.data.get("comment", "").strip() if bound_action in offered and not offered[bound_action] else ""
    )
    # What the auditor confirmed (or has yet to) is not information about the child: for the reviewers.
    flagged = flagged_details(state, layout, guard_context(ret)) if role.can_review or role.is_auditor else []
    sections = [
        {
            "section": row.section,
            "items": [
                {
                    "standard": s,
                    "grade_value": state[f"s{s.pk}-grade"],
                    "grade": grades.get(state[f"s{s.pk}-grade"]),
                    "evidence": state[f"s{s.pk}-evidence"],
                }
                for s in row.standards
            ],
        }
        for row in layout.sections
    ]
    # "No involvement" hides the standards on the auditor's form, but the answers given to them before it was
    # ticked are kept with the return, and its confirmation of flagged details covers them: shown for what they
    # are, with the details flagged in them said to be there, so that a reviewer decides on all of it.
    hidden_sections = []
    if state["no_involvement"]:
        for row in sections:
            answered_items = [item for item in row["items"] if item["grade_value"] or item["evidence"].strip()]
            if answered_items:
                hidden_sections.append({**row, "items": answered_items})
    hidden_labels = {layout.field_label(f"s{s.pk}-evidence") for s in layout.standards} if hidden_sections else set()
    context = {
        "ret": ret,
        "role": role,
        "sections": sections,
        "hidden_sections": hidden_sections,
        "state": state,
        "overall": grades.get(state["overall_grade"]),
        "grades": layout.grades,  # the scale, in rank order: each grade coloured by its position in it
        "risk_factors": [rf for rf in layout.risk_factors if str(rf.pk) in state["risk_factors"]],
        "answered": answered,
        "total": total,
        "review": review_forms(ret.version, bound_review) if role.can_review else None,
        "can_accept": ret.can_move_to("accepted") and role.can_decide and audit_status in ACCEPT_AUDIT_STATUSES,
        "can_send_back": can_send_back,
        "can_unlock": can_unlock,
        # A reviewer who submitted it (or is its auditor now) is told why nothing is offered.
        "own_return_note": OWN_RETURN_REFUSAL if role.own_return and ret.status in ("submitted", "accepted") else "",
        "unsent_comment": unsent_comment,
        # A return the audit's stage keeps from being reviewed (sent back or unlocked after Part A).
        "review_stage_closed": (ret.status == "submitted" and audit_status not in SEND_BACK_AUDIT_STATUSES)
        or (ret.status == "accepted" and audit_status not in UNLOCK_AUDIT_STATUSES),
        "flagged": [
            {"field": item.field, "text": item.text, "kind": item.kind, "hidden": item.field in hidden_labels}
            for item in flagged
        ],
        "unsaved": [
            {"label": layout.field_label(name), "value": layout.display_value(name, value)}
            for name, value in (posted or {}).items()
            if name in state and value not in ("", [], False) and value != state[name]
        ]
        + [{"label": f"{item['label']} ({item['text']})", "value": item["value"]} for item in gone_answers or []],
        "unsaved_reason": unsaved_reason or LOCKED_UNSAVED,
        "last_saved_at": last_saved_at(ret),
    }
    return render(request, "audits/parta/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The auditor's form while the return is open to them; a read-only page for everyone else."""
    ret = _load_return(request, pk)
    role = return_role(request.user, ret)
    layout = used_tool_layout(ret.tool_version)
    if request.method == "POST":
        return _recorded_if_shown(request, ret, _save_from_form(request, ret, role, layout, submit=False))
    access_record(request=request, action=AccessAction.VIEW, obj=ret)
    if role.can_edit_answers and ret.is_editable:
        state = return_state(ret, layout)
        if ret.pk in request.session.get(SUBMIT_TRIED, []):
            return _render_blocked_submission(request, ret, layout, state)
        form = PartAReturnForm(initial={**state, "version": ret.version}, layout=layout)
        return _render_form(request, ret, layout, form, state)
    _forget_submit_tried(request, ret)
    return _render_detail(request, ret, role, layout)


@login_required
@require_http_methods(["GET", "POST"])
def return_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    ret = _load_return(request, pk)
    role = return_role(request.user, ret)
    if request.method == "GET":
        # Nothing is submitted by a GET: it comes from being sent here after signing in again
        # (next=…/submit/, the session having ended as the form was posted), or from a typed address.
        if role.can_edit_answers and ret.is_editable:
            messages.warning(
                request,
                _(
                    "Your return has not been submitted. Check your answers (any you typed that were not saved "
                    "are offered back from this device), then choose “Submit return” again."
                ),
            )
        return redirect("audits:return_detail", pk=ret.pk)
    return _recorded_if_shown(
        request, ret, _save_from_form(request, ret, role, used_tool_layout(ret.tool_version), submit=True)
    )


def _recorded_if_shown(request: HttpRequest, ret: PartAReturn, response: HttpResponse) -> HttpResponse:
    """A form posted and answered with the return's page, not a redirect (not saved, or not all of it; a
    stale review; somebody who may read it but not change it): the page shows its answers as saved now,
    another person's included, so it is recorded as read, as opening it is. A save is recorded as a change."""
    if not 300 <= response.status_code < 400:
        access_record(request=request, action=AccessAction.VIEW, obj=ret)
    return response


# The returns this session tried to submit and could not (answers missing…): their page lists what
# stops the submission (checked again on each visit) until it is submitted, or nothing stops it.
SUBMIT_TRIED = "parta_submit_tried"
SUBMIT_TRIED_KEPT = 20


def _remember_submit_tried(request: HttpRequest, ret: PartAReturn) -> None:
    tried = [pk for pk in request.session.get(SUBMIT_TRIED, []) if pk != ret.pk]
    request.session[SUBMIT_TRIED] = [*tried, ret.pk][-SUBMIT_TRIED_KEPT:]


def _forget_submit_tried(request: HttpRequest, ret: PartAReturn) -> None:
    tried = request.session.get(SUBMIT_TRIED, [])
    if ret.pk in tried:
        request.session[SUBMIT_TRIED] = [pk for pk in tried if pk != ret.pk]


def _render_blocked_submission(
    request: HttpRequest, ret: PartAReturn, layout: ToolLayout, state: dict[str, Any]
) -> HttpResponse:
    """The form after a submission that failed its checks, with what stops it now, next to the fields."""
    warnings = state_warnings(state, layout, guard_context(ret))
    errors = submission_errors(state, layout, warnings)
    if not errors:
        _forget_submit_tried(request, ret)
    form = PartAReturnForm(state_to_data(state, ret.version), layout=layout)
    for name, field_errors in errors.items():
        for error in field_errors:
            form.add_error(name, error)
    return _render_form(request, ret, layout, form, state, warnings=warnings)


LOCKED_UNSAVED = gettext_lazy(
    "What you sent was not saved, because the return can no longer be changed. Copy anything you want to keep, "
    "for example to send it to the QA manager."
)
NOT_THE_AUDITOR_UNSAVED = gettext_lazy(
    "What you sent was not saved, because you are not the return's named auditor any more. Copy anything you "
    "want to keep, for example to send it to its auditor now or to the QA manager."
)
# Said when a save comes from someone who is not (or no longer) the return's named auditor: the QA manager
# named another auditor for the agency while they had the form open, or their role changed.
NOT_THE_AUDITOR = gettext_lazy(
    "Not saved: you are not the named auditor for this return any more (the QA manager may have named someone "
    "else for your agency), so you cannot change it."
)


# The audit's tool was changed while the auditor had the return open (Planning gives the audit another tool
# version, and the returns nobody has started follow it: audits.admin.AuditAdmin.save_model): their page sends
# answers to standards the return no longer has. Nothing is saved from it; they are told why and what to do.
TOOL_CHANGED = gettext_lazy(
    "Not saved: this return's audit tool was changed after you opened this page (the QA manager chose another "
    "tool, or another version of it, for the audit), so its standards are no longer the ones shown here. What you "
    "typed is still on this page: copy your answers to the standards, then reload the page to see the current "
    "standards and paste in what still applies. What you typed is kept on this device too: when you reload, what "
    "you typed outside the standards is put back, and your answers to the standards are listed to copy until you "
    "discard them."
)
TOOL_CHANGED_PAGE = gettext_lazy(
    "Nothing was saved: this return's audit tool was changed after you opened the page you sent (the QA manager "
    "chose another tool, or another version of it, for the audit). The page now shows the current standards, with "
    "the rest of what you typed, not saved yet."
)
TOOL_CHANGED_STATUS = gettext_lazy("Not saved — the standards have changed: see your unsaved text above")
TOOL_CHANGED_NOT_SUBMITTED = gettext_lazy("It has not been submitted: check it, then choose “Submit return” again.")
TOOL_CHANGED_UNSAVED = gettext_lazy(
    "Your answers to standards this return no longer has, as you sent them: copy what still applies into the "
    "current standards below."
)
# An answer to a standard deleted since the page that sent it was opened (the former tool version, unused once
# the audit had another, deleted in the admin): named by its place on that page, the only thing known of it.
DELETED_STANDARD_LABEL = gettext_lazy("Standard %(number)s on the page you sent")
DELETED_STANDARD_TEXT = gettext_lazy(
    "this standard has since been deleted from the audit tools, so its wording cannot be shown"
)
_STANDARD_FIELD = re.compile(r"s(\d{1,9})-(grade|evidence)")


def _opened_with(value: Any) -> int | None:
    """The tool version a page says it was opened with (the form's hidden "tool_version", the autosave's
    "tool_version"), or None when it says none (a page from before it said so) or nothing usable."""
    if isinstance(value, str) and value.isdecimal() and len(value) < 10:
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _gone_standards(names: Iterable[str], layout: ToolLayout, opened_with: int | None) -> dict[str, Standard | None]:
    """The names among `names` that answer a standard of another tool version than the return's (sent from a
    page opened before the audit's tool was changed), in the order given, each with its standard; or with None
    when that standard no longer exists (its version deleted since) and the page says it was opened with another
    tool version than the return's (`opened_with`): a name of that form from a page of the return's own version
    (or one that does not say) is no answer to anything. One query, only when a name is of that form and not
    the return's."""
    known = set(return_blank_names(layout))
    ids = {
        name: int(match.group(1))
        for name in names
        if name not in known
        and (match := _STANDARD_FIELD.fullmatch(name))
        and int(match.group(1)) not in layout.standards_by_id
    }
    if not ids:
        return {}
    standards = Standard.objects.filter(pk__in=set(ids.values())).in_bulk()
    from_another_version = opened_with is not None and opened_with != layout.version.pk
    return {name: standards.get(pk) for name, pk in ids.items() if pk in standards or from_another_version}


def _gone_value(layout: ToolLayout, name: str, value: str) -> str:
    """An answer to a standard the return no longer has, as a person reads it: a grade by its name when the
    return's scale has it (a tool copied for the audit keeps its scale), else as sent."""
    if name.endswith("-grade") and (
        value == NOT_APPLICABLE or (value.isdecimal() and int(value) in layout.grades_by_id)
    ):
        return layout.display_value(name, value)
    return value


def _tool_changed_page(
    request: HttpRequest, ret: PartAReturn, layout: ToolLayout, gone: dict[str, Standard | None], *, submit: bool
) -> HttpResponse:
    """A form posted from a page of the return's former tool: nothing saved; the form of its current standards
    with what was posted for the fields it still has (unsaved, as typed), and the answers to the standards it
    no longer has listed to copy."""
    state = return_state(ret, layout)
    version = request.POST.get("version", "")
    posted_version = int(version) if version.isdecimal() and len(version) < 10 else ret.version
    names = [
        name
        for name in return_blank_names(layout)
        # Tick boxes left unticked are not posted: the page sent holds them all, as the fields outside the
        # standards (the same in every tool). A standard the page did not have keeps what is saved.
        if name in request.POST or name in ("no_involvement", "identifiers_confirmed", "risk_factors")
    ]
    data = _with_refused(state_to_data(state, posted_version), request.POST, set(names))
    form = PartAReturnForm(data, layout=layout)
    form.is_valid()
    posted = _posted_state(form, layout, ret)
    unsaved = {name for name in names if posted[name] != state[name]}
    messages.error(request, f"{TOOL_CHANGED_PAGE} {TOOL_CHANGED_NOT_SUBMITTED}" if submit else TOOL_CHANGED_PAGE)
    return _render_form(
        request,
        ret,
        layout,
        form,
        posted,
        status=409,
        unsaved=unsaved,
        status_error=TOOL_CHANGED_STATUS,
        gone_answers=_gone_answers(request, layout, gone),
    )


def _gone_answers(request: HttpRequest, layout: ToolLayout, gone: dict[str, Standard | None]) -> list[dict[str, str]]:
    """The answers posted to standards the return no longer has, to show them to copy, in the page's order. A
    standard deleted since is named by its place among the page's standards (the form posts them in the page's
    order, answered or not), its wording being gone with it."""
    places: dict[str, int] = {}
    for name in gone:
        places.setdefault(name.partition("-")[0], len(places) + 1)
    answers = []
    for name, standard in gone.items():
        if not request.POST.get(name, "").strip():
            continue
        part = _("grade") if name.endswith("-grade") else _("evidence")
        if standard is None:
            label = DELETED_STANDARD_LABEL % {"number": places[name.partition("-")[0]]}
            text = str(DELETED_STANDARD_TEXT)
        else:
            label, text = standard.code, standard.text
        answers.append(
            {"label": f"{label} — {part}", "text": text, "value": _gone_value(layout, name, request.POST[name])}
        )
    return answers


def _not_the_auditor(request: HttpRequest, ret: PartAReturn, role: ReturnRole, layout: ToolLayout) -> HttpResponse:
    """Refused (and recorded so), but what they sent is not lost: the read-only page shows it to copy."""
    _refuse(request, ret, ret.pk, "Part A return: change refused (not the named auditor)")
    form = PartAReturnForm(request.POST, layout=layout)
    form.is_valid()
    refused = set(form.errors) - {"version", NON_FIELD_ERRORS}
    changes = form.changes(only=[name for name in form.answer_field_names if name not in refused])
    messages.error(request, NOT_THE_AUDITOR)
    posted = {**changes, **_with_refused_text({}, request.POST, refused)}
    return _render_detail(request, ret, role, layout, status=403, posted=posted, unsaved_reason=NOT_THE_AUDITOR_UNSAVED)


def _save_from_form(
    request: HttpRequest, ret: PartAReturn, role: ReturnRole, layout: ToolLayout, *, submit: bool
) -> HttpResponse:
    if not role.is_auditor:
        return _not_the_auditor(request, ret, role, layout)
    gone = _gone_standards(request.POST, layout, _opened_with(request.POST.get("tool_version")))
    if gone and ret.is_editable and ret.audit.part_a_open:
        return _tool_changed_page(request, ret, layout, gone, submit=submit)
    form = PartAReturnForm(request.POST, layout=layout)
    # Answers that cannot be saved as posted (too long, a grade not in the scale) are refused one by
    # one, shown again with their problem and kept unsaved on the page; everything else is saved.
    refused: set[str] = set()
    if not form.is_valid():
        if "version" in form.errors or NON_FIELD_ERRORS in form.errors:
            messages.error(request, _("Nothing was saved: correct the problems marked below."))
            return _render_form(
                request, ret, layout, form, _posted_state(form, layout, ret), status=400, status_error=NOT_SAVED
            )
        refused = set(form.errors)
    changes = form.changes(only=[name for name in form.answer_field_names if name not in refused])
    service = return_submit if submit and not refused else return_save_draft
    try:
        outcome = service(
            request=request,
            user=request.user,
            ret=ret,
            layout=layout,
            based_on_version=form.cleaned_data["version"],
            changes=changes,
        )
    except ReturnConflict as conflict:
        return _conflict_page(request, layout, conflict, refused, submit=submit)
    except ReturnLocked as locked:
        messages.error(request, locked.message)
        ret.refresh_from_db()
        posted = {**changes, **_with_refused_text({}, request.POST, refused)}
        # Sent from a page of the return's former tool too (the audit is back in Planning): its answers to the
        # standards gone are shown to copy as well.
        gone_answers = _gone_answers(request, layout, gone)
        return _render_detail(request, ret, role, layout, status=409, posted=posted, gone_answers=gone_answers)
    except ReturnNotAllowed:
        # No longer its named auditor between loading the return and saving it.
        return _not_the_auditor(request, ret, role, layout)
    if outcome.submitted:
        _forget_submit_tried(request, ret)
        if ret.audit.lead_officer_id:
            said = _(
                "Return submitted. Thank you: it is now with the QA manager and the audit's lead officer for review, "
                "and read-only."
            )
        else:
            said = _("Return submitted. Thank you: it is now with the QA manager for review, and read-only.")
        messages.success(request, said)
        return redirect("audits:return_detail", pk=ret.pk)
    if refused:
        return _refused_page(request, layout, outcome, refused, submit=submit)
    if submit:
        return _not_submitted(request, outcome)
    messages.success(request, _("Draft saved at %(time)s.") % {"time": _saved_time(outcome.ret)})
    if outcome.confirmation_cleared:
        messages.warning(request, CONFIRMATION_CLEARED)
    elif outcome.warnings:
        messages.warning(request, _("Some answers contain details that look like identifiers: they are marked below."))
    return redirect("audits:return_detail", pk=ret.pk)


# The form was posted on an older version than the saved one, and no answer was changed both on the page
# and in the other save: there are no two texts to choose between, only the saved answers to check.
CHANGED_ELSEWHERE = gettext_lazy(
    "This return was changed elsewhere (another window, or another person) after you opened this page."
)
CHANGED_ELSEWHERE_YOURS_ADDED = gettext_lazy(
    "Nothing you sent has been saved yet: the page now shows the answers saved there, with the changes you made "
    "here (none of them was changed there too). Check them, then save again."
)
CHANGED_ELSEWHERE_NOTHING_NEW = gettext_lazy(
    "The page now shows the answers saved there: nothing on this page differed from them, so nothing needed saving."
)
CONFLICT_NOT_SUBMITTED = gettext_lazy("It has not been submitted: choose “Submit return” again once you have.")
NOT_SUBMITTED_CHANGED_ELSEWHERE = gettext_lazy(
    "It has not been submitted: the page now shows the answers saved there, with any changes you made here. Check "
    "them, then choose “Submit return” again."
)


def _conflict_page(
    request: HttpRequest, layout: ToolLayout, conflict: ReturnConflict, refused: set[str], *, submit: bool
):
    """Nothing saved: the merged form, both texts next to each field changed on both sides."""
    merged_form = PartAReturnForm(
        _with_refused(state_to_data(conflict.merged, conflict.current.version), request.POST, refused), layout=layout
    )
    unsaved = {name for name, value in conflict.merged.items() if value != conflict.theirs[name]} | refused
    if conflict.conflicts:
        messages.error(request, f"{conflict.message} {CONFLICT_NOT_SUBMITTED}" if submit else conflict.message)
    elif submit:
        messages.error(request, f"{CHANGED_ELSEWHERE} {NOT_SUBMITTED_CHANGED_ELSEWHERE}")
    elif unsaved:
        messages.error(request, f"{CHANGED_ELSEWHERE} {CHANGED_ELSEWHERE_YOURS_ADDED}")
    else:
        messages.warning(request, f"{CHANGED_ELSEWHERE} {CHANGED_ELSEWHERE_NOTHING_NEW}")
    return _render_form(
        request,
        conflict.current,
        layout,
        merged_form,
        _with_refused_text(conflict.merged, request.POST, refused),
        status=409,
        conflicts=conflict.conflicts,
        unsaved=unsaved,
    )


def _refused_page(request: HttpRequest, layout: ToolLayout, outcome: SaveOutcome, refused: set[str], *, submit: bool):
    """The rest was saved: the form again, the refused answers as posted, unsaved, with their problem."""
    kept_form = PartAReturnForm(
        _with_refused(state_to_data(outcome.state, outcome.version), request.POST, refused), layout=layout
    )
    message = (
        _(
            "Your other answers were saved as a draft at %(time)s, but the return is not submitted: what is "
            "marked below could not be saved. Correct it, then submit again."
        )
        if submit
        else _(
            "Your other answers were saved at %(time)s. What is marked below could not be saved: correct it, "
            "then save again."
        )
    )
    # A warning, as for a submission that fails its checks: the rest was saved.
    messages.warning(request, message % {"time": _saved_time(outcome.ret)})
    return _render_form(
        request,
        outcome.ret,
        layout,
        kept_form,
        _with_refused_text(outcome.state, request.POST, refused),
        unsaved=refused,
        status_error=NOT_SAVED,
    )


def _not_submitted(request: HttpRequest, outcome: SaveOutcome) -> HttpResponse:
    """Saved as a draft, not submitted: to the return's page (Post/Redirect/Get, so that reloading it
    posts nothing again), which lists what stops the submission next to the fields."""
    _remember_submit_tried(request, outcome.ret)
    messages.warning(
        request,
        _("Your answers were saved as a draft at %(time)s, but the return is not submitted yet: see below.")
        % {"time": _saved_time(outcome.ret)},
    )
    if outcome.confirmation_cleared:
        messages.warning(request, CONFIRMATION_CLEARED)
    return redirect("audits:return_detail", pk=outcome.ret.pk)


NOT_SAVED = gettext_lazy("Not saved — see the problems marked below")


def _with_refused(data, posted, refused: set[str]):
    """Form data for a saved state, with the refused fields as they were posted (to show them again)."""
    for name in refused:
        if name == "risk_factors":
            data.setlist(name, posted.getlist(name))
        else:
            data[name] = posted.get(name, "")
    return data


def _with_refused_text(state: dict[str, Any], posted, refused: set[str]) -> dict[str, Any]:
    """The state with the refused text as posted, so that its identifiers are flagged too."""
    text = [name for name in refused if name.endswith("-evidence") or name in TEXT_FIELDS]
    return {**state, **{name: posted.get(name, "") for name in text}}


CONFIRMATION_CLEARED = gettext_lazy(
    "The details flagged as possible identifiers have changed, so your confirmation was cleared: check what is "
    "marked below, then tick the box again if none of it is information about the child."
)


def _posted_state(form: PartAReturnForm, layout: ToolLayout, ret: PartAReturn) -> dict[str, Any]:
    """What the person typed, for re-showing it (an invalid form has no cleaned data for every field)."""
    state = return_state(ret, layout)
    for name in return_blank_names(layout):
        if name == "risk_factors":
            state[name] = sorted(form.data.getlist(name))
        elif name in ("no_involvement", "identifiers_confirmed"):
            state[name] = bool(form.data.get(name))
        else:
            state[name] = form.data.get(name, "")
    return state


# --- Autosave ----------------------------------------------------------------------------------------


@require_POST
@json_login_required
def return_autosave_view(request: HttpRequest, pk: int) -> JsonResponse:
    """Partial save of the fields sent. JSON in, JSON out; a refusal of the whole save changes nothing.

    200 saved · 400 malformed, unknown field, grade not in the scale, text too long · 401 signed
    out · 403 may see but not change · 404 no such return (for this user) · 409 conflict (a
    newer version is saved: both values per field) or locked (submitted / accepted / Part A closed).
    A field of the last kinds of 400 sent with others that are fine: those are saved (200), and
    `refused` names it with its problem.
    """
    try:
        ret = _load_return(request, pk)
    except Http404:
        return _json_error(404, "not_found", _("No such return."))
    role = return_role(request.user, ret)
    if not role.is_auditor:
        _refuse(request, ret, ret.pk, "Part A return: autosave refused (not the named auditor)")
        return _json_error(403, "forbidden", str(NOT_THE_AUDITOR))
    layout = used_tool_layout(ret.tool_version)
    try:
        payload = json.loads(request.body)
        data, names = autosave_data(payload, return_blank_names(layout))
    except RequestDataTooBig:
        return _json_error(400, "invalid", _("Too much text in one save."))
    except RecursionError:
        # json.loads gives up on deeply nested arrays or objects this way, not with a ValueError.
        return _json_error(400, "invalid", _("The request body is nested too deeply."))
    except UnknownFields as error:
        # Answers to standards of the return's former tool: the page was opened before the tool was changed.
        gone = _gone_standards(error.names, layout, _opened_with(payload.get("tool_version")))
        if gone and len(gone) == len(error.names):
            return _json_error(409, "tool_changed", str(TOOL_CHANGED), fields=sorted(gone))
        return _json_error(400, "invalid", str(error))
    except (ValueError, UnicodeDecodeError) as error:
        message = str(error) if isinstance(error, AutosaveError) else _("The request body is not valid JSON.")
        return _json_error(400, "invalid", message)
    # Only the fields sent are validated and saved: a form of those alone (the whole form is 80+ fields).
    form = PartAReturnForm(data, layout=layout, only=names)
    refused: dict[str, list[str]] = {}
    if not form.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        first = next(iter(errors.items()))
        message = f"{layout.field_label(first[0])}: {first[1][0]}"
        if "version" in errors or NON_FIELD_ERRORS in errors or set(errors) >= set(names):
            return _json_error(400, "invalid", message, errors=errors)
        # The other fields sent are saved: one answer that cannot be (too long…) does not hold them back.
        refused = errors
        names = [name for name in names if name not in refused]
    try:
        outcome = return_autosave(
            request=request,
            user=request.user,
            ret=ret,
            layout=layout,
            based_on_version=form.cleaned_data["version"],
            changes=form.changes(only=names),
        )
    except ReturnConflict as conflict:
        current = conflict.current
        # The answer holds the answers saved meanwhile (`theirs`, a colleague's included), which the page shows
        # beside what was typed: recorded as read, as the form's conflict page is.
        access_record(request=request, action=AccessAction.VIEW, obj=ret)
        return _json_error(
            409,
            "conflict",
            conflict.message,
            version=current.version,
            saved_by=str(current.last_saved_by or ""),
            saved_at_display=_saved_time(current),
            conflicts=[c.as_json() for c in conflict.conflicts],
            theirs=conflict.theirs,
        )
    except ReturnLocked as locked:
        return _json_error(409, "locked", locked.message)
    except ReturnNotAllowed:
        return _json_error(403, "forbidden", str(NOT_THE_AUDITOR))
    answered, total = progress(outcome.state, layout)
    saved = outcome.ret
    return JsonResponse(
        {
            "ok": True,
            "version": saved.version,
            "status": saved.status,
            "status_display": saved.display_status,
            "saved_at": saved.updated_at.isoformat(),
            "saved_at_display": _saved_time(saved),
            "warnings": outcome.warnings,
            # Cleared whenever the flagged details change: the page unticks its box to match, and
            # drops a tick not sent yet (given before the new details were marked on the page).
            "identifiers_confirmed": saved.identifiers_confirmed,
            "flagged_changed": outcome.flagged_changed,
            "progress": {"answered": answered, "total": total},
            # Fields sent but not saved, with why: the page keeps them unsaved and says so next to them.
            "refused": refused,
            "message": f"{layout.field_label(next(iter(refused)))}: {next(iter(refused.values()))[0]}"
            if refused
            else "",
        }
    )


# --- Review ------------------------------------------------------------------------------------------


REVIEW_DONE = {
    ReviewAction.SEND_BACK: _(
        "Returned to the auditor for amendment. They are e-mailed within a few minutes to read your comment on the "
        "return, in one e-mail with any others of theirs you send back meanwhile."
    ),
    ReviewAction.ACCEPT: _("Return accepted. It is now locked."),
    ReviewAction.UNLOCK: _(
        "Return unlocked and sent back to the auditor. They are e-mailed within a few minutes to read the reason on "
        "the return, in one e-mail with any others of theirs you send back meanwhile."
    ),
}


# What was done, when nobody could be e-mailed about it (auditor_to_tell): said for the action taken.
NOBODY_TOLD = {
    ReviewAction.SEND_BACK: _(
        "Sent back for amendment, but nobody was e-mailed: %(reason)s. %(agency)s needs an auditor who can amend "
        "it: name one with “Change auditor” on the audit's page, and tell them."
    ),
    ReviewAction.UNLOCK: _(
        "Unlocked and sent back for amendment, but nobody was e-mailed: %(reason)s. %(agency)s needs an auditor "
        "who can amend it: name one with “Change auditor” on the audit's page, and tell them."
    ),
}
NO_ADDRESS = {
    ReviewAction.SEND_BACK: _(
        "Sent back to the auditor for amendment, but nobody was e-mailed: %(reason)s. Tell them yourself."
    ),
    ReviewAction.UNLOCK: _(
        "Unlocked and sent back to the auditor, but nobody was e-mailed: %(reason)s. Tell them yourself."
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def return_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The QA manager's and lead officer's view of a return, with return / accept / unlock."""
    ret = _load_return(request, pk)
    role = return_role(request.user, ret)
    if not role.can_review:
        raise _forbid(request, ret, "Part A return: review refused")
    layout = used_tool_layout(ret.tool_version)
    if request.method == "GET":
        access_record(request=request, action=AccessAction.VIEW, obj=ret)
        # Back from confirming the password: what they had typed (the unlock reason) is offered again.
        restored = recent_login_restored(request)
        return _render_detail(
            request, ret, role, layout, bound_review=bound_review_form(restored) if restored else None
        )
    form = bound_review_form(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: correct the problem marked below."))
        return _recorded_if_shown(
            request, ret, _render_detail(request, ret, role, layout, status=400, bound_review=form)
        )
    action, version, comment = (form.cleaned_data[k] for k in ("action", "version", "comment"))
    if action in (ReviewAction.ACCEPT, ReviewAction.UNLOCK) and not signed_in_recently(request):
        # Accepting locks the return and unlocking reopens it: both need a recent sign-in.
        return ask_to_reauthenticate(request, reverse("audits:return_review", args=[ret.pk]))
    confirmed = form.confirmed_identifiers
    try:
        if action == ReviewAction.SEND_BACK:
            return_send_back(
                request=request,
                user=request.user,
                ret=ret,
                based_on_version=version,
                comment=comment,
                confirmed_identifiers=confirmed,
            )
        elif action == ReviewAction.ACCEPT:
            return_accept(request=request, user=request.user, ret=ret, based_on_version=version)
        else:
            return_unlock(
                request=request,
                user=request.user,
                ret=ret,
                based_on_version=version,
                reason=comment,
                confirmed_identifiers=confirmed,
            )
    except CommentFlagged as flagged:
        # Nothing sent: the comment stays in its box, with what was flagged next to it and the box to tick.
        messages.error(request, flagged.message)
        form = flagged_review_form(form, flagged.keys, flagged.warnings)
        return _recorded_if_shown(
            request, ret, _render_detail(request, ret, role, layout, status=400, bound_review=form)
        )
    except ReturnNotAllowed as refused:
        raise _forbid(request, ret, refused.message) from refused
    except (ReturnConflict, InvalidTransition) as refused:
        message = (
            _("The return changed after you opened it. Nothing was changed: read it again, then decide.")
            if isinstance(refused, ReturnConflict)
            else refused.message
        )
        messages.error(request, message)
        ret.refresh_from_db()
        # The comment typed stays in its box (or, if that action is no longer offered, on the page to
        # copy), the form now based on the version shown.
        kept = bound_review_form(
            {"action": action, "version": str(ret.version), "comment": form.data.get("comment", "")}
        )
        return _recorded_if_shown(
            request, ret, _render_detail(request, ret, role, layout, status=409, bound_review=kept)
        )
    auditor, unable = (None, "") if action == ReviewAction.ACCEPT else auditor_to_tell(ret)
    if unable:  # nobody e-mailed (email_auditor_about_return): say so, and what to do
        told = (NO_ADDRESS if auditor is not None else NOBODY_TOLD)[action]
        messages.warning(request, told % {"reason": unable, "agency": ret.agency.name})
    else:
        messages.success(request, REVIEW_DONE[action])
    return redirect("audits:return_review", pk=ret.pk)


@login_required
@require_safe
def return_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    ret = _load_return(request, pk)
    if not return_role(request.user, ret).can_read_history:
        raise _forbid(request, ret, "Part A return: history refused (not its auditor or a reviewer)")
    layout = used_tool_layout(ret.tool_version)
    access_record(request=request, action=AccessAction.VIEW, obj=ret, summary=f"{ret}: history")
    return render(request, "audits/parta/history.html", {"ret": ret, "entries": return_history(ret, layout)})


# --- The QA manager's list, and chasing ----------------------------------------------------------------


def _managed_audit(request: HttpRequest, slug: str):
    # The refusal names the audit, as Part B's pages' do (managed_audit_or_404).
    return managed_audit_or_404(request, slug)


@login_required
@require_safe
def audit_returns_view(request: HttpRequest, slug: str) -> HttpResponse:
    audit = _managed_audit(request, slug)
    agencies = audit_returns(audit)
    # Every return's status, case by case: case-level data, so recorded like the progress dashboard.
    access_record(request=request, action=AccessAction.VIEW, obj=audit, summary=f"Part A returns: {audit}")
    return render(request, "audits/parta/audit_returns.html", {"audit": audit, "agencies": agencies})


@login_required
@require_POST
def chase_auditor(request: HttpRequest, slug: str, agency_id: int) -> HttpResponse:
    """E-mail one agency's auditor about their unsubmitted returns (QA manager, lead officer)."""
    audit = _managed_audit(request, slug)
    if not AuditAgency.objects.filter(audit=audit, agency_id=agency_id).exists():
        # An id inside an audit they run that is not its: recorded, naming the audit (docs/permissions.md).
        record_refused(
            request,
            object_type="agencies.agency",
            object_id=str(agency_id),
            summary=f"Chase: agency not part of audit {audit.slug}",
            audit_id=audit.pk,
        )
        raise Http404(_("That agency is not part of this audit."))
    # Read the post before acting: a body over the upload limit is refused here, not after the e-mail.
    target = request.POST.get("next", "")
    try:
        log = auditor_chase(request=request, user=request.user, audit=audit, agency_id=agency_id)
    except PartAError as refused:
        messages.error(request, refused.message)
    else:
        if log is None:
            messages.info(request, _("Nothing to chase: that agency has submitted all its returns."))
        else:
            messages.success(request, _("Reminder on its way to %(auditor)s by e-mail.") % {"auditor": log.auditor})
    # Only a path on this site: redirect() would look up anything else (e.g. "0") as a URL name.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("audits:audit_returns", args=[audit.slug])
    return redirect(target)


# Strings parta.js shows, passed with json_script so that they are translated like the rest.
JS_STRINGS = {
    "saving": gettext_lazy("Saving…"),
    "saved": gettext_lazy("Saved %s"),
    "offline": gettext_lazy(
        "Not sent — there is no connection. Your answers are kept on this page and on this device, and saved "
        "by themselves when the connection is back; then press the button again."
    ),
    "signedOut": gettext_lazy("Not saved — you have been signed out"),
    "conflict": gettext_lazy("Not saved — this return was changed elsewhere"),
    "locked": gettext_lazy("Not saved — this return can no longer be changed"),
    "toolChanged": gettext_lazy("Not saved — this return's standards have changed: reload the page"),
    "keptGoneDiscardedOne": gettext_lazy(
        "Discarded the answer kept on this device to a standard no longer in this return's tool"
    ),
    "keptGoneDiscarded": gettext_lazy(
        "Discarded the %s answers kept on this device to standards no longer in this return's tool"
    ),
    "keptHere": gettext_lazy(
        "What you typed since the last save is still on this page, and kept on this device: copy what you need "
        "before you leave it."
    ),
    "forbidden": gettext_lazy("Not saved — you cannot change this return"),
    "invalid": gettext_lazy("Not saved: %s"),
    "notSaved": gettext_lazy("Not saved — %s: see the problem marked next to it"),
    "charsLeft": gettext_lazy("%s characters left (the limit is %s)"),
    "tooMany": gettext_lazy("%s characters too many (the limit is %s): shorten this answer to save it"),
    "keepMine": gettext_lazy("Keep my version"),
    "useTheirs": gettext_lazy("Use the saved version"),
    "savedVersion": gettext_lazy("Saved version"),
    "yourVersion": gettext_lazy("Your version (not saved yet)"),
    "conflictIntro": gettext_lazy("Changed elsewhere since you opened this page."),
    "chooseFirst": gettext_lazy(
        "Choose which text to keep first — “Keep my version” (as it is in the box now) or “Use the saved "
        "version” — then save or submit again. Nothing was sent."
    ),
    "restoreNewer": gettext_lazy(
        "This device holds %s answers you typed at %s that are not in the saved version (saved at %s)."
    ),
    "restoreOlder": gettext_lazy(
        "This device holds %s answers you typed at %s that differ from the saved version (saved later, at %s)."
    ),
    "restoreNewerOne": gettext_lazy(
        "This device holds an answer you typed at %s that is not in the saved version (saved at %s)."
    ),
    "restoreOlderOne": gettext_lazy(
        "This device holds an answer you typed at %s that differs from the saved version (saved later, at %s)."
    ),
}
