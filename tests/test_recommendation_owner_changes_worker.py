"""The e-mails telling a recommendation's previous owner that it is no longer theirs, and its owner that its due
date was moved, delivered twice to a real Celery worker through Redis, reach each once.

Run through scripts/test_services.py (make test): PostgreSQL, Redis and the worker are real.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from django.db import transaction
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.outbox import outbox_send
from audits.models import AuditStatus, Recommendation
from audits.services.partb import recommendation_add, recommendation_update
from audits.tests.insights_support import audit_in
from tests.fixtures_services import mails, wait_for

pytestmark = pytest.mark.worker


def _saved(user, rec, **kwargs):
    rec = Recommendation.objects.get(pk=rec.pk)
    values = {"text": rec.text, "owner": rec.owner, "due_date": rec.due_date, "owner_email": rec.owner_email}
    with transaction.atomic():
        recommendation_update(user=user, recommendation=rec, **{**values, **kwargs})


def _read(mailbox) -> list[tuple[str, str, str]]:
    messages = [email.message_from_bytes(message, policy=email.policy.default) for message in mails(mailbox)]
    return [(str(m["To"]), str(m["Subject"]), m.get_body(("plain",)).get_content()) for m in messages]


@pytest.mark.parametrize(
    "task, change, said",
    [
        ("notify_recommendation_unassigned", {"owner_email": "second@example.org"}, "is no longer assigned to you"),
        ("notify_recommendation_due_moved", {"due_date": 90}, "due date was moved"),
    ],
)
def test_told_once_however_often_delivered(
    transactional_db, qa_manager, mailbox, celery_worker_process, task, change, said
):
    today = timezone.localdate()
    audit = audit_in(today.year, status=AuditStatus.PART_B, title="CSE audit")
    rec = recommendation_add(
        user=qa_manager,
        audit=audit,
        text="Review the screening tool.",
        owner="CSE group",
        due_date=today + dt.timedelta(days=60),
        owner_email="first@example.org",
    )
    # Told it is theirs first (told it no longer is only then).
    assert wait_for(lambda: not OutboxMessage.objects.filter(done_at=None).exists()), celery_worker_process.log()
    if "due_date" in change:
        change = {"due_date": today + dt.timedelta(days=change["due_date"])}
    _saved(qa_manager, rec, **change)
    message = OutboxMessage.objects.get(task=f"audits.tasks.{task}")
    done = f"{task}[outbox-{message.pk}] succeeded"
    assert wait_for(lambda: done in celery_worker_process.log()), celery_worker_process.log()

    # Published again (its "sent" mark was lost with the web process that published it).
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk)
    assert wait_for(lambda: celery_worker_process.log().count(done) == 2), celery_worker_process.log()
    told = [(to, body) for to, subject, body in _read(mailbox) if said in subject]
    assert len(told) == 1, _read(mailbox)
    assert told[0][0] == "first@example.org"
    assert "Review the screening tool" not in told[0][1]


@pytest.mark.parametrize("undone", ["at once", "after its e-mails went"])
def test_a_slip_undone_tells_nobody_what_they_were_not_told(
    transactional_db, qa_manager, mailbox, celery_worker_process, undone
):
    """Given to another owner by a slip and given back: when nothing of the slip went before it was undone (both
    changes published together, the worker running their e-mails after both), the address it was given to is not
    told it is no longer theirs, nor its owner that it is theirs (again); when the slip's e-mails went, each is
    told how it is now."""
    today = timezone.localdate()
    audit = audit_in(today.year, status=AuditStatus.PART_B, title="CSE audit")
    rec = recommendation_add(
        user=qa_manager,
        audit=audit,
        text="Review the screening tool.",
        owner="CSE group",
        due_date=today + dt.timedelta(days=60),
        owner_email="first@example.org",
    )
    assert wait_for(lambda: not OutboxMessage.objects.filter(done_at=None).exists())  # told it is theirs
    with transaction.atomic():
        _saved(qa_manager, rec, owner_email="second@example.org")
        if undone == "at once":
            _saved(qa_manager, rec, owner_email="first@example.org")
    if undone != "at once":
        assert wait_for(lambda: not OutboxMessage.objects.filter(done_at=None).exists())
        _saved(qa_manager, rec, owner_email="first@example.org")
    assert wait_for(lambda: OutboxMessage.objects.count() == 5 and not OutboxMessage.objects.filter(done_at=None))
    told = sorted((to, "no longer" if "no longer" in subject else "assigned") for to, subject, _ in _read(mailbox))
    if undone == "at once":
        assert told == [("first@example.org", "assigned")]  # when it was added
    else:
        assert told == [
            ("first@example.org", "assigned"),
            ("first@example.org", "assigned"),
            ("first@example.org", "no longer"),
            ("second@example.org", "assigned"),
            ("second@example.org", "no longer"),
        ]
