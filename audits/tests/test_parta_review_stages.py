"""Reviewing a return follows the audit's stage: it is returned for amendment or unlocked only while
Part A is open (the auditor cannot amend it afterwards), and accepted during Part A or Part B only."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import Partnership
from audits.models import Audit, AuditStatus, ReturnStatus
from audits.services.parta import InvalidTransition, return_accept, return_send_back, return_unlock
from audits.tests.parta_support import load

AFTER_PART_A = [AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED]
AFTER_PART_B = [AuditStatus.REPORTING, AuditStatus.CLOSED]


@pytest.fixture(autouse=True)
def partnership(db):
    return Partnership.load()


@pytest.fixture
def accepted(submitted, qa_manager):
    return_accept(user=qa_manager, ret=submitted, based_on_version=submitted.version)
    return load(submitted.pk)


def move(audit, status: str) -> None:
    Audit.objects.filter(pk=audit.pk).update(status=status)


# --- Services ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", AFTER_PART_A)
def test_send_back_only_while_part_a_is_open(
    qa_manager, lead_officer, audit, submitted, status, django_capture_on_commit_callbacks
):
    move(audit, status)
    for user in (qa_manager, lead_officer):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition) as refused:
            return_send_back(user=user, ret=load(submitted.pk), based_on_version=submitted.version, comment="Amend")
        assert "only while Part A is open" in refused.value.message
    saved = load(submitted.pk)
    assert (saved.status, saved.version, saved.amendment_comment) == (ReturnStatus.SUBMITTED, submitted.version, "")
    assert mail.outbox == []


@pytest.mark.parametrize("status", AFTER_PART_A)
def test_unlock_only_while_part_a_is_open(qa_manager, audit, accepted, status, django_capture_on_commit_callbacks):
    move(audit, status)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition) as refused:
        return_unlock(user=qa_manager, ret=load(accepted.pk), based_on_version=accepted.version, reason="Fix it")
    assert "only while Part A is open" in refused.value.message
    saved = load(accepted.pk)
    assert (saved.status, saved.version) == (ReturnStatus.ACCEPTED, accepted.version)
    assert saved.accepted_at is not None
    assert mail.outbox == []  # the auditor is not asked to amend what they cannot edit


@pytest.mark.parametrize("status", AFTER_PART_B)
def test_accept_not_after_part_b(lead_officer, audit, submitted, status):
    move(audit, status)
    with pytest.raises(InvalidTransition) as refused:
        return_accept(user=lead_officer, ret=load(submitted.pk), based_on_version=submitted.version)
    assert "only during Part A or Part B" in refused.value.message
    assert load(submitted.pk).status == ReturnStatus.SUBMITTED


def test_a_late_return_is_accepted_during_part_b(lead_officer, audit, submitted):
    move(audit, AuditStatus.PART_B)
    return_accept(user=lead_officer, ret=load(submitted.pk), based_on_version=submitted.version)
    assert load(submitted.pk).status == ReturnStatus.ACCEPTED


def test_all_three_still_work_in_part_a(qa_manager, submitted):
    return_send_back(user=qa_manager, ret=submitted, based_on_version=submitted.version, comment="Amend")
    assert load(submitted.pk).status == ReturnStatus.RETURNED


# --- The review page ------------------------------------------------------------------------------------


def review(client, ret, action, **data):
    url = reverse("audits:return_review", args=[ret.pk])
    return client.post(url, {"action": action, "version": str(load(ret.pk).version), **data})


@pytest.mark.parametrize("status", AFTER_PART_B)
def test_the_review_page_says_why_nothing_can_be_done_after_part_b(client_for, audit, submitted, status):
    move(audit, status)
    client = client_for("lead_officer")
    html = client.get(reverse("audits:return_review", args=[submitted.pk])).content.decode()
    assert 'data-testid="review-stage-note"' in html
    assert "Return for amendment</button>" not in html and "Accept return</button>" not in html
    for action in ("send_back", "accept"):
        response = review(client, submitted, action, comment="Please amend")
        assert response.status_code == 409, action  # the page again, with the reason, not an error page
        page = response.content.decode()
        assert "Nothing was changed" in page and 'data-testid="review-panel"' in page
    assert load(submitted.pk).status == ReturnStatus.SUBMITTED


def test_in_part_b_the_review_page_offers_accept_only(client_for, audit, submitted):
    move(audit, AuditStatus.PART_B)
    client = client_for("qa_manager")
    html = client.get(reverse("audits:return_review", args=[submitted.pk])).content.decode()
    assert "Accept return</button>" in html and "Return for amendment</button>" not in html
    response = review(client, submitted, "send_back", comment="Please amend")
    assert response.status_code == 409
    assert "only while Part A is open" in response.content.decode()
    assert review(client, submitted, "accept").status_code == 302
    assert load(submitted.pk).status == ReturnStatus.ACCEPTED


@pytest.mark.parametrize("status", AFTER_PART_A)
def test_unlocking_in_a_later_stage_is_refused_on_the_page(client_for, audit, accepted, status):
    move(audit, status)
    client = client_for("qa_manager")
    html = client.get(reverse("audits:return_review", args=[accepted.pk])).content.decode()
    assert "Unlock and return to the auditor</button>" not in html
    response = review(client, accepted, "unlock", comment="Graded the wrong case")
    assert response.status_code == 409
    assert "only while Part A is open" in response.content.decode()
    assert load(accepted.pk).status == ReturnStatus.ACCEPTED
    assert mail.outbox == []
