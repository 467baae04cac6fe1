"""Every page of the app costs the same number of queries however much the partnership holds.

The benchmark's pages have their query counts pinned at 1 audit and at 50 (audits/tests/
test_query_counts_scale.py and its neighbours). This test covers every other page as well: each URL
name of the URLconf with a GET that answers 200 to someone in docs/permissions.md is asked for by
each member of the cast it answers 200 to, once the permission matrix's world is built (see
tests/permission_world.py) and again after the partnership has grown around the very same objects:
- more history: three more completed audits and one more open one, with their own agencies, users,
  returns, findings, recommendations and published briefings (seed_scale);
- more inside the audit the pages show: another agency, three more cases, every other return
  answered and submitted, more findings of every kind with their links, more recommendations, more
  briefing versions and feedback, more history on the return;
- more for the cast themselves: another audit led by the same lead officer in which the auditor's
  agency takes part, in Part A, with drafts.

A page whose count grows with the data has a query per row somewhere (or a missing
select_related/prefetch_related), which the benchmark's pages would only show at a size nobody tests.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import (
    AGENCY_FINDING_KINDS,
    AuditStatus,
    FindingKind,
    PartAReturn,
    RecommendationStatus,
    ReturnStatus,
    RiskFactor,
)
from audits.scale import ScaleSpec, seed_scale
from audits.tests.factories import (
    AuditAgencyFactory,
    AuditFactory,
    CaseFactory,
    FindingFactory,
    RecommendationFactory,
    RiskFactorFactory,
    make_returns,
)
from audits.tests.partb_support import complete_return
from conftest import CAST
from tests.permission_world import KWARGS, build_world
from tests.test_permission_matrix import read_table, url_names


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def pages_to_measure() -> list[tuple[str, str]]:
    """(URL name, member of the cast) for every GET the permission table says answers 200."""
    table = read_table()
    names = set(url_names())
    return sorted(
        (name, who)
        for (name, method), row in table.items()
        if method == "GET" and name in names
        for who in CAST
        if row[who] == "200"
    )


def measure(client, world, cast, pages: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """The SQL of each page, asked for a second time in the same session (the first request of a
    session reads and keeps the navigation's assignments; a process keeps the tool's layout)."""
    measured = {}
    for who in CAST:
        mine = [name for name, member in pages if member == who]
        if not mine:
            continue
        client.logout()
        if cast[who] is not None:
            client.force_login(cast[who])
        for name in mine:
            url = reverse(name, kwargs=KWARGS[name](world))
            _get(client, url)
            with CaptureQueriesContext(connection) as queries:
                status = _get(client, url)
            assert status == 200, f"{name} as {who}: {url} answered {status}"
            measured[(name, who)] = [q["sql"] for q in queries.captured_queries]
    return measured


def _get(client, url: str) -> int:
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response.status_code


def complete_others(world) -> None:
    """Every return of the world's audit but the auditor's own answered and submitted."""
    for ret in PartAReturn.objects.filter(audit=world.audit, status=ReturnStatus.NOT_STARTED).exclude(
        pk=world.part_a_return.pk
    ):
        complete_return(ret, ranks=[1, 2, 3])


def add_findings(audit, *, each: int) -> None:
    """`each` findings of every kind, linked to returns, cases and risk factors."""
    returns = list(PartAReturn.objects.filter(audit=audit, status=ReturnStatus.SUBMITTED).order_by("pk"))
    for n, kind in enumerate(FindingKind.values * each):
        finding = FindingFactory(
            audit=audit,
            kind=kind,
            heading=f"{kind} {n}",
            agency=returns[n % len(returns)].agency if kind in AGENCY_FINDING_KINDS else None,
        )
        finding.returns.set(returns[n % len(returns) :][:3])
        finding.cases.set({ret.case for ret in returns[:3]})
        finding.risk_factors.set(RiskFactor.objects.all()[:2])


def one_of_everything(world, other_audit) -> None:
    """The base: the permission world with every other return submitted, a finding of every kind, and
    the auditor's own return a draft with a history (so that no page is measured empty first)."""
    complete_others(world)
    RiskFactorFactory.create_batch(2)
    add_findings(world.audit, each=1)
    ret = world.part_a_return
    complete_return(ret, status=ReturnStatus.DRAFT)
    ret.risk_factors.set(RiskFactor.objects.all()[:1])
    for other in PartAReturn.objects.filter(audit=other_audit):  # the other lead's trends are not empty
        complete_return(other)
    add_findings(other_audit, each=1)


def grow(world, cast) -> None:
    from briefings.models import Feedback
    from briefings.services import briefing_publish

    seed_scale(ScaleSpec(audits=3, agencies=3, cases=2, standards=4, open_audits=1, leads=1, pdf=False))

    audit = world.audit
    agency = AgencyFactory(name="Health Trust", short_name="Health", sector="health")
    AuditAgencyFactory(audit=audit, agency=agency, auditor=UserFactory(username="auditor.d", agency=agency))
    for order in range(3, 6):
        CaseFactory(audit=audit, reference=f"Case {order}", order=order)
    make_returns(audit)
    complete_others(world)
    add_findings(audit, each=2)
    for n, status in enumerate(RecommendationStatus.values):
        RecommendationFactory(
            audit=audit,
            text=f"Recommendation {n}",
            status=status,
            owner_agency=agency,
            impact_evidence="Audited again in the spring." if status == RecommendationStatus.CLOSED else "",
        )
    audit.status = AuditStatus.REPORTING  # as build_world does: briefings are published at Reporting
    audit.save(update_fields=["status"])
    for edition_briefing in (world.managers, world.practitioners):
        briefing_publish(briefing=edition_briefing, user=cast["qa_manager"])
    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    for n in range(3):
        Feedback.objects.create(briefing=world.practitioners, rating=4, comment=f"Useful {n}")
    ret = world.part_a_return
    for n in range(3):
        ret.strengths = f"Strength noted {n}."
        ret.save()

    more = AuditFactory(
        title="Missing children audit",
        slug="missing-audit",
        lead_officer=cast["lead_officer"],
        status=AuditStatus.PART_A,
    )
    AuditAgencyFactory(audit=more, agency=cast["auditor"].agency, auditor=cast["auditor"])
    AuditAgencyFactory(audit=more, agency=cast["other_auditor"].agency, auditor=cast["other_auditor"])
    for order in range(1, 4):
        CaseFactory(audit=more, reference=f"Case {order}", order=order)
    for n, ret in enumerate(make_returns(more)):
        if n % 2:
            complete_return(ret, status=ReturnStatus.DRAFT)


def explain(small: list[str], large: list[str]) -> str:
    lines = [f"{len(small)} queries, then {len(large)} once the partnership had grown:"]
    for i in range(max(len(small), len(large))):
        a = small[i][:160] if i < len(small) else "-"
        b = large[i][:160] if i < len(large) else "-"
        lines.append(f"  {i + 1:2d} {'  ' if a == b else '≠ '}{b}")
    return "\n".join(lines)


@pytest.mark.django_db
def test_every_page_costs_the_same_queries_as_the_partnership_grows(client, audit, other_audit, cast, media):
    world = build_world(audit=audit, cast=cast)
    one_of_everything(world, other_audit)
    pages = pages_to_measure()
    assert len(pages) > 100, "the permission table should give most pages to several members of the cast"

    small = measure(client, world, cast, pages)
    grow(world, cast)
    large = measure(client, world, cast, pages)

    grown = {
        f"{name} as {who}": explain(small[(name, who)], large[(name, who)])
        for name, who in pages
        if len(small[(name, who)]) != len(large[(name, who)])
    }
    assert not grown, "\n\n".join(f"{page}: {text}" for page, text in grown.items())
