"""Planning's audit page saved twice at the same moment, or from a page opened before somebody else saved it
(another QA manager, the same one's other tab): the second save waits for the first and sees it; neither
undoes the other unseen, nor e-mails everyone a change twice."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.tests.factories import UserFactory
from audits.models import Audit, AuditStatus, PartAReturn
from audits.services.partb import audit_transition
from audits.tests.admin_support import opened, page_text, row_of
from audits.tests.concurrency_support import at_once
from audits.tests.factories import make_tool_version

TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=10)


def page(user, audit) -> tuple[Client, str, dict]:
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    client, data = opened(user, url)
    return client, url, data


@pytest.mark.django_db(transaction=True)
def test_two_due_dates_saved_at_once_keep_one_and_refuse_the_other_telling_people_once(audit, qa_manager):
    assert connection.vendor == "postgresql"  # about its row locks
    Audit.objects.filter(pk=audit.pk).update(part_a_due=DUE)
    # Two tabs opened on the same plan; each moves Part A's due date, to a different day.
    tabs = {name: page(qa_manager, audit) for name in ("first", "second")}
    days = {"first": DUE + datetime.timedelta(days=7), "second": DUE + datetime.timedelta(days=14)}

    def save(name):
        client, url, data = tabs[name]
        return lambda: client.post(url, data | {"part_a_due": days[name].isoformat()})

    outcomes = at_once({name: save(name) for name in tabs})
    codes = sorted(response.status_code for response in outcomes.values())
    assert codes == [200, 302], outcomes
    [saved] = [name for name, response in outcomes.items() if response.status_code == 302]
    [refused] = [response for response in outcomes.values() if response.status_code == 200]
    assert "Changed by somebody else since you opened this page" in page_text(refused)
    assert Audit.objects.get(pk=audit.pk).part_a_due == days[saved]
    assert OutboxMessage.objects.filter(task="audits.tasks.notify_plan_changed").count() == 1


def posted_again(response) -> dict:
    """The refused page's form posted again as it now shows it (what was typed, and its hidden markers)."""
    data = dict(response.context["adminform"].form.data.items())
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            data[form.add_prefix("shown")] = form["shown"].value()
            data[form.add_prefix("id")] = form["id"].value() or ""
    return data


@pytest.fixture
def planning(audit) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLANNING)
    return Audit.objects.get(pk=audit.pk)


def row(data: dict, prefix: str, pk: int) -> str:
    return row_of(data, pk, prefix)


@pytest.mark.django_db
def test_a_page_opened_before_another_changed_an_auditor_keeps_their_auditor(
    planning, qa_manager, agency_a, auditor, colleague
):
    police = planning.participants.get(agency=agency_a)
    _, url, mine = page(qa_manager, planning)
    # Somebody else (another QA manager) names Police's other person as its auditor, from their own page.
    client, _, theirs = page(qa_manager, planning)
    theirs[f"{row(theirs, 'participants', police.pk)}-auditor"] = colleague.pk
    assert client.post(url, theirs).status_code == 302
    # The page opened before saves something else: the auditor they named stays.
    response = client.post(url, mine | {"title": "CSE audit 2026"})
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.auditor == colleague
    assert Audit.objects.get(pk=planning.pk).title == "CSE audit 2026"


@pytest.mark.django_db
def test_a_page_opened_before_another_changed_a_case_keeps_their_reference(planning, qa_manager):
    case = planning.cases.get(reference="Case 2")
    _, url, mine = page(qa_manager, planning)
    client, _, theirs = page(qa_manager, planning)
    theirs[f"{row(theirs, 'cases', case.pk)}-reference"] = "Case 12"
    assert client.post(url, theirs).status_code == 302
    assert client.post(url, mine | {"title": "CSE audit 2026"}).status_code == 302
    case.refresh_from_db()
    assert case.reference == "Case 12"


@pytest.mark.django_db
def test_the_same_auditor_changed_on_both_pages_is_refused_with_theirs_then_saved_again_on_purpose(
    planning, qa_manager, agency_a, auditor, colleague
):
    third = UserFactory(username="third.a", agency=agency_a)
    police = planning.participants.get(agency=agency_a)
    client, url, mine = page(qa_manager, planning)
    _, _, theirs = page(qa_manager, planning)
    key = f"{row(theirs, 'participants', police.pk)}-auditor"
    assert client.post(url, theirs | {key: colleague.pk}).status_code == 302
    response = client.post(url, mine | {key: third.pk, "title": "CSE audit 2026"})
    assert response.status_code == 200
    assert f"Changed by somebody else since you opened this page: it is now {colleague}" in page_text(response)
    police.refresh_from_db()
    assert police.auditor == colleague and Audit.objects.get(pk=planning.pk).title == "CSE audit"
    # What was typed is kept on the page, which now knows the row as stored: saving it again is deliberate.
    again = posted_again(response)
    assert again[key] == str(third.pk) and again["title"] == "CSE audit 2026"
    assert client.post(url, again).status_code == 302
    police.refresh_from_db()
    assert police.auditor == third


@pytest.mark.django_db
def test_the_history_does_not_say_the_page_opened_before_changed_what_it_kept(
    planning, qa_manager, agency_a, colleague
):
    police = planning.participants.get(agency=agency_a)
    _, url, mine = page(qa_manager, planning)
    client, _, theirs = page(qa_manager, planning)
    theirs[f"{row(theirs, 'participants', police.pk)}-auditor"] = colleague.pk
    assert client.post(url, theirs).status_code == 302
    assert client.post(url, mine | {"title": "CSE audit 2026"}).status_code == 302
    latest = LogEntry.objects.filter(object_id=str(planning.pk)).order_by("-pk").first()
    assert "Auditor" not in latest.get_change_message() and "Title" in latest.get_change_message()


def new_case(data: dict, reference: str) -> dict:
    """`data` with one more case row, as 'Add another case' adds it."""
    n = int(data["cases-TOTAL_FORMS"])
    return data | {
        "cases-TOTAL_FORMS": n + 1,
        f"cases-{n}-reference": reference,
        f"cases-{n}-order": 3,
        f"cases-{n}-age_band": "13_15",
        f"cases-{n}-gender": "female",
    }


@pytest.mark.django_db
def test_a_case_added_on_a_page_opened_before_part_a_opened_is_refused_not_dropped(planning, qa_manager):
    client, url, mine = page(qa_manager, planning)
    audit_transition(user=qa_manager, audit=planning, to_status=AuditStatus.PART_A)
    response = client.post(url, new_case(mine, "Case 3") | {"title": "CSE audit 2026"})
    assert response.status_code == 200
    said = page_text(response)
    assert "While you had this page open, the audit moved on from Planning to Part A open (by" in said
    assert "Nothing was saved" in said and "the case “Case 3” added" in said
    assert not planning.cases.filter(reference="Case 3").exists()
    assert Audit.objects.get(pk=planning.pk).title == "CSE audit"
    # Saved again from the page as it now is (its agencies and cases shown read-only), the rest is saved.
    again = dict(response.context["adminform"].form.data.items())
    assert client.post(url, again).status_code == 302
    assert Audit.objects.get(pk=planning.pk).title == "CSE audit 2026"


@pytest.mark.django_db
def test_an_auditor_changed_on_a_page_opened_before_part_a_opened_is_refused_not_dropped(
    planning, qa_manager, agency_a, colleague
):
    police = planning.participants.get(agency=agency_a)
    client, url, mine = page(qa_manager, planning)
    audit_transition(user=qa_manager, audit=planning, to_status=AuditStatus.PART_A)
    key = f"{row(mine, 'participants', police.pk)}-auditor"
    response = client.post(url, mine | {key: colleague.pk})
    assert response.status_code == 200
    assert f"Nothing was saved: not the changes to the agency “{police.agency}”" in page_text(response)
    police.refresh_from_db()
    assert police.auditor != colleague


@pytest.mark.django_db
def test_the_rest_of_a_page_opened_before_part_a_opened_is_saved_when_its_rows_are_untouched(planning, qa_manager):
    client, url, mine = page(qa_manager, planning)
    audit_transition(user=qa_manager, audit=planning, to_status=AuditStatus.PART_A)
    assert client.post(url, mine | {"title": "CSE audit 2026"}).status_code == 302
    assert Audit.objects.get(pk=planning.pk).title == "CSE audit 2026"


@pytest.mark.django_db
def test_a_case_removed_by_another_meanwhile_stays_removed_when_the_page_saves_something_else(planning, qa_manager):
    client, url, mine = page(qa_manager, planning)
    planning.cases.filter(reference="Case 2").delete()  # removed from another page meanwhile
    response = client.post(url, mine | {"title": "CSE audit 2026"})
    assert response.status_code == 302, page_text(response)[-3000:]
    assert list(planning.cases.values_list("reference", flat=True)) == ["Case 1"]
    assert Audit.objects.get(pk=planning.pk).title == "CSE audit 2026"


@pytest.mark.django_db
def test_a_case_removed_by_another_meanwhile_and_changed_here_is_refused_clearly_then_saved_without_it(
    planning, qa_manager
):
    case = planning.cases.get(reference="Case 2")
    client, url, mine = page(qa_manager, planning)
    prefix = row(mine, "cases", case.pk)
    case.delete()
    response = client.post(url, mine | {f"{prefix}-reference": "Case 12", "title": "CSE audit 2026"})
    assert response.status_code == 200
    said = page_text(response)
    assert "The case in row 2 was removed by somebody else after you opened this page: nothing was saved" in said
    assert "Select a valid choice" not in said
    assert list(planning.cases.values_list("reference", flat=True)) == ["Case 1"]
    # Saved again from there, the rest of the page is saved, without the row removed.
    again = posted_again(response)
    assert (
        again[f"{prefix}-id"] == "" and again[f"{prefix}-reference"] == "Case 12"
    )  # the page no longer names the row removed
    response = client.post(url, again)
    assert response.status_code == 302, [
        (i.formset.errors, i.formset.non_form_errors()) for i in response.context["inline_admin_formsets"]
    ] + [response.context["adminform"].form.errors]
    assert list(planning.cases.values_list("reference", flat=True)) == ["Case 1"]
    assert Audit.objects.get(pk=planning.pk).title == "CSE audit 2026"


@pytest.mark.django_db
def test_a_page_opened_before_another_chose_another_tool_keeps_their_tool_and_the_returns_with_it(planning, qa_manager):
    other = make_tool_version(standards=2, sections=1)
    _, url, mine = page(qa_manager, planning)
    client, _, theirs = page(qa_manager, planning)
    assert (
        client.post(url, theirs | {"tool_version": other.pk, "scope_question": "Are children heard?"}).status_code
        == 302
    )
    assert client.post(url, mine | {"title": "CSE audit 2026"}).status_code == 302
    audit = Audit.objects.get(pk=planning.pk)
    assert (audit.tool_version, audit.scope_question, audit.title) == (other, "Are children heard?", "CSE audit 2026")
    assert set(PartAReturn.objects.filter(audit=audit).values_list("tool_version", flat=True)) == {other.pk}


@pytest.mark.django_db
def test_the_same_text_of_the_plan_changed_on_both_pages_is_refused_with_theirs(planning, qa_manager):
    client, url, mine = page(qa_manager, planning)
    _, _, theirs = page(qa_manager, planning)
    assert client.post(url, theirs | {"scope_question": "Are children heard?"}).status_code == 302
    response = client.post(url, mine | {"scope_question": "Are children seen?"})
    assert response.status_code == 200
    assert "Changed by somebody else since you opened this page: it is now Are children heard?" in page_text(response)
    assert Audit.objects.get(pk=planning.pk).scope_question == "Are children heard?"


@pytest.mark.django_db
def test_the_history_does_not_say_the_page_opened_before_changed_the_lead_officer_it_kept(
    audit, qa_manager, other_lead, django_capture_on_commit_callbacks
):
    _, url, mine = page(qa_manager, audit)
    client, _, theirs = page(qa_manager, audit)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, theirs | {"lead_officer": other_lead.pk}).status_code == 302
        assert client.post(url, mine | {"title": "CSE audit 2026"}).status_code == 302
    assert Audit.objects.get(pk=audit.pk).lead_officer == other_lead
    latest = LogEntry.objects.filter(object_id=str(audit.pk)).order_by("-pk").first()
    assert latest.get_change_message() == "Changed Title."
