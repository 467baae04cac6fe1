"""Insights pages cost the same number of queries at 1 audit and at 50 (seed_scale data), and the exact
numbers are pinned so that a new query per page is noticed.

The queries, as measured (every page also pays the request's fixed cost: the user with their
agency, 1. The session and the partnership settings come from the shared cache, the session is saved
at most once a minute, and the navigation's assignments are kept in it):
- theme trends (5): the audits that count for the user (a QA manager needs no trends check), the
  finding–risk factor links with their finding, audit and agency, the risk factors named, the audit
  themes for the filter; which audits the user runs is read from the audits' lead officers;
- agency profile (7): the profile check (profile_agencies), the audits of the profile, the returns'
  timing (one aggregate), the grades by stage (one aggregate), the agency's findings with their
  audit, the access record (SAVEPOINT, INSERT, RELEASE);
- recommendation tracker (6), a page of it (the first; every status, the last page: the same): the
  tracker check (runs an audit?), the figures of every page (one aggregate), the page's
  recommendations with audit and owner agency, the last reminder of each (one aggregate), the audit
  themes for the filter;
- recommendations across audits (4), any page: "runs an audit?", how many match, the page's
  recommendations with audit and owner agency;
- dashboard of an audit past Part A, with its consistency checks (19): Part B's 8, the access record's
  INSERT, and the
  checks' 12 (the received returns, their answers, the findings, their risk factor, case and
  return links, the recommendations' finding links, the judgements, the recommendations, the
  scale's steps, the briefing drafts, the partnership's support contacts);
- findings page with the recurring-theme alert (11): Part B's 8 (no add form until one is asked
  for), the audit's own areas for improvement, theme_trends' three, and the access record's INSERT.
"""

import pytest
from django.urls import reverse

from agencies.models import Agency, User
from audits.scale import QA_USERNAME, audit_slug, auditor_username
from audits.tests import scale_support as support

EXPECTED = {
    "trends": 5,
    "agency": 7,
    "tracker": 6,
    "tracker_all_last_page": 6,
    "recommendations_all": 4,
    "recommendations_all_last_page": 4,
    "dashboard": 19,
    "findings": 11,
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def pages() -> dict[str, support.Request]:
    agency = Agency.objects.get(staff__username=auditor_username(1))
    return {
        "trends": support.Request(QA_USERNAME, "GET", reverse("audits:insights_trends")),
        "agency": support.Request(QA_USERNAME, "GET", reverse("audits:insights_agency", args=[agency.pk])),
        "tracker": support.Request(QA_USERNAME, "GET", reverse("audits:insights_tracker")),
        # page=99: past the end, so the last page, whatever the number of pages.
        "tracker_all_last_page": support.Request(
            QA_USERNAME, "GET", reverse("audits:insights_tracker") + "?status=all&page=99"
        ),
        "recommendations_all": support.Request(QA_USERNAME, "GET", reverse("audits:recommendations_all")),
        "recommendations_all_last_page": support.Request(
            QA_USERNAME, "GET", reverse("audits:recommendations_all") + "?status=all&page=99"
        ),
        "dashboard": support.Request(QA_USERNAME, "GET", reverse("audits:dashboard", args=[audit_slug(1)])),
        "findings": support.Request(QA_USERNAME, "GET", reverse("audits:findings", args=[audit_slug(1)])),
    }


@pytest.mark.django_db
def test_insights_pages_cost_the_same_queries_at_1_and_50_audits(client, media):
    support.seed(1)
    small = support.measure(client, pages())
    support.seed(support.MANY)
    large = support.measure(client, pages())
    grown = {name: support.explain(small[name], large[name]) for name in small if len(small[name]) != len(large[name])}
    assert not grown, "\n\n".join(f"{name}: {text}" for name, text in grown.items())
    counts = {name: len(queries) for name, queries in large.items()}
    assert counts == EXPECTED, "\n\n".join(
        f"{name}:\n" + "\n".join(q[:160] for q in large[name]) for name in counts if counts[name] != EXPECTED[name]
    )
    # The 5-audit partnership has data in every part of these pages.
    assert User.objects.filter(username=QA_USERNAME).exists()
