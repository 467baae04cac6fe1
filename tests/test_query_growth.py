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

The Part B session's and the composer's actions (each POST a person makes while the group works:
the board's consensus, findings added, edited and moved, recommendations added, edited and moved on,
the session's record, the briefing's details and sections) are measured in the same way, each posted
as the page's own form would post it.

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
from audits.tests import scale_support
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
    open_audit = AuditFactory(
        title="Missing children audit",
        slug="missing-audit",
        lead_officer=world.audit.lead_officer,
        status=AuditStatus.PART_A,
    )
    for participant in world.audit.participants.all():
        AuditAgencyFactory(audit=open_audit, agency=participant.agency, auditor=participant.auditor)
    for order in (1, 2):
        CaseFactory(audit=open_audit, reference=f"Case {order}", order=order)
    for draft in make_returns(open_audit):
        complete_return(draft, status=ReturnStatus.DRAFT)
    # The Part A action's return: the world's auditor's first draft in the audit open in Part A.
    world.draft = PartAReturn.objects.filter(audit=open_audit, agency=world.agency).order_by("case__order").first()


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

    open_audit = world.draft.audit
    health = AuditAgencyFactory(audit=open_audit, agency=agency, auditor=UserFactory(agency=agency))
    for order in (3, 4, 5):
        CaseFactory(audit=open_audit, reference=f"Case {order}", order=order)
    for draft in make_returns(open_audit):
        if draft.status == ReturnStatus.NOT_STARTED and draft.agency_id != health.agency_id:
            complete_return(draft, status=ReturnStatus.DRAFT)

    more = AuditFactory(
        title="Online exploitation audit",
        slug="online-audit",
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
    return scale_support.explain(small, large, before="first", after="once the partnership had grown")


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


# --- The actions of the Part B session and the composer ------------------------------------------


def board_post(client, world, n: int) -> tuple[str, dict]:
    from audits.models import Grade
    from audits.tests.partb_pages import board_form

    page = client.get(reverse("audits:evidence_board", args=[world.audit.slug, world.case.pk])).content.decode()
    data = board_form(page)
    grades = list(Grade.objects.filter(scale_id=world.audit.tool_version.scale_id).order_by("rank"))
    data["overall-grade"] = str(grades[n % len(grades)].pk)
    data["overall-reasons"] = f"Agreed at the session, round {n}."
    return reverse("audits:judgement", args=[world.audit.slug, world.case.pk]), {**data, "section": ""}


def form_post(page_url, field, changes, action=None, part=None):
    """The post of the form on `page_url` that has `field`, with `changes(data, n, world)` applied, to
    `action` (the page itself if none); the first such form in `part(page, world)`, if given."""

    def make(client, world, n: int) -> tuple[str, dict]:
        from audits.tests.partb_pages import page_form

        url = page_url(world)
        page = client.get(url).content.decode()
        page = part(page, world) if part else page
        data = page_form(page, field(world) if callable(field) else field)
        return (action(world) if action else url), changes(data, n, world)

    return make


def plain_post(action_url, data: dict):
    def make(client, world, n: int) -> tuple[str, dict]:
        return action_url(world), dict(data)

    return make


def _finding_url(name: str):
    return lambda w: reverse(name, args=[w.audit.slug, w.finding.pk])


def _rec_url(name: str):
    return lambda w: reverse(name, args=[w.audit.slug, w.recommendation.pk])


def _composer(w) -> str:
    return reverse("briefings:composer", args=[w.audit.slug, "managers"])


def _section_url(name: str):
    return lambda w: reverse(name, args=[w.audit.slug, "managers", w.section_key])


def _status_change(data: dict, n: int, w) -> dict:
    """Move the world's recommendation on, and back, in turn (never to Closed)."""
    prefix = f"rec-{w.recommendation.pk}"
    now = data[f"{prefix}-from_status"]
    data[f"{prefix}-to_status"] = (
        RecommendationStatus.IN_PROGRESS if now == RecommendationStatus.OPEN else RecommendationStatus.OPEN
    )
    return data


def _evidence_change(data: dict, n: int, w) -> dict:
    field = next(name for name in data if name.endswith("-evidence"))
    return {**data, field: f"The referral was followed up within the day ({n})."}


ACTIONS = {
    # name: (how the post is made: its URL and data, whether htmx sends it[, who acts: the QA manager])
    "Part A draft saved (the whole form)": (
        form_post(lambda w: reverse("audits:return_detail", args=[w.draft.pk]), "version", _evidence_change),
        False,
        "auditor",
    ),
    "consensus on the evidence board": (board_post, False),
    "finding added": (
        plain_post(
            lambda w: reverse("audits:finding_add", args=[w.audit.slug, "strength"]),
            {"strength-heading": "Agencies shared information early.", "strength-body": "As seen in Case 1."},
        ),
        False,
    ),
    "finding edited": (
        form_post(_finding_url("audits:finding_edit"), "body", lambda d, n, w: {**d, "body": f"Reworded {n}."}),
        False,
    ),
    "finding moved": (plain_post(_finding_url("audits:finding_move"), {"direction": "down"}), False),
    "recommendation added": (
        plain_post(
            lambda w: reverse("audits:recommendations", args=[w.audit.slug]),
            {"text": "Review the CSE screening tool.", "owner": "CSE sub-group", "due_date": "2027-03-31"},
        ),
        False,
    ),
    "recommendation edited": (
        form_post(_rec_url("audits:recommendation_edit"), "text", lambda d, n, w: {**d, "text": f"Reworded {n}."}),
        False,
    ),
    "recommendation moved on": (
        form_post(
            lambda w: reverse("audits:recommendations", args=[w.audit.slug]),
            lambda w: f"rec-{w.recommendation.pk}-to_status",
            _status_change,
            action=_rec_url("audits:recommendation_status"),
        ),
        False,
    ),
    "session record": (
        form_post(
            lambda w: reverse("audits:session", args=[w.audit.slug]),
            "venue",
            lambda d, n, w: {**d, "venue": f"Room {n}"},
        ),
        False,
    ),
    "briefing details": (
        form_post(
            _composer,
            "title_shown",
            lambda d, n, w: {**d, "title": f"Learning together, draft {n}"},
            action=lambda w: reverse("briefings:details_update", args=[w.audit.slug, "managers"]),
        ),
        True,
    ),
    "briefing section saved": (
        form_post(
            _composer,
            "based_on",
            lambda d, n, w: {**d, "body": f"Why we looked again, take {n}."},
            action=_section_url("briefings:section_update"),
            part=lambda page, w: page.split(f'id="card-{w.section_key}"', 1)[1],
        ),
        True,
    ),
    "briefing section refreshed": (plain_post(_section_url("briefings:section_refresh"), {}), True),
    "briefing section moved": (plain_post(_section_url("briefings:section_move"), {"direction": "down"}), True),
}


def act(client, world, name: str, n: int) -> list[str]:
    make, htmx = ACTIONS[name][:2]
    url, data = make(client, world, n)
    headers = {"HX-Request": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, headers=headers)
    assert response.status_code in (200, 302), f"{name}: {url} answered {response.status_code}"
    assert b"is-invalid" not in response.content and b"Error:" not in response.content, (
        f"{name}: the post was refused: {response.content.decode()[:3000]}"
    )
    sql = [q["sql"] for q in queries.captured_queries]
    wrote = [q for q in sql if q.startswith(("INSERT", "UPDATE")) and "agencies_accessrecord" not in q]
    assert wrote, f"{name}: the post changed nothing"
    return sql


@pytest.mark.django_db
def test_every_part_b_action_costs_the_same_queries_as_the_partnership_grows(client, audit, other_audit, cast, media):
    world = build_world(audit=audit, cast=cast)
    one_of_everything(world, other_audit)

    def measure_actions(first: int) -> dict[str, list[str]]:
        measured = {}
        for name, (_make, _htmx, *who) in ACTIONS.items():
            client.force_login(cast[who[0] if who else "qa_manager"])
            act(client, world, name, first)  # warm: the first post may create what later ones update
            measured[name] = act(client, world, name, first + 1)
        return measured

    small = measure_actions(1)
    grow(world, cast)
    large = measure_actions(3)
    grown = {name: explain(small[name], large[name]) for name in ACTIONS if len(small[name]) != len(large[name])}
    assert not grown, "\n\n".join(f"{name}: {text}" for name, text in grown.items())
