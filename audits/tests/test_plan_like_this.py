"""Planning's "Plan a new audit like this one": the next themed audit of a partnership, with the same theme,
texts, tool version, agencies and named auditors, planned from the last one instead of from nothing; none of
the last one's cases, returns, findings, recommendations, dates or session."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from agencies.models import AccessRecord, Role
from audits.models import Audit, AuditAgency, AuditStatus, Finding, PartAReturn, PartBSession, Recommendation
from audits.services.plan_copy import audit_plan_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_audit(audit):
    """The cast's audit, run and closed: dates, a session, a finding and a recommendation of its own."""
    audit.context = "Why: national context."
    audit.methodology = "Part A, then Part B."
    audit.cohort_source = "Young people known to Operation Kite"
    audit.what_next = "Presented to the sub committee on 28 January 2015."
    audit.part_a_due = datetime.date(2025, 3, 1)
    audit.part_b_date = datetime.date(2025, 3, 20)
    audit.status = AuditStatus.CLOSED
    audit.save()
    PartBSession.objects.create(audit=audit, date=audit.part_b_date, venue="Hove Town Hall")
    Finding.objects.create(audit=audit, kind="strength", heading="Good", body="Good practice")
    Recommendation.objects.create(audit=audit, text="Do better", owner="CSE Steering Group")
    return audit


def _copied(audit: Audit, qa_manager):
    return audit_plan_copy(audit=audit, user=qa_manager)


def test_the_plan_is_copied_without_the_work(last_audit, qa_manager, agency_a, agency_b, auditor, other_auditor):
    result = _copied(last_audit, qa_manager)
    new = result.audit

    assert new.pk != last_audit.pk and new.status == AuditStatus.PLANNING
    assert new.title == "CSE audit — new audit"
    assert new.slug not in ("", last_audit.slug)
    new.full_clean()  # slug, dates and lead officer valid
    assert (new.theme_id, new.tool_version_id, new.lead_officer_id) == (
        last_audit.theme_id,
        last_audit.tool_version_id,
        last_audit.lead_officer_id,
    )
    assert (new.scope_question, new.context, new.methodology, new.cohort_source) == (
        last_audit.scope_question,
        last_audit.context,
        last_audit.methodology,
        last_audit.cohort_source,
    )
    assert set(new.participants.values_list("agency_id", "auditor_id")) == {
        (agency_a.pk, auditor.pk),
        (agency_b.pk, other_auditor.pk),
    }
    assert new.part_a_due is None and new.part_b_date is None and new.what_next == ""
    assert new.closed_at is None and new.cancelled_at is None and new.purged_at is None
    assert not new.cases.exists()
    assert not PartAReturn.objects.filter(audit=new).exists()
    assert not PartBSession.objects.filter(audit=new).exists()
    assert not new.findings.exists() and not new.recommendations.exists()
    assert result.agencies_without_auditor == [] and result.lead_left_out == "" and result.tool_problem == ""
    # The last audit is as it was.
    assert last_audit.cases.count() == 2 and last_audit.participants.count() == 2
    assert AccessRecord.objects.filter(
        user=qa_manager, object_id=str(new.pk), summary=f"Planning: added {new} (planned like {last_audit})"
    ).exists()


def test_a_second_copy_gets_its_own_slug(last_audit, qa_manager):
    first = _copied(last_audit, qa_manager).audit
    second = _copied(last_audit, qa_manager).audit
    again = _copied(first, qa_manager).audit
    assert len({first.slug, second.slug, again.slug, last_audit.slug}) == 4
    assert again.title == "CSE audit — new audit"


def test_an_auditor_who_can_no_longer_audit_is_left_out(last_audit, qa_manager, agency_a, agency_b, auditor):
    auditor.is_active = False
    auditor.save()

    result = _copied(last_audit, qa_manager)

    row = AuditAgency.objects.get(audit=result.audit, agency=agency_a)
    assert row.auditor_id is None
    assert AuditAgency.objects.get(audit=result.audit, agency=agency_b).auditor_id is not None
    assert result.agencies_without_auditor == [agency_a.name]


def test_a_lead_officer_who_can_no_longer_lead_is_left_out(last_audit, qa_manager, lead_officer):
    lead_officer.role = Role.ADMINISTRATOR
    lead_officer.save()

    result = _copied(last_audit, qa_manager)

    assert result.audit.lead_officer_id is None
    assert result.lead_left_out == str(lead_officer)
    result.audit.full_clean()


def test_a_tool_version_part_a_could_not_open_with_is_said(last_audit, qa_manager, empty_version):
    last_audit.tool_version = empty_version
    last_audit.save()

    result = _copied(last_audit, qa_manager)

    assert "has no standards" in result.tool_problem


def _run(client, audits):
    return client.post(
        reverse("admin:audits_audit_changelist"),
        {"action": "plan_like_this", "_selected_action": [audit.pk for audit in audits]},
    )


def test_the_qa_manager_plans_a_new_audit_like_the_last(client, qa_manager, last_audit):
    client.force_login(qa_manager)
    changelist = client.get(reverse("admin:audits_audit_changelist")).content.decode()
    assert "Plan a new audit like this one" in changelist

    response = _run(client, [last_audit])

    new = Audit.objects.exclude(pk=last_audit.pk).get()
    assert new.status == AuditStatus.PLANNING
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:audits_audit_change", args=[new.pk])
    said = " ".join(str(message) for message in get_messages(response.wsgi_request))
    assert f"“{new}” is planned like “{last_audit}”" in said
    assert "set Part A's due date and the Part B session's date, and add the cases" in said
    assert AccessRecord.objects.filter(
        user=qa_manager, object_id=str(new.pk), summary__startswith="Planning: added"
    ).exists()
    assert client.get(response["Location"]).status_code == 200


def test_the_message_names_an_agency_left_without_its_auditor(client, qa_manager, last_audit, agency_a, auditor):
    auditor.role = Role.QA_MANAGER
    auditor.save()
    client.force_login(qa_manager)

    response = _run(client, [last_audit])

    said = " ".join(str(message) for message in get_messages(response.wsgi_request))
    assert f"No auditor was copied for {agency_a.name}" in said


def test_more_than_one_audit_is_refused(client, qa_manager, last_audit, other_audit):
    client.force_login(qa_manager)

    response = _run(client, [last_audit, other_audit])

    assert response.status_code == 302 and response["Location"].endswith(reverse("admin:audits_audit_changelist"))
    assert Audit.objects.count() == 2
    said = " ".join(str(message) for message in get_messages(response.wsgi_request))
    assert "Choose one audit to plan a new audit like it" in said


@pytest.mark.parametrize("who", ["administrator", "lead_officer", "auditor"])
def test_other_roles_cannot_plan_like_this(client, request, last_audit, who):
    client.force_login(request.getfixturevalue(who))

    response = _run(client, [last_audit])

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert reverse("admin:login") in response["Location"]
    assert Audit.objects.count() == 1
