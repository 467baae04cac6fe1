from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audits.models import Audit


@login_required
@require_safe
def audit_list(request: HttpRequest) -> HttpResponse:
    audits = Audit.objects.managed_by(request.user).select_related("theme", "lead_officer").order_by("-created_at")
    return render(request, "audits/audit_list.html", {"audits": audits})
