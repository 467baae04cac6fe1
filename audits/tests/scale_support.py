"""Query counts at 1 audit and at 50: the pages of the benchmark, on seed_scale's data.

seed_scale is idempotent, so "5 audits" is the 1-audit partnership with four more audits added:
every page is then asked again for the very same objects (the same draft, the same case board,
the same briefing version), and only the amount of data around them has grown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import User
from audits.models import Audit, PartAReturn, ReturnStatus
from audits.scale import QA_USERNAME, ScaleSpec, audit_slug, auditor_username, open_audit_slug, seed_scale

# Small, to keep CI fast; the benchmark runs the full size.
SMALL = dict(agencies=3, cases=3, standards=8, open_audits=1, leads=2)


MANY = 50  # the benchmark's number of audits; each is small here (SMALL)


def seed(audits: int) -> None:
    seed_scale(ScaleSpec(audits=audits, **SMALL))


@dataclass
class Request:
    user: str
    method: str
    url: str
    body: dict[str, Any] | None = None


def draft_of(username: str) -> PartAReturn:
    """The first draft of that auditor in the open audit (the Part A form and autosave work on it)."""
    return (
        PartAReturn.objects.filter(
            audit__slug=open_audit_slug(1), agency__staff__username=username, status=ReturnStatus.DRAFT
        )
        .order_by("case__order")
        .first()
    )


def autosave_body(ret: PartAReturn, n: int) -> dict[str, Any]:
    """A valid autosave: the return's current version, one evidence field typed on."""
    ret.refresh_from_db()
    standard = ret.tool_version.sections.order_by("order").first().standards.order_by("order").first()
    return {"version": ret.version, "fields": {f"s{standard.pk}-evidence": f"The worker followed up the referral {n}."}}


def board_case(slug: str):
    return Audit.objects.get(slug=slug).cases.order_by("order").first()


def run(client, request: Request) -> tuple[int, list[str]]:
    """Ask for one page as one user; (status, the SQL of every query it cost)."""
    client.force_login(User.objects.get(username=request.user))
    with CaptureQueriesContext(connection) as queries:
        if request.method == "POST":
            response = client.post(request.url, data=json.dumps(request.body), content_type="application/json")
        else:
            response = client.get(request.url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return response.status_code, [q["sql"] for q in queries.captured_queries]


def measure(client, requests: dict[str, Request]) -> dict[str, list[str]]:
    """The queries each page costs once warm (the first request of a session may differ)."""
    measured = {}
    for name, request in requests.items():
        run(client, request)
        status, queries = run(client, request)
        assert status == 200, f"{name}: {request.url} answered {status}"
        measured[name] = queries
    return measured


QA = QA_USERNAME
AUDITOR = auditor_username(1)
FIRST = audit_slug(1)


def audits_pages() -> dict[str, Request]:
    draft = draft_of(AUDITOR)
    case = board_case(FIRST)
    return {
        "my_returns": Request(AUDITOR, "GET", reverse("audits:my_returns")),
        "parta_form": Request(AUDITOR, "GET", reverse("audits:return_detail", args=[draft.pk])),
        "dashboard": Request(QA, "GET", reverse("audits:dashboard", args=[open_audit_slug(1)])),
        "evidence_board": Request(QA, "GET", reverse("audits:evidence_board", args=[FIRST, case.pk])),
        "findings": Request(QA, "GET", reverse("audits:findings", args=[FIRST])),
    }


def explain(first: list[str], second: list[str], *, before: str = "at 1 audit", after: str = f"at {MANY}") -> str:
    """A readable difference between two query lists, for the assertion message."""
    lines = [f"{len(first)} queries {before}, {len(second)} {after}:"]
    for i in range(max(len(first), len(second))):
        a = first[i][:150] if i < len(first) else "-"
        b = second[i][:150] if i < len(second) else "-"
        lines.append(f"  {i + 1:2d} {'  ' if a == b else '≠ '}{b}")
    return "\n".join(lines)
