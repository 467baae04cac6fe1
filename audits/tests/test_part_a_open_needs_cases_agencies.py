"""Opening Part A for an audit without cases or participating agencies (the onboarding review: a new
partnership's first plan) is refused, saying what the audit lacks and where they are added: the sections of
the audit's page in Planning, by the headings that page shows. The lead officer, who opens Part A too but not
Planning, is told a QA manager adds them."""

import re

import pytest
from django.contrib.messages import constants
from django.core import mail
from django.urls import reverse

from audits.models import AuditStatus, Case, PartAReturn
from audits.tests.factories import make_tool_version
from audits.tests.test_part_a_open_checks import open_part_a, planned

pytestmark = pytest.mark.django_db


def refusal_of(said) -> str:
    """The latest refusal (the messages of the posts before it are not shown in between)."""
    *_, refusal = [str(m) for m in said if m.level == constants.ERROR]
    return refusal


def test_without_cases_the_qa_manager_is_told_where_to_add_them(
    client, qa_manager, agency_a, auditor, django_capture_on_commit_callbacks
):
    audit = planned(make_tool_version(standards=2, sections=1), [(agency_a, auditor)], slug="no-cases", cases=0)
    client.force_login(qa_manager)

    with django_capture_on_commit_callbacks(execute=True):
        refusal = refusal_of(open_part_a(client, audit))

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNING
    assert not PartAReturn.objects.filter(audit=audit).exists() and mail.outbox == []
    assert refusal.startswith("Part A cannot open: the audit has no cases yet. It needs at least one case and one ")
    assert "Add them in Planning (Audits), on the audit's page: each case under “Cases”" in refusal
    assert "each agency with its named auditor under “Agencies and their auditors”" in refusal

    # The sections named are the headings of the audit's page in Planning.
    page = client.get(reverse("admin:audits_audit_change", args=[audit.pk])).content.decode()
    headings = {re.sub(r"<[^>]+>|\s+", " ", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.S)}
    assert {"Cases", "Agencies and their auditors"} <= headings, headings


def test_without_agencies_or_either(client, qa_manager):
    version = make_tool_version(standards=2, sections=1)
    no_agencies = planned(version, [], slug="no-agencies")
    neither = planned(version, [], slug="neither", cases=0)
    client.force_login(qa_manager)

    assert refusal_of(open_part_a(client, no_agencies)).startswith(
        "Part A cannot open: the audit has no participating agencies yet."
    )
    assert refusal_of(open_part_a(client, neither)).startswith(
        "Part A cannot open: the audit has no cases and no participating agencies yet."
    )
    assert Case.objects.filter(audit=neither).count() == 0


def test_the_lead_officer_is_told_a_qa_manager_adds_them(client, lead_officer, agency_a, auditor):
    audit = planned(make_tool_version(standards=2, sections=1), [(agency_a, auditor)], slug="led", cases=0)
    audit.lead_officer = lead_officer
    audit.save()
    client.force_login(lead_officer)

    refusal = refusal_of(open_part_a(client, audit))

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNING
    assert "A QA manager adds them in Planning (Audits), on the audit's page: each case under “Cases”" in refusal
