"""A refusal is recorded in the access log whoever is refused (docs/permissions.md). An audit's Planning pages
(Administration → Audits: its cases' age band, gender and risk factors) refused to an administrator were
recorded (test_planning_refused_recorded.py), but a manager, a practitioner or an auditor who opened the same
address was sent to the admin's sign-in form with no record of it: the site does not admit them at all, so
AuditAdmin never saw the request. So was any other Administration page, the access log itself, and an agency's
id that is not one of an audit's tried on its chase and change-of-auditor addresses."""

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.selectors import access_records_matching

pytestmark = pytest.mark.django_db


def refusals(user):
    return list(AccessRecord.objects.filter(action=AccessAction.REFUSED, user=user))


@pytest.mark.parametrize("who", ["lead_officer", "colleague", "auditor"])
@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_an_audits_planning_page_refused_to_any_role_is_recorded(request, client, audit, who, page):
    person = request.getfixturevalue(who)  # the audit's lead officer (a manager), a practitioner, its auditor
    client.force_login(person)
    url = reverse(f"admin:audits_audit_{page}", args=[audit.pk])

    response = client.get(url)

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    [record] = refusals(person)
    assert (record.object_type, record.object_id, record.audit_id) == ("audits.audit", str(audit.pk), audit.pk)
    assert record.summary == "Planning of audit cse-audit"
    assert record.path == url
    assert record in access_records_matching(audit=audit)


def test_a_post_to_a_planning_page_refused_is_recorded_and_changes_nothing(client, audit, lead_officer):
    client.force_login(lead_officer)

    client.post(reverse("admin:audits_audit_change", args=[audit.pk]), {"title": "Renamed"})

    assert [r.audit_id for r in refusals(lead_officer)] == [audit.pk]
    audit.refresh_from_db()
    assert audit.title == "CSE audit"


def test_the_list_of_audits_and_an_id_that_is_nobodys_are_recorded_without_an_audit(client, audit, auditor):
    client.force_login(auditor)
    client.get(reverse("admin:audits_audit_changelist"))
    client.get(reverse("admin:audits_audit_change", args=[999999]))

    first, second = sorted(refusals(auditor), key=lambda r: r.pk)
    assert (first.object_type, first.object_id, first.audit_id, first.summary) == (
        "audits.audit",
        "",
        None,
        "Planning: the audits",
    )
    assert (second.object_type, second.object_id, second.audit_id, second.summary) == (
        "audits.audit",
        "",
        None,
        "Planning of audit 999999",
    )


def test_an_administration_page_refused_to_a_manager_is_recorded_not_to_who_is_admitted_or_signed_out(
    client, audit, lead_officer, auditor, qa_manager
):
    planning = reverse("admin:audits_audit_change", args=[audit.pk])
    assert client.get(planning).status_code == 302  # not signed in: sent to sign in, nothing refused yet
    client.force_login(qa_manager)
    assert client.get(planning).status_code == 200  # the QA manager plans
    assert not AccessRecord.objects.filter(action=AccessAction.REFUSED).exists()

    client.force_login(lead_officer)
    client.get(reverse("admin:agencies_user_change", args=[auditor.pk]))
    client.get(reverse("admin:index"))

    person, index = sorted(refusals(lead_officer), key=lambda r: r.pk)
    assert (person.object_type, person.object_id) == ("agencies.user", str(auditor.pk))
    assert person.summary.startswith("Administration: ")
    assert (index.object_type, index.summary) == ("admin", "Administration: index")
    assert AccessRecord.objects.filter(action=AccessAction.REFUSED).count() == 2


def test_the_access_log_refused_is_recorded(client, lead_officer):
    client.force_login(lead_officer)

    assert client.get(reverse("access_log")).status_code == 404

    [record] = refusals(lead_officer)
    assert (record.object_type, record.summary) == ("agencies.accessrecord", "Access log")


@pytest.mark.parametrize("view", ["audits:chase_auditor", "audits:participant_auditor"])
def test_an_agency_not_of_the_audit_is_a_refusal_naming_the_audit(client, audit, qa_manager, agency_c, view):
    client.force_login(qa_manager)
    url = reverse(view, args=[audit.slug, agency_c.pk])

    response = client.post(url) if view == "audits:chase_auditor" else client.get(url)

    assert response.status_code == 404
    [record] = refusals(qa_manager)
    assert (record.object_type, record.object_id, record.audit_id) == ("agencies.agency", str(agency_c.pk), audit.pk)
    assert "cse-audit" in record.summary


def test_a_page_of_what_an_admitted_person_may_not_see_is_recorded(client, qa_manager, auditor):
    """The QA manager is let into the admin to plan, not to read people's accounts: refused a person's page
    (403, before too), it was not recorded."""
    client.force_login(qa_manager)
    url = reverse("admin:agencies_user_change", args=[auditor.pk])

    assert client.get(url).status_code == 403

    [record] = refusals(qa_manager)
    assert (record.object_type, record.object_id, record.path) == ("agencies.user", str(auditor.pk), url)


def test_the_list_of_audits_and_a_tool_refused_to_the_administrator_are_recorded(client, administrator, audit):
    client.force_login(administrator)

    assert client.get(reverse("admin:audits_audit_changelist")).status_code == 403
    assert client.get(reverse("admin:audits_toolversion_change", args=[audit.tool_version_id])).status_code == 403

    audits, tool = sorted(refusals(administrator), key=lambda r: r.pk)
    assert (audits.object_type, audits.summary) == ("audits.audit", "Planning: the audits")
    assert (tool.object_type, tool.object_id) == ("audits.toolversion", str(audit.tool_version_id))

    # The partnership's settings are one row: adding another is refused to the administrator, who reads and
    # changes them. Nothing was hidden from them, so nothing is recorded as refused (as a deletion refused to the
    # QA manager of an audit with work: test_planning_refused_recorded.py).
    assert client.get(reverse("admin:agencies_partnership_add")).status_code == 403
    assert client.get(reverse("admin:agencies_user_changelist")).status_code == 200
    assert len(refusals(administrator)) == 2
