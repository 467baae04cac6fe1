"""What the QA review of cancelling found: the pages of a cancelled audit say what became of it."""

from __future__ import annotations

from html import unescape

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import Partnership, SupportContact
from audits.models import Audit, AuditStatus
from audits.services.partb import audit_cancel

pytestmark = pytest.mark.django_db

REASON = "Overtaken by a rapid review of the same children"


def test_the_progress_page_shows_cancelled_as_the_current_stage_not_a_life_cycle(client, audit, qa_manager):
    client.force_login(qa_manager)
    dashboard = reverse("audits:dashboard", args=[audit.slug])
    html = client.get(dashboard).content.decode()
    assert html.count('aria-current="step"') == 1 and "Reporting" in html
    audit_cancel(user=qa_manager, audit=audit, reason=REASON)
    html = client.get(dashboard).content.decode()
    stage = html.split('id="stage-heading"')[1].split("</ol>")[0]
    assert stage.count('aria-current="step"') == 1 and 'data-testid="stage-cancelled"' in stage
    assert "Reporting" not in stage


def test_the_cancel_page_says_who_reads_what_afterwards(client, audit, qa_manager):
    client.force_login(qa_manager)
    html = " ".join(client.get(reverse("audits:audit_cancel", args=[audit.slug])).content.decode().split())
    assert "the evidence boards are the QA manager's and the lead officer's only" in html


# --- The service -----------------------------------------------------------------------------------


def _publish(audit, user, edition="managers"):
    from briefings.models import Briefing, BriefingVersion, RenderStatus

    briefing = Briefing.objects.create(audit=audit, edition=edition, title="Learning from the CSE audit")
    return BriefingVersion.objects.create(briefing=briefing, number=1, status=RenderStatus.QUEUED, published_by=user)


def test_an_audit_with_a_published_briefing_is_not_cancelled_until_it_is_withdrawn(audit, qa_manager):
    # Published in Reporting, then taken back to Part B: cancelling now would leave the briefing
    # downloadable with nobody able to correct or withdraw it.
    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    version = _publish(audit, qa_manager)
    with pytest.raises(ValidationError, match=r"published briefing \(Managers' briefing version 1\)"):
        audit_cancel(user=qa_manager, audit=audit, reason=REASON)
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.PART_B
    version.withdrawn_at, version.status = timezone.now(), "done"  # as withdrawing leaves it: no file
    version.save(update_fields=["withdrawn_at", "status"])
    audit_cancel(user=qa_manager, audit=audit, reason=REASON)
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.CANCELLED


def test_the_page_says_why_with_a_published_briefing(client, audit, qa_manager):
    _publish(audit, qa_manager)
    client.force_login(qa_manager)
    response = client.post(reverse("audits:audit_cancel", args=[audit.slug]), {"reason": REASON})
    assert response.status_code == 400
    assert "Withdraw it from the audit" in " ".join(response.content.decode().split())


def test_cancelling_twice_says_it_was_already_cancelled_by_whom(client, audit, qa_manager, lead_officer):
    audit_cancel(user=lead_officer, audit=audit, reason=REASON)
    client.force_login(qa_manager)
    response = client.post(reverse("audits:audit_cancel", args=[audit.slug]), {"reason": "Again"})
    html = unescape(" ".join(response.content.decode().split()))
    assert response.status_code == 400
    assert f"This audit was already cancelled, on {timezone.localdate():%-d %B %Y} by {lead_officer}" in html


def test_the_reason_may_name_the_partnerships_own_support_line(audit, qa_manager):
    SupportContact.objects.create(partnership=Partnership.load(), name="MASH", phone="01273 290400")
    audit_cancel(user=qa_manager, audit=audit, reason="Passed to the MASH, 01273 290400, to review as one")
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.CANCELLED


def test_the_child_s_phone_number_in_the_reason_is_still_refused(audit, qa_manager):
    with pytest.raises(ValidationError, match="phone number"):
        audit_cancel(user=qa_manager, audit=audit, reason="Family moved, call 07700 900123")


def _cancelled_mail_to(capture, audit, user) -> list[str]:
    with capture(execute=True):
        audit_cancel(user=user, audit=audit, reason=REASON)
    return sorted(m.to[0] for m in mail.outbox if "Audit cancelled:" in m.subject)


def test_the_lead_officer_who_cancels_is_not_told_and_the_qa_managers_are(
    audit, lead_officer, qa_manager, auditor, other_auditor, django_capture_on_commit_callbacks
):
    told = _cancelled_mail_to(django_capture_on_commit_callbacks, audit, lead_officer)
    assert told == sorted([auditor.email, other_auditor.email, qa_manager.email])


def test_the_qa_manager_who_cancels_is_not_told_and_the_lead_officer_is(
    audit, lead_officer, qa_manager, auditor, other_auditor, django_capture_on_commit_callbacks
):
    told = _cancelled_mail_to(django_capture_on_commit_callbacks, audit, qa_manager)
    assert told == sorted([auditor.email, other_auditor.email, lead_officer.email])


# --- Consensus reasons recorded before the identifier guard -----------------------------------------


def test_a_grade_changed_alone_keeps_old_reasons_the_guard_would_flag(audit, qa_manager):
    from audits.models import CaseJudgement, Grade
    from audits.services.partb import CONSENSUS_IDENTIFIER, CONSENSUS_SAVED, ConsensusEntry, judgements_record

    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    case = audit.cases.order_by("order").first()
    low, high = Grade.objects.filter(scale_id=audit.tool_version.scale_id).order_by("rank")[:2]
    old = "Seen at the GP, 943 476 5919."
    CaseJudgement.objects.create(case=case, section=None, grade=low, reasons=old, recorded_by=qa_manager)

    [entry] = judgements_record(
        user=qa_manager,
        case=case,
        entries=[ConsensusEntry(section=None, prefix="overall", label="x", grade=high, reasons=old)],
    )
    assert entry.outcome == CONSENSUS_SAVED
    assert CaseJudgement.objects.get(case=case, section=None).grade == high
    # Reasons being written are checked.
    [entry] = judgements_record(
        user=qa_manager,
        case=case,
        entries=[ConsensusEntry(section=None, prefix="overall", label="x", grade=high, reasons=old + " More.")],
    )
    assert entry.outcome == CONSENSUS_IDENTIFIER and "NHS number" in entry.error
    assert CaseJudgement.objects.get(case=case, section=None).reasons == old


# --- Recommendation owners ------------------------------------------------------------------------


def test_owners_of_open_recommendations_are_told_once_per_address_without_what_they_say(
    audit, qa_manager, agency_a, django_capture_on_commit_callbacks
):
    from audits.models import RecommendationStatus
    from audits.tests.factories import RecommendationFactory

    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    agency_a.lead_email = "police.lead@example.org"
    agency_a.save()
    RecommendationFactory(audit=audit, text="Review the CSE screening tool.", owner_email="Board@Example.org")
    RecommendationFactory(audit=audit, text="Train the front door.", owner_email="board@example.org")
    RecommendationFactory(audit=audit, owner="", owner_agency=agency_a)  # the agency's lead
    RecommendationFactory(audit=audit, owner_email="done@example.org", status=RecommendationStatus.COMPLETE)
    with django_capture_on_commit_callbacks(execute=True):
        audit_cancel(user=qa_manager, audit=audit, reason=REASON)
    told = [m for m in mail.outbox if "its recommendations withdrawn" in m.subject]
    assert sorted(m.to[0] for m in told) == ["board@example.org", "police.lead@example.org"]
    board = " ".join(next(m.body for m in told if m.to == ["board@example.org"]).split())
    assert "the 2 recommendations of it assigned to you will not be taken forward" in board
    assert "no more reminders" in board
    assert "CSE screening" not in board and "front door" not in board and REASON not in board


def test_owners_already_told_as_the_team_or_who_cancelled_are_not_told_again(
    audit, qa_manager, lead_officer, auditor, django_capture_on_commit_callbacks
):
    from audits.tests.factories import RecommendationFactory

    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    for owner in (qa_manager, lead_officer, auditor):
        RecommendationFactory(audit=audit, owner_email=owner.email.upper())
    RecommendationFactory(audit=audit, owner_email="board@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        audit_cancel(user=qa_manager, audit=audit, reason=REASON)
    owners = [m.to[0] for m in mail.outbox if "its recommendations withdrawn" in m.subject]
    assert owners == ["board@example.org"]
    assert qa_manager.email not in [m.to[0] for m in mail.outbox]
    assert [m.to[0] for m in mail.outbox].count(lead_officer.email) == 1


def test_in_reporting_with_a_published_briefing_it_says_reporting_cannot_be_cancelled(audit, qa_manager):
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    _publish(audit, qa_manager)
    with pytest.raises(ValidationError, match="cancelled only in Planning, Part A or Part B"):
        audit_cancel(user=qa_manager, audit=audit, reason=REASON)


@pytest.mark.parametrize(
    "who,told",
    [
        ("qa_manager", "Its named auditors, its lead officer and the owners of its open recommendations"),
        ("lead_officer", "Its named auditors, the QA managers and the owners of its open recommendations"),
    ],
)
def test_the_page_and_the_message_say_who_is_told(client, audit, cast, who, told):
    client.force_login(cast[who])
    url = reverse("audits:audit_cancel", args=[audit.slug])
    assert f"{told} are e-mailed once" in unescape(" ".join(client.get(url).content.decode().split()))
    page = client.post(url, {"reason": REASON}, follow=True)
    assert f"The audit is cancelled. {told} are being told." in unescape(" ".join(page.content.decode().split()))
