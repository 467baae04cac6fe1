from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Audit
from .selectors import my_returns_for


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    audits = Audit.objects.managed_by(request.user).select_related("theme", "lead_officer").order_by("-created_at")
    return render(request, "audits/audit_list.html", {"audits": audits})


@login_required
def my_returns(request: HttpRequest) -> HttpResponse:
    return render(request, "audits/my_returns.html", {"rows": my_returns_for(request.user)})
