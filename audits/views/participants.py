"""An audit's participating agencies after Planning: changing an agency's named auditor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.decorators import ask_to_reauthenticate, recent_login_restored, signed_in_recently
from audits.access import managed_audit_or_404, record_refused
from audits.forms_partb import ParticipantAuditorForm
from audits.models import AuditAgency
from audits.selectors.participants import shown_auditor
from audits.services.participants import (
    AuditorChangedMeanwhile,
    auditor_change_refusal,
    participant_auditor_change,
)


@login_required
@require_http_methods(["GET", "POST"])
def participant_auditor(request: HttpRequest, slug: str, agency_id: int) -> HttpResponse:
    """The QA manager or the audit's lead officer names another auditor for one agency (Part A, Part B)."""
    audit = managed_audit_or_404(request, slug)
    participant = (
        AuditAgency.objects.select_related("agency", "auditor").filter(audit=audit, agency_id=agency_id).first()
    )
    if participant is None:
        # An id inside an audit they run that is not its: recorded, naming the audit (docs/permissions.md).
        record_refused(
            request,
            object_type="agencies.agency",
            object_id=str(agency_id),
            summary=f"Auditor: agency not part of audit {audit.slug}",
            audit_id=audit.pk,
        )
        raise Http404(_("That agency is not part of this audit."))
    refusal = auditor_change_refusal(audit, request.user)
    # Back from confirming the password, the auditor they had chosen is chosen again.
    restored = recent_login_restored(request) if request.method == "GET" else None
    form = ParticipantAuditorForm(
        request.POST if request.method == "POST" else None, participant=participant, initial=restored
    )
    status = 200
    if request.method == "POST":
        # It gives a person the agency's returns to edit: as sensitive as unlocking one.
        if not signed_in_recently(request):
            return ask_to_reauthenticate(request, request.path)
        if form.is_valid():
            try:
                participant = participant_auditor_change(
                    request=request,
                    user=request.user,
                    audit=audit,
                    agency=participant.agency,
                    auditor=form.cleaned_data["auditor"],
                    shown=form.cleaned_data["shown"],
                )
            except AuditorChangedMeanwhile as error:
                # Shown again as it is now, the choice kept: saving again is deliberate.
                participant = AuditAgency.objects.select_related("agency", "auditor").get(pk=participant.pk)
                data = request.POST.copy()
                data["shown"] = shown_auditor(participant)
                form = ParticipantAuditorForm(data, participant=participant)
                form.is_valid()
                form.add_error(None, error)
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is now the auditor for %(agency)s, with its returns as they were.")
                    % {"name": participant.auditor, "agency": participant.agency.name},
                )
                return redirect("audits:dashboard", slug=audit.slug)
        status = 409 if refusal or status == 409 else 400
    context = {"audit": audit, "participant": participant, "form": form, "refusal": refusal}
    return render(request, "audits/partb/participant_auditor.html", context, status=status)
