"""Part A services: saving, optimistic locking, submission rules, review transitions, creation, reminders."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from audits.models import (
    Answer,
    AnswerType,
    AuditStatus,
    PartAReturn,
    ReminderKind,
    ReminderLog,
    ReturnStatus,
)
from audits.selectors.parta import evidence_field, grade_field, return_history, return_state, tool_layout
from audits.services.parta import (
    InvalidTransition,
    PartAError,
    ReturnConflict,
    ReturnLocked,
    ReturnNotAllowed,
    auditor_chase,
    reminder_send,
    reminders_due,
    return_accept,
    return_autosave,
    return_save_draft,
    return_send_back,
    return_submit,
    return_unlock,
    returns_create_for_audit,
)
from audits.tasks import send_part_a_reminders
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, RiskFactorFactory
from audits.tests.parta_support import complete, load


def autosave(user, ret, layout, version, **changes):
    return return_autosave(user=user, ret=ret, layout=layout, based_on_version=version, changes=changes)


def first(layout):
    return layout.standards[0]


# --- Saving ---------------------------------------------------------------------------------------


def test_autosave_changes_only_the_fields_sent(auditor, ret, layout):
    s1, s2 = layout.standards[:2]
    autosave(
        auditor, ret, layout, 0, **{evidence_field(s1.pk): "Seen within 24 hours.", "strengths": "Quick response."}
    )
    outcome = autosave(auditor, load(ret.pk), layout, 1, **{grade_field(s2.pk): str(layout.grades[0].pk)})
    saved = load(ret.pk)
    state = return_state(saved, layout)
    assert outcome.version == saved.version == 2
    assert saved.status == ReturnStatus.DRAFT
    assert state[evidence_field(s1.pk)] == "Seen within 24 hours."
    assert state["strengths"] == "Quick response."
    assert state[grade_field(s2.pk)] == str(layout.grades[0].pk)
    assert state[evidence_field(s2.pk)] == ""
    assert Answer.objects.filter(part_a_return=saved).count() == 2


def test_autosave_upserts_one_answer_per_standard(auditor, ret, layout):
    s1 = first(layout)
    for version, text in enumerate(["one", "two", "three"]):
        autosave(auditor, load(ret.pk), layout, version, **{evidence_field(s1.pk): text})
    assert list(Answer.objects.filter(part_a_return=ret).values_list("evidence", flat=True)) == ["three"]


def test_every_save_is_recorded_with_who_and_history(auditor, ret, layout):
    autosave(auditor, ret, layout, 0, **{evidence_field(first(layout).pk): "Text"})
    record = AccessRecord.objects.filter(action=AccessAction.CHANGE, object_id=str(ret.pk)).get()
    assert record.user == auditor
    assert "autosave" in record.summary
    assert ret.history.first().history_user == auditor
    assert Answer.history.get().history_user == auditor


def test_risk_factors_are_saved_with_one_history_row(auditor, ret, layout):
    a, b = RiskFactorFactory(), RiskFactorFactory()
    layout = tool_layout(ret.tool_version)  # the taxonomy is read with the layout
    autosave(auditor, ret, layout, 0, risk_factors=sorted([str(a.pk), str(b.pk)]))
    assert set(load(ret.pk).risk_factors.all()) == {a, b}
    assert ret.history.count() == 1
    assert {row.riskfactor_id for row in ret.history.first().risk_factors.all()} == {a.pk, b.pk}


def test_save_draft_of_the_whole_form(auditor, ret, layout):
    outcome = return_save_draft(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout))
    assert outcome.ret.status == ReturnStatus.DRAFT
    assert Answer.objects.filter(part_a_return=ret).count() == len(layout.standards)


# --- Optimistic locking ---------------------------------------------------------------------------------


def test_a_stale_save_is_refused_and_changes_nothing(auditor, ret, layout):
    s1 = first(layout)
    stale = load(ret.pk)
    autosave(auditor, ret, layout, 0, **{evidence_field(s1.pk): "Tab one"})
    with pytest.raises(ReturnConflict) as raised:
        autosave(auditor, stale, layout, 0, **{evidence_field(s1.pk): "Tab two"})
    conflict = raised.value
    assert [c.name for c in conflict.conflicts] == [evidence_field(s1.pk)]
    assert conflict.conflicts[0].theirs == "Tab one"
    assert conflict.conflicts[0].yours == "Tab two"
    assert conflict.current.version == 1
    assert load(ret.pk).version == 1
    assert return_state(load(ret.pk), layout)[evidence_field(s1.pk)] == "Tab one"


def test_a_forged_version_is_a_conflict(auditor, ret, layout):
    with pytest.raises(ReturnConflict):
        autosave(auditor, ret, layout, 41, strengths="Forged")
    assert load(ret.pk).version == 0
    assert load(ret.pk).strengths == ""


def test_conflict_uses_history_to_tell_whose_change_is_whose(audit, auditor, layout):
    """With the version's history known, only fields both sides changed are conflicts."""
    PartAReturn.objects.filter(audit=audit).delete()
    returns_create_for_audit(audit=audit)  # writes the version-0 history the three-way merge needs
    ret = load(PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 1").pk)
    s1, s2 = layout.standards[:2]
    autosave(auditor, load(ret.pk), layout, 0, **{evidence_field(s1.pk): "Saved in tab one"})
    # Tab two, still on version 0, sends s1 untouched (as the full form does) and changes s2 only.
    with pytest.raises(ReturnConflict) as raised:
        return_save_draft(
            user=auditor,
            ret=ret,
            layout=layout,
            based_on_version=0,
            changes={evidence_field(s1.pk): "", evidence_field(s2.pk): "Typed in tab two"},
        )
    conflict = raised.value
    assert conflict.conflicts == []  # nobody's work collides
    assert conflict.merged[evidence_field(s1.pk)] == "Saved in tab one"  # theirs kept
    assert conflict.merged[evidence_field(s2.pk)] == "Typed in tab two"  # yours kept
    # Both sides changed s1: now that is a conflict.
    with pytest.raises(ReturnConflict) as raised:
        autosave(auditor, ret, layout, 0, **{evidence_field(s1.pk): "Typed in tab two"})
    assert [c.name for c in raised.value.conflicts] == [evidence_field(s1.pk)]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_on_one_version_cannot_both_win(audit, auditor, layout):
    # The suite runs on PostgreSQL (make test): this is about its row locks.
    assert connection.vendor == "postgresql"
    ret_pk = PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 1").pk
    s1 = first(layout)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker(text: str) -> None:
        try:
            barrier.wait()
            autosave(auditor, load(ret_pk), layout, 0, **{evidence_field(s1.pk): text})
            results.append("saved")
        except ReturnConflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(text,)) for text in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict", "saved"]
    assert load(ret_pk).version == 1


# --- Locked means locked ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED])
def test_submitted_and_accepted_returns_refuse_every_save(auditor, ret, layout, status):
    PartAReturn.objects.filter(pk=ret.pk).update(status=status)
    for service in (return_autosave, return_save_draft, return_submit):
        with pytest.raises(ReturnLocked):
            service(user=auditor, ret=load(ret.pk), layout=layout, based_on_version=0, changes={"strengths": "x"})
    assert load(ret.pk).strengths == ""
    assert load(ret.pk).version == 0


def test_nothing_changes_once_part_a_is_closed(audit, auditor, ret, layout):
    audit.status = AuditStatus.PART_B
    audit.save()
    with pytest.raises(ReturnLocked):
        autosave(auditor, load(ret.pk), layout, 0, strengths="Late")


@pytest.mark.parametrize("who", ["colleague", "qa_manager", "lead_officer"])
def test_only_the_named_auditor_edits(cast, ret, layout, who):
    with pytest.raises(ReturnNotAllowed):
        autosave(cast[who], ret, layout, 0, strengths="Not mine")
    assert load(ret.pk).strengths == ""


# --- Submission ----------------------------------------------------------------------------------------


def test_incomplete_submission_is_saved_as_draft_with_errors(auditor, ret, layout):
    s1, s2 = layout.standards[:2]
    outcome = return_submit(
        user=auditor,
        ret=ret,
        layout=layout,
        based_on_version=0,
        changes={grade_field(s1.pk): str(layout.grades[0].pk), evidence_field(s2.pk): "Some text"},
    )
    assert not outcome.submitted
    assert load(ret.pk).status == ReturnStatus.DRAFT
    assert return_state(load(ret.pk), layout)[evidence_field(s2.pk)] == "Some text"  # nothing lost
    assert evidence_field(s1.pk) in outcome.errors  # graded without evidence
    assert grade_field(s2.pk) in outcome.errors  # not graded
    assert "overall_grade" in outcome.errors


def test_complete_submission(auditor, ret, layout):
    outcome = return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout))
    assert outcome.submitted
    saved = load(ret.pk)
    assert saved.status == ReturnStatus.SUBMITTED
    assert saved.submitted_at is not None


def test_not_applicable_needs_no_evidence_but_text_standards_do(auditor, ret, layout):
    s1, s2 = layout.standards[:2]
    s2.answer_type = AnswerType.TEXT
    s2.save()
    layout = tool_layout(ret.tool_version)
    changes = complete(layout)
    changes[grade_field(s1.pk)] = "na"
    changes[evidence_field(s1.pk)] = ""
    changes[grade_field(s2.pk)] = ""
    changes[evidence_field(s2.pk)] = ""
    outcome = return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=changes)
    assert list(outcome.errors) == [evidence_field(s2.pk)]
    changes[evidence_field(s2.pk)] = "What the records show."
    assert return_submit(user=auditor, ret=load(ret.pk), layout=layout, based_on_version=1, changes=changes).submitted


def test_no_involvement_needs_a_reason_and_no_standards(auditor, ret, layout):
    outcome = return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes={"no_involvement": True})
    assert list(outcome.errors) == ["no_involvement_reason"]
    outcome = return_submit(
        user=auditor,
        ret=load(ret.pk),
        layout=layout,
        based_on_version=1,
        changes={"no_involvement_reason": "Not known to the service in the period."},
    )
    assert outcome.submitted
    assert load(ret.pk).display_status == "No involvement"


def test_identifiers_block_submission_until_removed_or_confirmed(auditor, ret, layout):
    changes = complete(layout)
    changes[evidence_field(first(layout).pk)] = "NHS number 943 476 5919 on the referral."
    outcome = return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=changes)
    assert not outcome.submitted
    assert list(outcome.errors) == ["identifiers_confirmed"]
    assert evidence_field(first(layout).pk) in outcome.warnings
    outcome = return_submit(
        user=auditor, ret=load(ret.pk), layout=layout, based_on_version=1, changes={"identifiers_confirmed": True}
    )
    assert outcome.submitted
    # Nothing was silently altered.
    assert (
        return_state(load(ret.pk), layout)[evidence_field(first(layout).pk)]
        == "NHS number 943 476 5919 on the referral."
    )


# --- Review -----------------------------------------------------------------------------------------------


def test_send_back_with_comment_emails_the_auditor(qa_manager, auditor, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return_send_back(user=qa_manager, ret=submitted, based_on_version=1, comment="Add evidence for R1.")
    saved = load(submitted.pk)
    assert saved.status == ReturnStatus.RETURNED
    assert saved.amendment_comment == "Add evidence for R1."
    [message] = mail.outbox
    assert message.to == [auditor.email]
    assert "Add evidence for R1." not in message.body  # read on the return, not e-mailed
    assert f"/audits/returns/{saved.pk}/" in message.body
    assert AccessRecord.objects.filter(action=AccessAction.CHANGE, user=qa_manager, object_id=str(saved.pk)).exists()


def test_send_back_needs_a_comment(qa_manager, submitted):
    with pytest.raises(PartAError):
        return_send_back(user=qa_manager, ret=submitted, based_on_version=1, comment="  ")
    assert load(submitted.pk).status == ReturnStatus.SUBMITTED


def test_returned_return_is_editable_and_resubmittable(qa_manager, auditor, submitted, layout):
    return_send_back(user=qa_manager, ret=submitted, based_on_version=1, comment="More detail")
    autosave(auditor, load(submitted.pk), layout, 2, strengths="Amended")
    assert load(submitted.pk).status == ReturnStatus.RETURNED
    outcome = return_submit(user=auditor, ret=load(submitted.pk), layout=layout, based_on_version=3, changes={})
    assert outcome.submitted


def test_lead_officer_accepts_and_the_return_locks(lead_officer, auditor, submitted, layout):
    return_accept(user=lead_officer, ret=submitted, based_on_version=1)
    saved = load(submitted.pk)
    assert saved.status == ReturnStatus.ACCEPTED and saved.accepted_at is not None
    with pytest.raises(ReturnLocked):
        autosave(auditor, saved, layout, saved.version, strengths="After acceptance")


@pytest.mark.parametrize("who", ["auditor", "colleague", "other_lead"])
def test_only_reviewers_send_back_or_accept(cast, submitted, who):
    with pytest.raises(ReturnNotAllowed):
        return_accept(user=cast[who], ret=submitted, based_on_version=1)
    with pytest.raises(ReturnNotAllowed):
        return_send_back(user=cast[who], ret=submitted, based_on_version=1, comment="x")
    assert load(submitted.pk).status == ReturnStatus.SUBMITTED


def test_only_the_qa_manager_unlocks_with_a_reason(
    qa_manager, lead_officer, auditor, submitted, django_capture_on_commit_callbacks
):
    return_accept(user=qa_manager, ret=submitted, based_on_version=1)
    with pytest.raises(ReturnNotAllowed):
        return_unlock(user=lead_officer, ret=load(submitted.pk), based_on_version=2, reason="Because")
    with pytest.raises(PartAError):
        return_unlock(user=qa_manager, ret=load(submitted.pk), based_on_version=2, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        return_unlock(user=qa_manager, ret=load(submitted.pk), based_on_version=2, reason="Wrong case graded.")
    saved = load(submitted.pk)
    assert saved.status == ReturnStatus.RETURNED and saved.accepted_at is None
    assert "Wrong case graded." not in mail.outbox[0].body  # read on the return, not e-mailed


def test_transitions_follow_the_model_rules(qa_manager, ret, submitted):
    not_started = PartAReturn.objects.exclude(pk=submitted.pk).filter(status=ReturnStatus.NOT_STARTED).first()
    with pytest.raises(InvalidTransition):
        return_accept(user=qa_manager, ret=not_started, based_on_version=0)
    with pytest.raises(InvalidTransition):
        return_unlock(user=qa_manager, ret=submitted, based_on_version=1, reason="Not accepted yet")
    with pytest.raises(ReturnConflict):
        return_accept(user=qa_manager, ret=submitted, based_on_version=0)  # the reviewer read an older version


def test_history_says_who_changed_which_answer_when(auditor, qa_manager, ret, layout):
    s1 = first(layout)
    autosave(auditor, ret, layout, 0, **{evidence_field(s1.pk): "First"})
    autosave(auditor, load(ret.pk), layout, 1, **{evidence_field(s1.pk): "Second"})
    entries = return_history(load(ret.pk), layout)
    answer_entries = [e for e in entries if e.what.startswith("Answer")]
    assert [e.changes[0].after for e in answer_entries] == ["Second", "First"]
    assert answer_entries[0].changes[0].before == "First"
    assert all(e.who == str(auditor) for e in answer_entries)


# --- Creating returns ------------------------------------------------------------------------------------


def test_returns_create_for_audit_is_idempotent(lead_officer, agency_a, agency_b):
    audit = AuditFactory(status=AuditStatus.PLANNING, lead_officer=lead_officer)
    AuditAgencyFactory(audit=audit, agency=agency_a)
    AuditAgencyFactory(audit=audit, agency=agency_b)
    for n in range(3):
        CaseFactory(audit=audit, reference=f"Case {n + 1}")
    created = returns_create_for_audit(audit=audit, user=lead_officer)
    assert len(created) == 6
    assert returns_create_for_audit(audit=audit, user=lead_officer) == []
    CaseFactory(audit=audit, reference="Case 4")
    assert len(returns_create_for_audit(audit=audit, user=lead_officer)) == 2
    assert PartAReturn.objects.filter(audit=audit).count() == 8
    assert all(r.tool_version_id == audit.tool_version_id for r in PartAReturn.objects.filter(audit=audit))
    assert PartAReturn.history.filter(audit_id=audit.pk, history_user=lead_officer).count() == 8


# --- Reminders and chasing --------------------------------------------------------------------------------


def test_reminders_three_days_before_due_and_when_overdue_once_a_day(audit, auditor, other_auditor, settings):
    settings.BANK_HOLIDAYS = "none"  # this week's Monday: in a Christmas week the window would reach further
    today = timezone.localdate()
    today -= timedelta(days=today.weekday())  # a Monday: the window counts working days (reminder_window_end)
    audit.part_a_due = today + timedelta(days=5)
    audit.save()
    assert reminders_due(today=today) == []  # not yet
    assert reminders_due(today=today + timedelta(days=2)) == sorted([auditor.pk, other_auditor.pk])
    day = today + timedelta(days=2)
    assert reminder_send(auditor_id=auditor.pk, today=day) is not None
    assert reminder_send(auditor_id=auditor.pk, today=day) is None  # once a day
    assert reminders_due(today=day) == [other_auditor.pk]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [auditor.email]
    assert "due" in mail.outbox[0].subject.lower()
    overdue_day = today + timedelta(days=7)
    assert reminder_send(auditor_id=auditor.pk, today=overdue_day) is not None
    assert "overdue" in mail.outbox[-1].subject.lower()
    assert ReminderLog.objects.filter(auditor=auditor, kind=ReminderKind.AUTOMATIC).count() == 2


def test_no_reminder_once_everything_is_submitted(audit, auditor, layout):
    audit.part_a_due = timezone.localdate()
    audit.save()
    PartAReturn.objects.filter(audit=audit, agency=auditor.agency).update(status=ReturnStatus.SUBMITTED)
    assert auditor.pk not in reminders_due()
    assert reminder_send(auditor_id=auditor.pk) is None


def test_the_periodic_task_fans_out_and_sends_each_auditor_one_email(
    audit, auditor, other_auditor, django_capture_on_commit_callbacks
):
    audit.part_a_due = timezone.localdate() - timedelta(days=1)
    audit.save()
    with django_capture_on_commit_callbacks(execute=True):  # each reminder queued through the outbox
        result = send_part_a_reminders.apply().get()
    assert sorted(result) == sorted([auditor.pk, other_auditor.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, other_auditor.email])
    with django_capture_on_commit_callbacks(execute=True):
        send_part_a_reminders.apply().get()
    assert len(mail.outbox) == 2  # not again today


def test_chase_emails_one_auditor(qa_manager, audit, auditor, agency_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log = auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk)
    assert log.kind == ReminderKind.CHASE and log.sent_by == qa_manager
    [message] = mail.outbox
    assert message.to == [auditor.email]
    assert "2 returns not submitted" in message.body


def test_chase_with_nothing_outstanding(qa_manager, audit, agency_a):
    PartAReturn.objects.filter(audit=audit, agency=agency_a).update(status=ReturnStatus.ACCEPTED)
    assert auditor_chase(user=qa_manager, audit=audit, agency_id=agency_a.pk) is None


def test_chase_is_for_the_audits_managers(other_lead, auditor, audit, agency_a):
    for user in (other_lead, auditor):
        with pytest.raises(ReturnNotAllowed):
            auditor_chase(user=user, audit=audit, agency_id=agency_a.pk)


@pytest.mark.worker
def test_reminders_run_on_the_real_celery_worker(transactional_db, audit, auditor, other_auditor):
    """The beat task, sent through Redis to a real worker: it fans out and records one reminder per auditor."""
    audit.part_a_due = timezone.localdate() - timedelta(days=1)
    audit.save()
    send_part_a_reminders.delay()
    deadline = time.monotonic() + 60
    while ReminderLog.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted(ReminderLog.objects.values_list("auditor_id", flat=True)) == sorted([auditor.pk, other_auditor.pk])
    assert set(ReminderLog.objects.values_list("kind", flat=True)) == {ReminderKind.AUTOMATIC}
