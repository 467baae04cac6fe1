from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .selectors import user_capabilities


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their role starts from."""
    caps = user_capabilities(request.user)
    if caps.runs_audits:
        return redirect("audits:audit_list")
    if caps.auditor:
        return redirect("audits:my_returns")
    if caps.reader:
        return redirect("briefings:library")
    if caps.administrator:
        return render(request, "agencies/admin_home.html")
    return render(request, "agencies/no_role.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "demo": settings.DEMO})
