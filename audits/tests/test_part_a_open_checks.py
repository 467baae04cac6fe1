"""Opening Part A (the onboarding review). It is refused while a stage of the audit's tool version has no
standards, naming the stages and where their standards are added: the auditors were given stages with
nothing in them. And the QA manager who opens it is warned of each agency whose returns nobody can
complete yet (no auditor named, or the one named cannot), with what to do: not a refusal, the auditor is
named later."""

import datetime

import pytest
from django.contrib.messages import constants, get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditStatus, PartAReturn, Section, Standard, ToolVersion
from audits.services.partb import audit_transition
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, make_tool_version

pytestmark = pytest.mark.django_db


def planned(version: ToolVersion, agencies, *, slug="neglect", cases=2):
    audit = AuditFactory(
        title="Neglect audit",
        slug=slug,
        status=AuditStatus.PLANNING,
        tool_version=version,
        part_a_due=timezone.localdate() + datetime.timedelta(days=28),  # else opening Part A warns of none
    )
    for agency, auditor in agencies:
        AuditAgencyFactory(audit=audit, agency=agency, auditor=auditor)
    for n in range(1, cases + 1):
        CaseFactory(audit=audit, reference=f"Case {n}", order=n)
    return audit


def open_part_a(client, audit) -> list:
    response = client.post(reverse("audits:audit_status", args=[audit.slug]), {"to_status": AuditStatus.PART_A})
    assert response.status_code == 302
    return list(get_messages(response.wsgi_request))


def with_empty_stages(*titles: str) -> ToolVersion:
    version = make_tool_version(standards=2, sections=1)
    for order, title in enumerate(titles, start=2):
        Section.objects.create(version=version, order=order, title=title)
    return version


def test_a_version_with_stages_without_standards_does_not_open(
    client, qa_manager, agency_a, auditor, django_capture_on_commit_callbacks
):
    version = with_empty_stages("Assessment", "Planning and intervention")
    audit = planned(version, [(agency_a, auditor)])
    client.force_login(qa_manager)

    with django_capture_on_commit_callbacks(execute=True):
        said = [str(m) for m in open_part_a(client, audit)]

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNING
    assert not PartAReturn.objects.filter(audit=audit).exists() and mail.outbox == []
    [refusal] = [m for m in said if m.startswith("Part A cannot open")]
    assert f"these stages of the audit's tool version, {version}, have no standards: Assessment, Planning and " in (
        refusal
    )
    assert "add the standards on each stage's page" in refusal
    assert "“Add stages and standards from a spreadsheet” on the version's page" in refusal
    assert not any("is now at" in m for m in said)

    # Once every stage has a standard, it opens.
    for stage in Section.objects.filter(version=version, standards__isnull=True):
        Standard.objects.create(section=stage, order=stage.order * 10, code=f"S{stage.order}", text="A standard")
    said = open_part_a(client, audit)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_A, said
    assert constants.WARNING not in [m.level for m in said]  # its one agency has an auditor


def test_one_empty_stage_is_named_alone(client, qa_manager, agency_a, auditor):
    audit = planned(with_empty_stages("Outcomes"), [(agency_a, auditor)])
    client.force_login(qa_manager)

    said = " ".join(str(m) for m in open_part_a(client, audit))

    assert "a stage of the audit's tool version" in said and "has no standards: Outcomes." in said
    assert "on the stage's page" in said


def test_a_version_answered_by_another_audit_says_to_copy_it(client, qa_manager, agency_a, auditor):
    version = make_tool_version(standards=2, sections=1)
    earlier = planned(version, [(agency_a, auditor)], slug="earlier")
    audit_transition(user=qa_manager, audit=earlier, to_status=AuditStatus.PART_A)
    Section.objects.create(version=version, order=2, title="Outcomes")  # as before the rule: read-only now
    audit = planned(version, [(agency_a, auditor)])
    client.force_login(qa_manager)

    said = " ".join(str(m) for m in open_part_a(client, audit))

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNING
    assert "has no standards: Outcomes." in said and "“Copy as a new version, to adapt it”" in said

    # The earlier audit, taken back to Planning, is not stuck: its returns were made with the version (whose
    # stages, like the audit's version, can no longer change), so it opens again as it was answered.
    audit_transition(user=qa_manager, audit=earlier, to_status=AuditStatus.PLANNING)
    earlier = audit_transition(user=qa_manager, audit=earlier, to_status=AuditStatus.PART_A)
    assert earlier.status == AuditStatus.PART_A


def test_opening_warns_of_each_agency_whose_returns_nobody_can_complete(
    client, qa_manager, lead_officer, agency_a, agency_b, agency_c, auditor, other_auditor
):
    other_auditor.is_active = False  # Children's Social Work's auditor has left
    other_auditor.save()
    audit = planned(make_tool_version(), [(agency_a, auditor), (agency_b, other_auditor), (agency_c, None)], cases=2)
    audit.lead_officer = lead_officer
    audit.save()
    client.force_login(qa_manager)

    said = open_part_a(client, audit)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_A  # not a refusal
    assert "The audit is now at the Part A open stage." in [str(m) for m in said]
    [warning] = [m for m in said if m.level == constants.WARNING]
    text = str(warning)
    assert (
        "Youth Service has no auditor: its 2 returns wait until you name one (“Change auditor” in the Auditors "
        "table below)." in text
    )
    assert (
        f"Children's Social Work's auditor cannot complete its 2 returns ({other_auditor}'s account is not "
        "active): they wait until you name another" in text
    )
    assert "Sussex Police" not in text
    # The page it lands on has the button the warning names.
    page = client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()
    assert "Change auditor" in page


def test_an_agency_with_nothing_left_to_send_is_not_named(client, qa_manager, agency_a, agency_b, agency_c, auditor):
    audit = planned(make_tool_version(), [(agency_a, auditor), (agency_b, None), (agency_c, None)], cases=1)
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PART_A)
    PartAReturn.objects.filter(audit=audit, agency=agency_b).update(status="submitted")
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PLANNING)
    client.force_login(qa_manager)

    said = open_part_a(client, audit)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.PART_A
    [warning] = [str(m) for m in said if m.level == constants.WARNING]
    assert warning == (
        "Youth Service has no auditor: its return waits until you name one (“Change auditor” in the Auditors table "
        "below)."
    )
