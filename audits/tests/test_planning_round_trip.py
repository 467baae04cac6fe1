"""An audit taken back from Part A to Planning (to add a case or an agency) keeps its work: Planning refuses
to remove a case or an agency whose returns were started, to change the tool the returns were made
with, and to delete the audit; what nobody has touched may still go, and takes its empty returns with it."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from agencies.tests.factories import AgencyFactory
from audits.models import Audit, AuditStatus, PartAReturn, ReturnStatus
from audits.services.partb import audit_transition
from audits.tests.admin_support import admin_form_data, row_of
from audits.tests.factories import FindingFactory, make_tool_version
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db


def back_to_planning(audit, qa_manager):
    audit_transition(user=qa_manager, audit=audit, to_status=AuditStatus.PLANNING)
    audit.refresh_from_db()
    return audit


def change_url(audit) -> str:
    return reverse("admin:audits_audit_change", args=[audit.pk])


def form_data(client, audit) -> dict:
    return admin_form_data(client, change_url(audit))


def post(client, audit, data):
    return client.post(change_url(audit), data)


def test_a_case_with_started_returns_cannot_be_removed_and_an_untouched_one_can(client, qa_manager, audit, ret):
    complete_return(ret, ranks=2)  # Case 1's return by agency A: sent
    back_to_planning(audit, qa_manager)
    client.force_login(qa_manager)
    case_1, case_2 = audit.cases.order_by("order")

    data = form_data(client, audit)
    data[f"{row_of(data, case_1.pk, 'cases-')}-DELETE"] = "on"
    response = post(client, audit, data)

    assert response.status_code == 200
    assert "Case 1 cannot be removed from the audit" in response.content.decode()
    assert audit.cases.filter(pk=case_1.pk).exists()
    assert PartAReturn.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED

    data = form_data(client, audit)
    data[f"{row_of(data, case_2.pk, 'cases-')}-DELETE"] = "on"
    assert post(client, audit, data).status_code == 302
    assert not audit.cases.filter(pk=case_2.pk).exists()
    assert not PartAReturn.objects.filter(audit=audit, case_id=case_2.pk).exists()


def test_a_case_judged_or_cited_in_part_b_cannot_be_removed(client, qa_manager, audit):
    case_2 = audit.cases.get(reference="Case 2")
    FindingFactory(audit=audit).cases.add(case_2)
    back_to_planning(audit, qa_manager)
    client.force_login(qa_manager)
    data = form_data(client, audit)
    data[f"{row_of(data, case_2.pk, 'cases-')}-DELETE"] = "on"
    assert "Case 2 cannot be removed" in post(client, audit, data).content.decode()
    assert audit.cases.filter(pk=case_2.pk).exists()


def test_an_agency_with_started_returns_cannot_be_withdrawn_or_replaced(client, qa_manager, audit, ret, agency_a):
    ret.status = ReturnStatus.DRAFT
    ret.save()
    back_to_planning(audit, qa_manager)
    client.force_login(qa_manager)
    participant = audit.participants.get(agency=agency_a)

    data = form_data(client, audit)
    data[f"{row_of(data, participant.pk, 'participants-')}-DELETE"] = "on"
    page = post(client, audit, data).content.decode()
    assert f"{agency_a} cannot be withdrawn from the audit or replaced" in page
    assert "change its auditor on the audit&#x27;s page" in page
    assert audit.participants.filter(pk=participant.pk).exists()

    data = form_data(client, audit)
    data[f"{row_of(data, participant.pk, 'participants-')}-agency"] = AgencyFactory().pk
    data.pop(f"{row_of(data, participant.pk, 'participants-')}-auditor")
    assert f"{agency_a} cannot be withdrawn" in post(client, audit, data).content.decode()
    assert audit.participants.get(pk=participant.pk).agency == agency_a
    assert PartAReturn.objects.filter(audit=audit, agency=agency_a).count() == 2


def test_an_untouched_agency_is_withdrawn_with_its_empty_returns(client, qa_manager, audit, agency_b):
    back_to_planning(audit, qa_manager)
    client.force_login(qa_manager)
    participant = audit.participants.get(agency=agency_b)
    data = form_data(client, audit)
    data[f"{row_of(data, participant.pk, 'participants-')}-DELETE"] = "on"

    assert post(client, audit, data).status_code == 302

    assert not audit.participants.filter(agency=agency_b).exists()
    # No return is left that nobody is named to complete and that the dashboard would count.
    assert not PartAReturn.objects.filter(audit=audit, agency=agency_b).exists()
    assert PartAReturn.objects.filter(audit=audit).count() == 2


def test_the_tool_is_fixed_once_a_return_is_started_and_otherwise_the_returns_follow_it(client, qa_manager, audit, ret):
    back_to_planning(audit, qa_manager)
    client.force_login(qa_manager)
    # Nobody has started: the QA manager may still change the tool, and the empty returns follow it.
    new_version = make_tool_version(standards=3, sections=1)
    data = form_data(client, audit)
    data["tool_version"] = new_version.pk
    assert post(client, audit, data).status_code == 302
    assert set(PartAReturn.objects.filter(audit=audit).values_list("tool_version", flat=True)) == {new_version.pk}

    ret.status = ReturnStatus.DRAFT
    ret.save()
    assert "tool_version" in client.get(change_url(audit)).context["adminform"].readonly_fields
    data = form_data(client, audit)
    data["tool_version"] = make_tool_version(standards=2, sections=1).pk
    post(client, audit, data)
    audit.refresh_from_db()
    assert audit.tool_version == new_version


def test_an_audit_with_work_cannot_be_deleted_one_without_can(client, qa_manager, audit, ret):
    back_to_planning(audit, qa_manager)
    client.force_login(qa_manager)
    delete = reverse("admin:audits_audit_delete", args=[audit.pk])
    # Part A opened and went back, nobody started: still deletable (an audit called off early).
    assert client.get(delete).status_code == 200

    ret.status = ReturnStatus.DRAFT
    ret.save()
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert delete not in client.get(change_url(audit)).content.decode()
    assert Audit.objects.filter(pk=audit.pk).exists()


def test_the_auditor_list_names_each_persons_agency_and_only_agency_staff(
    client, qa_manager, audit, auditor, agency_a, administrator
):
    back_to_planning(audit, qa_manager)
    client.force_login(qa_manager)
    page = client.get(change_url(audit)).content.decode()
    choices = page.split('name="participants-0-auditor"')[1].split("</select>")[0]
    assert f">{escape(str(auditor))} ({agency_a})</option>" in choices
    assert str(administrator) not in choices and str(qa_manager) not in choices
    assert "Agencies and their auditors" in page
