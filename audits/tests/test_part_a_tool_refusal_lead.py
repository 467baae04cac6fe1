"""Opening Part A with a tool version it cannot open with (no standards, an empty stage, a scale of fewer than
two grades) is refused to the audit's lead officer as to the QA manager, saying what to change in Planning;
the lead officer, who does not open Planning, is told to ask a QA manager to make it (README: warnings and
refusals shown to the lead officer say so), as the refusal for an audit without cases or agencies does."""

import pytest
from django.contrib.messages import constants

from audits.models import AuditStatus, PartAReturn
from audits.tests.factories import make_tool_version
from audits.tests.test_part_a_open_checks import open_part_a, planned, with_empty_stages

pytestmark = pytest.mark.django_db

ASK = "A QA manager makes this change in Planning, which the audit's lead officer does not open: ask one."


def _refusal(client, audit) -> str:
    *_, refusal = [str(m) for m in open_part_a(client, audit) if m.level == constants.ERROR]
    return refusal


@pytest.mark.parametrize("version", ["no standards", "an empty stage"])
def test_the_lead_officer_is_told_to_ask_a_qa_manager(client, lead_officer, qa_manager, agency_a, auditor, version):
    tool = make_tool_version(standards=0, sections=1) if version == "no standards" else with_empty_stages("Outcomes")
    audit = planned(tool, [(agency_a, auditor)], slug="led")
    audit.lead_officer = lead_officer
    audit.save()

    client.force_login(lead_officer)
    refusal = _refusal(client, audit)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNING and not PartAReturn.objects.filter(audit=audit).exists()
    assert refusal.startswith("Part A cannot open:") and refusal.endswith(ASK)

    client.force_login(qa_manager)
    assert ASK not in _refusal(client, audit)
