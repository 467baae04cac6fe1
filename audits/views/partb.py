from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audits.access import get_managed_audit


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    audit = get_managed_audit(request.user, slug)
    return render(request, "audits/dashboard.html", {"audit": audit})
