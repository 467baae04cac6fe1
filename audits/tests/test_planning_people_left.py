"""The plan (Planning in Administration) of an audit whose lead officer or a named auditor can no longer act
(their account deactivated: they left; made an administrator; moved to another agency): the lists still
offer them, chosen and labelled, so that saving the plan for anything else keeps who leads (or led) the audit
and who audits for each agency, rather than erasing them unseen. A closed audit's lead officer never changes
there. Choosing another works as before; the page's queries are as many as for people who can act."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Role
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import Audit, AuditAgency, AuditStatus
from audits.tests.admin_support import admin_form_data, row_of

pytestmark = pytest.mark.django_db


def plan_url(audit) -> str:
    return reverse("admin:audits_audit_change", args=[audit.pk])


def selected(html: str, name: str) -> str:
    """The label of the option chosen in the select `name`."""
    select = html[html.index(f'name="{name}"') :]
    select = select[: select.index("</select>")]
    chosen = re.search(r"<option [^>]*selected[^>]*>([^<]*)</option>", select)
    return unescape(chosen.group(1)) if chosen else ""


def leave(person, how: str) -> None:
    if how == "deactivated":
        person.is_active = False
    else:
        person.role, person.agency = Role.ADMINISTRATOR, None
    person.save()


@pytest.mark.parametrize("how", ["deactivated", "administrator"])
def test_saving_the_plan_for_something_else_keeps_the_lead_officer_who_left(
    client, audit, qa_manager, lead_officer, how
):
    leave(lead_officer, how)
    client.force_login(qa_manager)
    why = "account deactivated" if how == "deactivated" else "now an administrator"
    html = client.get(plan_url(audit)).content.decode()
    assert selected(html, "lead_officer") == f"{lead_officer} (can no longer lead: {why})"

    data = admin_form_data(client, plan_url(audit))
    data["what_next"] = "Briefing to the board in June"
    response = client.post(plan_url(audit), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Audit.objects.get(pk=audit.pk)
    assert saved.what_next == "Briefing to the board in June"
    assert saved.lead_officer == lead_officer  # not erased
    assert "cannot lead this audit any more" in " ".join(client.get(plan_url(audit)).content.decode().split())


def test_another_lead_officer_is_chosen_as_before_and_another_leaver_is_not_offered(
    client, audit, qa_manager, lead_officer, other_lead
):
    leave(lead_officer, "deactivated")
    gone = UserFactory(username="gone.too", agency=other_lead.agency, role=Role.MANAGER, is_active=False)
    client.force_login(qa_manager)
    data = admin_form_data(client, plan_url(audit))
    refused = client.post(plan_url(audit), data | {"lead_officer": gone.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert client.post(plan_url(audit), data | {"lead_officer": other_lead.pk}).status_code == 302
    assert Audit.objects.get(pk=audit.pk).lead_officer == other_lead
    html = client.get(plan_url(audit)).content.decode()
    assert f'value="{lead_officer.pk}"' not in html.split('name="lead_officer"')[1].split("</select>")[0]


def test_a_closed_audits_lead_officer_never_changes_in_its_plan(client, audit, qa_manager, lead_officer, other_lead):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.CLOSED)
    leave(lead_officer, "deactivated")
    client.force_login(qa_manager)
    data = admin_form_data(client, plan_url(audit))
    assert "lead_officer" not in data  # shown, not a list to choose from
    data["what_next"] = "Reviewed a year on"
    assert client.post(plan_url(audit), data).status_code == 302
    assert client.post(plan_url(audit), data | {"lead_officer": other_lead.pk}).status_code == 302
    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.what_next, saved.lead_officer) == ("Reviewed a year on", lead_officer)
    assert "cannot lead this audit" not in client.get(plan_url(audit)).content.decode()


def test_saving_a_plan_in_planning_keeps_the_auditors_who_left_or_moved(
    client, audit, qa_manager, auditor, other_auditor, agency_a, agency_b
):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLANNING)
    auditor.is_active = False
    auditor.save()
    other_auditor.agency = AgencyFactory(name="Moved to")
    other_auditor.save()
    client.force_login(qa_manager)
    data = admin_form_data(client, plan_url(audit))
    html = client.get(plan_url(audit)).content.decode()
    a_row = row_of(data, AuditAgency.objects.get(audit=audit, agency=agency_a).pk, "participants")
    b_row = row_of(data, AuditAgency.objects.get(audit=audit, agency=agency_b).pk, "participants")
    assert selected(html, f"{a_row}-auditor") == (
        f"{auditor} ({agency_a}) (can no longer audit for it: account deactivated)"
    )
    assert selected(html, f"{b_row}-auditor") == (
        f"{other_auditor} (Moved to) (can no longer audit for it: no longer works for this agency)"
    )
    data["what_next"] = "Part A in March"
    response = client.post(plan_url(audit), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert dict(audit.participants.values_list("agency_id", "auditor_id")) == {
        agency_a.pk: auditor.pk,
        agency_b.pk: other_auditor.pk,
    }
    # Naming one who cannot audit for the agency, who was not its auditor, is still refused.
    data = admin_form_data(client, plan_url(audit))
    gone = UserFactory(username="gone", agency=agency_a, is_active=False)
    for person, said in ((other_auditor, "works for Moved to, not"), (gone, "Select a valid choice")):
        refused = client.post(plan_url(audit), data | {f"{a_row}-auditor": person.pk})
        assert refused.status_code == 200
        assert said in unescape(refused.content.decode())
    assert audit.participants.get(agency=agency_a).auditor == auditor


def test_the_plan_reads_as_many_queries_whoever_left(client, audit, qa_manager, lead_officer, auditor):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLANNING)
    client.force_login(qa_manager)
    client.get(plan_url(audit))  # sessions, content types: cached

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(plan_url(audit)).status_code == 200
        return len(queries)

    able = count()
    leave(lead_officer, "deactivated")
    auditor.is_active = False
    auditor.save()
    assert count() == able


def test_a_page_opened_before_somebody_named_another_lead_officer_keeps_theirs(
    client, audit, qa_manager, lead_officer, other_lead
):
    leave(lead_officer, "deactivated")
    url = plan_url(audit)
    client.force_login(qa_manager)
    before = admin_form_data(client, url)  # shows the leaver, chosen
    assert before["lead_officer"] == lead_officer.pk
    assert client.post(url, admin_form_data(client, url) | {"lead_officer": other_lead.pk}).status_code == 302
    response = client.post(url, before | {"what_next": "A briefing in June"})
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.lead_officer, saved.what_next) == (other_lead, "A briefing in June")


def test_a_page_opened_before_somebody_named_another_auditor_keeps_theirs(
    client, audit, qa_manager, auditor, colleague, agency_a
):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLANNING)
    auditor.is_active = False
    auditor.save()
    url = plan_url(audit)
    client.force_login(qa_manager)
    before = admin_form_data(client, url)
    row = row_of(before, AuditAgency.objects.get(audit=audit, agency=agency_a).pk, "participants")
    assert before[f"{row}-auditor"] == auditor.pk
    assert client.post(url, admin_form_data(client, url) | {f"{row}-auditor": colleague.pk}).status_code == 302
    response = client.post(url, before | {"what_next": "Part A in March"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert audit.participants.get(agency=agency_a).auditor == colleague
    assert Audit.objects.get(pk=audit.pk).what_next == "Part A in March"
