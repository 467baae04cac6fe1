"""Owners are told of changes to their recommendations: the address whose reminders they were, when the
recommendation is given to another owner (its owner e-mail or owner agency changed), that it is no longer
theirs and whom to ask; and the owner, when its due date is moved, the old and the new date. Named by their
audit and due date, never by what they say (an owner address may be outside the partnership); not to somebody
who left; through the outbox once committed. An address is told it is no longer theirs only if it was told it was
(or owned it before these e-mails), and told it is theirs only if it does not know already: a slip (given to
another owner and given back) undone before its e-mails went tells nobody anything."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import OutboxMessage, Partnership
from agencies.outbox import outbox_send
from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import AuditStatus, Recommendation
from audits.services.insights import email_recommendation_due_moved, email_recommendation_unassigned
from audits.services.partb import recommendation_add, recommendation_contact_update, recommendation_update
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db
TEXT = "Review the child's screening tool at the front door."
UNASSIGNED = "audits.tasks.notify_recommendation_unassigned"
MOVED = "audits.tasks.notify_recommendation_due_moved"


@pytest.fixture
def contact():
    p = Partnership.load()
    p.contact_email = "scp@example.gov.uk"
    p.save()


def day(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def add(user, audit, **kwargs):
    kwargs.setdefault("owner", "CSE group")
    return recommendation_add(user=user, audit=audit, text=TEXT, due_date=day(60), **kwargs)


def update(user, rec, **kwargs):
    rec = Recommendation.objects.get(pk=rec.pk)
    values = {"text": rec.text, "owner": rec.owner, "owner_agency": rec.owner_agency, "due_date": rec.due_date}
    return recommendation_update(user=user, recommendation=rec, **{**values, **kwargs})


def test_the_previous_owner_is_told_it_is_no_longer_theirs(qa_manager, contact, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.PART_B, title="CSE audit 2026")
    with django_capture_on_commit_callbacks(execute=True):
        rec = add(qa_manager, audit, owner_email="first@example.org")  # told it is theirs
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, owner_email="second@example.org")
    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.org", "second@example.org"]
    [told] = [m for m in mail.outbox if m.to == ["first@example.org"]]
    assert told.subject.endswith("A recommendation is no longer assigned to you: CSE audit 2026")
    due = day(60).strftime("%A %-d %B %Y")
    assert f'audit "CSE audit 2026", due {due}, is no longer assigned to you' in told.body
    assert "scp@example.gov.uk" in told.body
    assert TEXT not in told.body and "screening" not in told.body  # no case content
    assert "second@example.org" not in told.body  # nor who has it now

    # Saved again as it is, or with the address in other letters: nobody told anything more.
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, text=TEXT + " Soon.")
        recommendation_contact_update(
            user=qa_manager, recommendation=Recommendation.objects.get(pk=rec.pk), owner_email="Second@Example.org"
        )
    assert len(mail.outbox) == 2
    assert OutboxMessage.objects.filter(task=UNASSIGNED).count() == 1


def test_an_owner_agency_changed_tells_the_lead_it_had(qa_manager, django_capture_on_commit_callbacks):
    police = AgencyFactory(name="Police", lead_email="lead@police.example.org")
    health = AgencyFactory(name="Health", lead_email="lead@health.example.org")
    audit = audit_in(2026, status=AuditStatus.PART_B)
    with django_capture_on_commit_callbacks(execute=True):
        rec = add(qa_manager, audit, owner="", owner_agency=police)  # its lead told it is theirs
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, owner_agency=health)
    told = {m.to[0]: m.subject for m in mail.outbox}
    assert sorted(told) == ["lead@health.example.org", "lead@police.example.org"]
    assert "A recommendation is assigned to you" in told["lead@health.example.org"]
    assert "A recommendation is no longer assigned to you" in told["lead@police.example.org"]


def test_the_owner_is_told_when_its_due_date_is_moved(qa_manager, contact, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.PART_B, title="CSE audit 2026")
    rec = add(qa_manager, audit, owner_email="owner@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, due_date=day(90))
    [told] = mail.outbox
    assert told.to == ["owner@example.org"]
    assert told.subject.endswith("A recommendation's due date was moved: CSE audit 2026")
    was, now = day(60).strftime("%A %-d %B %Y"), day(90).strftime("%A %-d %B %Y")
    assert f'audit "CSE audit 2026" assigned to you (CSE group) was moved from {was} to {now}.' in told.body
    assert "scp@example.gov.uk" in told.body and TEXT not in told.body

    # Once the audit is closed, given more time on its page: told again.
    audit.status = AuditStatus.CLOSED
    audit.save()
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_contact_update(
            user=qa_manager,
            recommendation=Recommendation.objects.get(pk=rec.pk),
            owner_email="owner@example.org",
            due_date=day(120),
        )
    assert len(mail.outbox) == 2
    assert day(120).strftime("%A %-d %B %Y") in mail.outbox[1].body

    # Saved without moving it: nothing.
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_contact_update(
            user=qa_manager, recommendation=Recommendation.objects.get(pk=rec.pk), owner_email="owner@example.org"
        )
    assert len(mail.outbox) == 2


def test_a_new_owner_given_a_new_date_is_told_it_is_assigned_not_moved(qa_manager, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.PART_B)
    rec = add(qa_manager, audit, owner_email="first@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, owner_email="second@example.org", due_date=day(90))
    assert OutboxMessage.objects.filter(task=MOVED).count() == 0
    [assigned] = [m for m in mail.outbox if m.to == ["second@example.org"]]
    assert day(90).strftime("%A %-d %B %Y") in assigned.body


def test_not_to_somebody_who_left(qa_manager, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.PART_B)
    leaver = UserFactory(email="jo.leaver@example.org")
    rec = add(qa_manager, audit, owner_email="jo.leaver@example.org")
    leaver.is_active = False
    leaver.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, due_date=day(90))  # their reminders go nowhere now: nobody told
        update(qa_manager, rec, owner_email="new@example.org")
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert OutboxMessage.objects.filter(task__in=[UNASSIGNED, MOVED]).count() == 0

    # Queued before they left: not sent once they have.
    still_here = UserFactory(email="still.here@example.org")
    update(qa_manager, rec, owner_email="still.here@example.org")
    update(qa_manager, rec, owner_email="other@example.org")
    still_here.is_active = False
    still_here.save()
    assert not email_recommendation_unassigned(recommendation_id=rec.pk, to="still.here@example.org")


def test_not_sent_when_it_changed_again_before_the_message_went(qa_manager):
    audit = audit_in(2026, status=AuditStatus.PART_B)
    rec = add(qa_manager, audit, owner_email="first@example.org")
    update(qa_manager, rec, owner_email="second@example.org")
    update(qa_manager, rec, owner_email="first@example.org")  # theirs again
    assert not email_recommendation_unassigned(recommendation_id=rec.pk, to="first@example.org")
    update(qa_manager, rec, due_date=day(90))
    update(qa_manager, rec, due_date=day(120))  # moved again: that move is told instead
    assert not email_recommendation_due_moved(
        recommendation_id=rec.pk, to="first@example.org", was=day(60).isoformat(), now=day(90).isoformat()
    )
    assert email_recommendation_due_moved(
        recommendation_id=rec.pk, to="first@example.org", was=day(90).isoformat(), now=day(120).isoformat()
    )
    assert mail.outbox[-1].to == ["first@example.org"]


def test_the_previous_owner_is_told_the_due_date_they_knew_when_it_is_moved_with_the_new_owner(
    qa_manager, contact, django_capture_on_commit_callbacks
):
    """Given to another owner with more time (one edit): the previous owner's e-mail names it by the due date
    they knew it by, not the new owner's, which they never had and would not recognise it by."""
    audit = audit_in(2026, status=AuditStatus.PART_B, title="CSE audit 2026")
    with django_capture_on_commit_callbacks(execute=True):
        rec = add(qa_manager, audit, owner_email="first@example.org")  # told it is theirs
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, owner_email="second@example.org", due_date=day(120))
    [told] = [m for m in mail.outbox if m.to == ["first@example.org"]]
    knew, now = day(60).strftime("%A %-d %B %Y"), day(120).strftime("%A %-d %B %Y")
    assert f'audit "CSE audit 2026", due {knew}, is no longer assigned to you' in told.body
    assert now not in told.body
    [assigned] = [m for m in mail.outbox if m.to == ["second@example.org"]]
    assert now in assigned.body
    # Nobody told the date was moved: the new owner never had the old one.
    assert not OutboxMessage.objects.filter(task=MOVED).exists()

    # A message queued before the due date it was known by was given: named by the due date it has now. (Of
    # another recommendation given to another owner, its message still queued: told once, above, of the first.)
    with django_capture_on_commit_callbacks(execute=True):
        other = add(qa_manager, audit, owner_email="first@example.org")
    update(qa_manager, other, owner_email="second@example.org", due_date=day(120))
    mail.outbox.clear()
    assert email_recommendation_unassigned(recommendation_id=other.pk, to="first@example.org")
    assert f"due {now}, is no longer assigned to you" in mail.outbox[0].body


ASSIGNED = "audits.tasks.notify_recommendation_assigned"


def _publish(*, of: list[int] | None = None, but: list[int] = ()) -> None:
    """Publish (eagerly: run) the owners' e-mails still queued, in the order they were queued: those of `of` only
    (message ids), and not those of `but`."""
    queued = OutboxMessage.objects.filter(task__in=[ASSIGNED, UNASSIGNED], sent_at__isnull=True).order_by("pk")
    for pk in queued.values_list("pk", flat=True):
        if (of is None or pk in of) and pk not in but:
            outbox_send(message_id=pk)


def _told() -> list[tuple[str, str]]:
    return [(m.to[0], "no longer" if "no longer assigned" in m.subject else "assigned") for m in mail.outbox]


@pytest.mark.parametrize(
    "gone_before, told",
    [
        # None of the first change's e-mails went before it was undone: nobody is told anything.
        ((), []),
        # The first owner was told it is no longer theirs: told it is theirs again. The second, never told.
        ((UNASSIGNED,), [("first@example.org", "no longer"), ("first@example.org", "assigned")]),
        # The second owner was told it is theirs: told it no longer is. The first, never told otherwise: nothing.
        ((ASSIGNED,), [("second@example.org", "assigned"), ("second@example.org", "no longer")]),
        # Both went: each is told how it is now.
        (
            (UNASSIGNED, ASSIGNED),
            [
                ("first@example.org", "no longer"),
                ("second@example.org", "assigned"),
                ("second@example.org", "no longer"),
                ("first@example.org", "assigned"),
            ],
        ),
    ],
)
def test_a_slip_undone_before_its_emails_went_tells_nobody_what_they_were_not_told(
    qa_manager, django_capture_on_commit_callbacks, gone_before, told
):
    """Given to another owner by a slip and given back moments later: the address it was given to by the slip is
    told it is no longer theirs only if it was told it was theirs, and the owner it went back to is told it is
    theirs only if they were told it was not."""
    audit = audit_in(2026, status=AuditStatus.PART_B)
    with django_capture_on_commit_callbacks(execute=True):
        rec = add(qa_manager, audit, owner_email="first@example.org")
    mail.outbox.clear()
    update(qa_manager, rec, owner_email="second@example.org")  # queued: published on commit, not here
    slip = list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
    _publish(of=list(OutboxMessage.objects.filter(pk__in=slip, task__in=gone_before).values_list("pk", flat=True)))
    update(qa_manager, rec, owner_email="first@example.org")  # undone
    _publish()
    assert _told() == told


def test_the_slips_emails_going_after_its_undoing_tell_nobody_anything(qa_manager, django_capture_on_commit_callbacks):
    """The e-mails of the change undoing a slip going first (the slip's waited for a broker back up, or for their
    turn on the queue): the address given it by the slip, whose "assigned" e-mail is still queued, is not told it is
    no longer theirs; and neither is told anything when the slip's e-mails go after."""
    audit = audit_in(2026, status=AuditStatus.PART_B)
    with django_capture_on_commit_callbacks(execute=True):
        rec = add(qa_manager, audit, owner_email="first@example.org")
    mail.outbox.clear()
    update(qa_manager, rec, owner_email="second@example.org")
    slip = list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
    update(qa_manager, rec, owner_email="first@example.org")
    _publish(but=slip)
    _publish()
    assert _told() == []
    assert OutboxMessage.objects.filter(done_at__isnull=True).count() == 0  # each done, once


def test_an_owner_from_before_these_emails_is_told_it_is_no_longer_theirs(
    qa_manager, django_capture_on_commit_callbacks
):
    """An owner set before the e-mails that it is theirs were sent (or whose e-mail is no longer on record) is
    taken to know it is theirs: given to another, told it no longer is."""
    audit = audit_in(2026, status=AuditStatus.PART_B)
    rec = add(qa_manager, audit, owner_email="first@example.org")
    OutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        update(qa_manager, rec, owner_email="second@example.org")
    assert sorted(_told()) == [("first@example.org", "no longer"), ("second@example.org", "assigned")]
