"""Changing an agency's named auditor after Planning (audits/services/participants.py).

`audit` (conftest.py) is in Part A: agency A (Police) named `auditor`, whose colleague in the
agency, `colleague`, takes over in these tests.
"""

import json
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.html import escape

from agencies.middleware import AUTH_AT, RENEWED_AT
from agencies.models import AccessAction, AccessRecord, OutboxMessage, Role
from agencies.tests.factories import AdministratorFactory, UserFactory
from audits.access import get_board_audit
from audits.models import AuditAgency, AuditStatus, PartAReturn, ReturnStatus
from audits.selectors.parta import my_returns_for, return_role, tool_layout
from audits.services.parta import return_autosave
from audits.services.participants import email_new_auditor, participant_auditor_change
from audits.tests.partb_support import complete_return
from conftest import CAST

pytestmark = pytest.mark.django_db


def named(audit, agency):
    return AuditAgency.objects.get(audit=audit, agency=agency).auditor


def change_url(audit, agency) -> str:
    return reverse("audits:participant_auditor", args=[audit.slug, agency.pk])


def set_status(audit, status) -> None:
    audit.status = status
    audit.save(update_fields=["status"])


@pytest.fixture
def draft(audit, agency_a, auditor):
    """Agency A's return for Case 1, a draft the first auditor saved."""
    ret = PartAReturn.objects.get(audit=audit, agency=agency_a, case__reference="Case 1")
    return_autosave(
        user=auditor,
        ret=ret,
        layout=tool_layout(ret.tool_version),
        based_on_version=0,
        changes={"strengths": "Quick referral to children's services."},
    )
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.DRAFT
    return ret


# --- The service -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [AuditStatus.PART_A, AuditStatus.PART_B])
@pytest.mark.parametrize("who", ["qa_manager", "lead_officer"])
def test_changes_the_auditor_in_part_a_and_part_b(cast, audit, agency_a, auditor, colleague, status, who):
    set_status(audit, status)

    participant = participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=cast[who])

    assert participant.auditor == colleague and named(audit, agency_a) == colleague
    [record] = AccessRecord.objects.filter(action=AccessAction.CHANGE, object_type="audits.auditagency")
    assert record.user == cast[who] and record.object_id == str(participant.pk)
    assert record.summary == "Auditor for Police changed: auditor.a → colleague.a"
    assert OutboxMessage.objects.filter(task="audits.tasks.notify_new_auditor").count() == 1


@pytest.mark.parametrize(
    "status,says",
    [
        (AuditStatus.PLANNING, "set in Planning"),
        (AuditStatus.REPORTING, "only while the audit is in Part A or Part B"),
        (AuditStatus.CLOSED, "only while the audit is in Part A or Part B"),
    ],
)
def test_refused_in_planning_reporting_and_closed(qa_manager, audit, agency_a, auditor, colleague, status, says):
    set_status(audit, status)

    with pytest.raises(ValidationError) as refused:
        participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    assert says in " ".join(refused.value.messages)
    assert named(audit, agency_a) == auditor
    assert not AccessRecord.objects.filter(action=AccessAction.CHANGE).exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("who", ["other_lead", "auditor", "colleague", "manager", "administrator"])
def test_only_the_qa_manager_and_the_audits_lead_officer_change_it(cast, audit, agency_a, auditor, colleague, who):
    with pytest.raises(PermissionDenied):
        participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=cast[who])
    assert named(audit, agency_a) == auditor


def _refusal(qa_manager, audit, agency, person) -> str:
    with pytest.raises(ValidationError) as refused:
        participant_auditor_change(audit=audit, agency=agency, auditor=person, user=qa_manager)
    return " ".join(refused.value.message_dict["auditor"])


def test_the_new_auditor_must_work_for_the_agency(qa_manager, audit, agency_a, auditor, other_auditor):
    assert "does not work for Sussex Police" in _refusal(qa_manager, audit, agency_a, other_auditor)
    assert named(audit, agency_a) == auditor


def test_the_new_auditor_must_be_active(qa_manager, audit, agency_a, auditor, colleague):
    colleague.is_active = False
    colleague.save()
    assert "not active" in _refusal(qa_manager, audit, agency_a, colleague)
    assert named(audit, agency_a) == auditor


def test_the_new_auditor_is_agency_staff_not_an_administrator(qa_manager, audit, agency_a, auditor):
    it_person = AdministratorFactory(username="it.police", agency=agency_a)
    assert "managers or practitioners" in _refusal(qa_manager, audit, agency_a, it_person)
    assert named(audit, agency_a) == auditor


def test_naming_the_same_auditor_again_is_refused(qa_manager, audit, agency_a, auditor):
    assert "already" in _refusal(qa_manager, audit, agency_a, auditor)
    assert not AccessRecord.objects.filter(action=AccessAction.CHANGE).exists()


def test_an_agency_not_in_the_audit_is_refused(qa_manager, audit, agency_c, manager):
    with pytest.raises(ValidationError, match="not part of this audit"):
        participant_auditor_change(audit=audit, agency=agency_c, auditor=manager, user=qa_manager)


def test_an_agency_without_an_auditor_can_be_given_one(qa_manager, audit, agency_a, colleague):
    AuditAgency.objects.filter(audit=audit, agency=agency_a).update(auditor=None)
    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    assert named(audit, agency_a) == colleague
    assert AccessRecord.objects.get(action=AccessAction.CHANGE).summary.endswith("(none) → colleague.a")


# --- The returns go with the assignment --------------------------------------------------------


def test_the_returns_stay_as_they_are_and_pass_to_the_new_auditor(
    qa_manager, audit, agency_a, auditor, colleague, draft
):
    before = PartAReturn.objects.filter(audit=audit, agency=agency_a).values("pk", "status", "version", "strengths")
    before = list(before.order_by("pk"))
    assert not return_role(colleague, draft).can_edit_answers

    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    after = PartAReturn.objects.filter(audit=audit, agency=agency_a).values("pk", "status", "version", "strengths")
    assert list(after.order_by("pk")) == before  # drafts included: nothing copied, cleared or moved
    draft = PartAReturn.objects.select_related("audit").get(pk=draft.pk)
    new, old = return_role(colleague, draft), return_role(auditor, draft)
    assert new.can_edit_answers and new.can_read_history
    assert not old.is_auditor and not old.can_edit_answers and not old.can_read_history
    assert {r.pk for r in my_returns_for(colleague)} == {r["pk"] for r in before}
    assert my_returns_for(auditor) == []


def test_the_new_auditor_continues_the_draft_and_the_old_one_is_refused(
    client, qa_manager, audit, agency_a, auditor, colleague, draft
):
    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    autosave = reverse("audits:return_autosave", args=[draft.pk])
    history = reverse("audits:return_history", args=[draft.pk])

    client.force_login(auditor)
    body = json.dumps({"version": draft.version, "fields": {"strengths": "Old auditor's change"}})
    assert client.post(autosave, body, content_type="application/json").status_code == 403
    assert client.get(history).status_code == 403
    # Still a member of the agency: reads its returns as any colleague may.
    assert client.get(reverse("audits:return_detail", args=[draft.pk])).status_code == 200

    client.force_login(colleague)
    assert client.get(history).status_code == 200
    body = json.dumps({"version": draft.version, "fields": {"strengths": "Continued by the new auditor."}})
    assert client.post(autosave, body, content_type="application/json").status_code == 200
    draft.refresh_from_db()
    assert draft.strengths == "Continued by the new auditor." and draft.last_saved_by == colleague


def test_in_part_b_the_evidence_board_goes_to_the_new_auditor(
    qa_manager, audit, agency_a, agency_b, auditor, colleague
):
    theirs = PartAReturn.objects.get(audit=audit, agency=agency_b, case__reference="Case 1")
    complete_return(theirs)
    set_status(audit, AuditStatus.PART_B)
    assert get_board_audit(auditor, audit.slug) == (audit, False)

    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    assert get_board_audit(colleague, audit.slug) == (audit, False)
    with pytest.raises(Http404):
        get_board_audit(auditor, audit.slug)
    # Another agency's submitted return, as the board shows it: the new auditor's to read, no longer the old one's.
    assert PartAReturn.objects.visible_to(colleague).filter(pk=theirs.pk).exists()
    assert not PartAReturn.objects.visible_to(auditor).filter(pk=theirs.pk).exists()


# --- The e-mail --------------------------------------------------------------------------------


def test_the_new_auditor_is_emailed_with_a_link_to_their_returns(
    qa_manager, audit, agency_a, colleague, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    [message] = [m for m in mail.outbox if m.to == [colleague.email]]  # the one replaced is told too
    assert "Sussex Police" in message.subject and audit.title in message.subject
    assert "2 returns are not submitted yet" in message.body
    assert f"{settings.SITE_URL}{reverse('audits:my_returns')}" in message.body


def test_no_email_for_someone_replaced_before_it_went(qa_manager, audit, agency_a, auditor, colleague):
    participant = participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)
    participant_auditor_change(audit=audit, agency=agency_a, auditor=auditor, user=qa_manager)

    assert email_new_auditor(participant_id=participant.pk, auditor_id=colleague.pk) is False
    assert email_new_auditor(participant_id=participant.pk, auditor_id=auditor.pk) is True
    assert [m.to for m in mail.outbox] == [[auditor.email]]


# --- What the new auditor meets when signed in -------------------------------------------------


def test_a_signed_in_new_auditor_reaches_their_returns_at_once_and_the_menu_follows(
    client, qa_manager, audit, agency_a, colleague, settings
):
    """The menu's "named auditor?" is kept in the session (agencies.selectors.navigation_capabilities)
    and catches up at the next renewal, within SESSION_RENEW_SECONDS. Until then the new auditor still
    gets there: the home page reads the assignment itself, and My returns (the e-mail's link) is open."""
    client.force_login(colleague)
    my_returns = reverse("audits:my_returns")
    menu_link = f'class="nav-link" href="{my_returns}"'
    assert menu_link not in client.get(reverse("briefings:library")).content.decode()

    participant_auditor_change(audit=audit, agency=agency_a, auditor=colleague, user=qa_manager)

    assert menu_link not in client.get(reverse("briefings:library")).content.decode()  # not yet
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == my_returns
    html = client.get(my_returns).content.decode()
    for ret in PartAReturn.objects.filter(audit=audit, agency=agency_a):
        assert reverse("audits:return_detail", args=[ret.pk]) in html

    session = client.session
    session[RENEWED_AT] = time.time() - settings.SESSION_RENEW_SECONDS - 1
    session.save()
    assert menu_link in client.get(reverse("briefings:library")).content.decode()


# --- The page ----------------------------------------------------------------------------------

ALLOWED = {"qa_manager", "lead_officer"}


@pytest.mark.parametrize("status", [AuditStatus.PART_A, AuditStatus.PART_B])
@pytest.mark.parametrize("who", CAST)
def test_the_page_against_the_cast(client_for, cast, audit, other_audit, agency_a, auditor, colleague, who, status):
    set_status(audit, status)
    client = client_for(who)
    url = change_url(audit, agency_a)
    refused_before = AccessRecord.objects.filter(action=AccessAction.REFUSED).count()

    got, posted = client.get(url), client.post(url, {"auditor": colleague.pk})

    if who == "anonymous":
        assert got.url.startswith(reverse("login")) and posted.url.startswith(reverse("login"))
        assert named(audit, agency_a) == auditor
    elif who in ALLOWED:
        assert got.status_code == 200
        assert posted.status_code == 302 and posted["Location"] == reverse("audits:dashboard", args=[audit.slug])
        assert named(audit, agency_a) == colleague
    else:
        assert (got.status_code, posted.status_code) == (404, 404)
        assert named(audit, agency_a) == auditor
        refused = AccessRecord.objects.filter(action=AccessAction.REFUSED).count() - refused_before
        assert refused == 2


def test_the_page_lists_the_agencys_other_active_staff(client, qa_manager, audit, agency_a, auditor, colleague):
    UserFactory(username="gone.a", agency=agency_a, is_active=False)
    UserFactory(username="sergeant.a", agency=agency_a, role=Role.MANAGER, job_title="Detective Sergeant")
    AdministratorFactory(username="it.police", agency=agency_a)
    client.force_login(qa_manager)

    response = client.get(change_url(audit, agency_a))

    people = {u.username for u in response.context["form"].fields["auditor"].queryset}
    assert people == {"colleague.a", "sergeant.a"}  # not the auditor now, the inactive one, IT, other agencies
    html = response.content.decode()
    assert "(sergeant.a), Detective Sergeant" in html
    assert f"Auditor now: {escape(str(auditor))}" in html


def test_a_change_says_so_on_the_dashboard(client, qa_manager, audit, agency_a, colleague):
    client.force_login(qa_manager)
    response = client.post(change_url(audit, agency_a), {"auditor": colleague.pk}, follow=True)
    assert f"{escape(str(colleague))} is now the auditor for Sussex Police" in response.content.decode()


def test_someone_not_listed_is_refused_next_to_the_field(client, qa_manager, audit, agency_a, auditor, other_auditor):
    client.force_login(qa_manager)
    response = client.post(change_url(audit, agency_a), {"auditor": other_auditor.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["auditor"] == ["Choose one of the people listed."]
    assert 'aria-invalid="true"' in response.content.decode()
    assert named(audit, agency_a) == auditor


@pytest.mark.parametrize("status", [AuditStatus.REPORTING, AuditStatus.CLOSED])
def test_after_part_b_the_page_says_why_and_a_post_is_refused(
    client, qa_manager, audit, agency_a, auditor, colleague, status
):
    set_status(audit, status)
    client.force_login(qa_manager)
    page = client.get(change_url(audit, agency_a))
    assert page.status_code == 200
    assert "only while the audit is in Part A or Part B" in page.content.decode()
    assert "<select" not in page.content.decode()
    response = client.post(change_url(audit, agency_a), {"auditor": colleague.pk})
    assert response.status_code == 409
    assert named(audit, agency_a) == auditor


def test_in_planning_the_page_points_to_planning(client, qa_manager, audit, agency_a):
    set_status(audit, AuditStatus.PLANNING)
    client.force_login(qa_manager)
    html = client.get(change_url(audit, agency_a)).content.decode()
    assert "set in Planning" in html
    assert reverse("admin:audits_audit_change", args=[audit.pk]) in html


def test_an_agency_not_in_the_audit_is_404(client, qa_manager, audit, agency_c):
    client.force_login(qa_manager)
    assert client.get(change_url(audit, agency_c)).status_code == 404


def test_an_old_sign_in_is_asked_for_the_password_first(
    client, qa_manager, audit, agency_a, auditor, colleague, settings
):
    client.force_login(qa_manager)
    client.get(reverse("audits:audit_list"))
    session = client.session
    session[AUTH_AT] = time.time() - settings.RECENT_LOGIN_SECONDS - 1
    session.save()

    response = client.post(change_url(audit, agency_a), {"auditor": colleague.pk})

    assert response.status_code == 302 and response["Location"].startswith(reverse("reauthenticate"))
    assert named(audit, agency_a) == auditor


@pytest.mark.parametrize(
    "status,shown",
    [
        (AuditStatus.PLANNING, False),
        (AuditStatus.PART_A, True),
        (AuditStatus.PART_B, True),
        (AuditStatus.REPORTING, False),
        (AuditStatus.CLOSED, False),
    ],
)
def test_the_dashboard_links_each_agency_to_the_page_while_it_can_change(
    client, lead_officer, audit, agency_a, agency_b, status, shown
):
    set_status(audit, status)
    client.force_login(lead_officer)
    html = client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()
    for agency in (agency_a, agency_b):
        assert (f'href="{change_url(audit, agency)}"' in html) is shown
    if shown:
        assert 'Change auditor<span class="visually-hidden"> (Sussex Police)</span>' in html
