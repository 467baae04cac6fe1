from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audits.forms_list import AuditListFilterForm
from audits.selectors.audit_list import AuditListFilters, audit_filter_choices, closed_audits, current_audits

CLOSED_AUDITS_PER_PAGE = 20


@login_required
@require_safe
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audits the user runs: the current ones (Planning to Reporting) in full, the closed ones
    CLOSED_AUDITS_PER_PAGE at a time (?page=<n>), both filtered by title, stage, theme and year."""
    themes, years = audit_filter_choices(request.user)
    form = AuditListFilterForm(request.GET or None, themes=themes, years=years)
    # Each filter that is valid applies, whatever another one says (a shared link's year the reader has no
    # audit in, a bookmarked theme since deleted): the refused one is said next to its field, and the page
    # never shows a choice the lists do not follow.
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = AuditListFilters(
        q=data.get("q", "").strip(), theme=data.get("theme", ""), year=data.get("year"), stage=data.get("stage", "")
    )
    closed_page = Paginator(closed_audits(request.user, filters), CLOSED_AUDITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "any_audits": bool(years),  # every audit has a year: none means the user runs no audit
        "filtered": bool(filters),
        "current": list(current_audits(request.user, filters)),
        "closed_page": closed_page,
        "query": query.urlencode(),
    }
    return render(request, "audits/audit_list.html", context)
