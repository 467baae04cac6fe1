from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audits.selectors.parta import my_returns_for


@login_required
def my_returns(request: HttpRequest) -> HttpResponse:
    return render(request, "audits/my_returns.html", {"rows": my_returns_for(request.user)})
