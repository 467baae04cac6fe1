from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import library_versions_for


@login_required
def library(request: HttpRequest) -> HttpResponse:
    return render(request, "briefings/library.html", {"versions": library_versions_for(request.user)})
