"""An e-mail of beat's scheduled runs (Part A reminders, reviewers' digests, recommendation owners' digests)
that reaches a worker late — published again by the outbox after Redis lost it (hourly, for up to a day), a
retry over a mail server that did not answer, or left queued while the workers were down — goes only within the
hours of a scheduled run on its day (SCHEDULED_EMAIL_HOURS 8,13, each made up to 4 hours late: 08:00 to 12:00
and 13:00 to 17:00 on a working day). Later, at night, at the weekend or on a bank holiday, it is not sent and
its record is undone, so that the next scheduled run sends it, once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.outbox import outbox_flush, outbox_send
from agencies.working_days import scheduled_run_day
from audits.models import AuditStatus, RecommendationReminder, ReminderKind, ReminderLog
from audits.selectors.insights import recommendation_tracker
from audits.tasks import send_part_a_reminder, send_part_a_reminders, send_recommendation_reminders, send_review_digests
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

# Working days read the partnership's closure days (Partnership.closure_days) from its settings.
pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
D = dt.date
FRIDAY, SATURDAY, MONDAY = D(2026, 11, 27), D(2026, 11, 28), D(2026, 11, 30)
CHRISTMAS_EVE, CHRISTMAS_DAY, AFTER_CHRISTMAS = D(2026, 12, 24), D(2026, 12, 25), D(2026, 12, 29)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def clock(monkeypatch):
    """Sets the time the portal reads (timezone.now, and so localdate)."""

    def set_to(moment: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))
        return moment

    return set_to


def beat_run(task, clock, moment, capture, *, deliver: bool = True):
    """Beat's run of `task` at `moment` (scheduled=True, no day given); its e-mails delivered at once, or left
    in the outbox as Redis would have lost them."""
    clock(moment)
    with capture(execute=deliver):
        return task.apply(kwargs={"scheduled": True}).get()


def lost_by_redis(task_name: str, published: dt.datetime) -> list[OutboxMessage]:
    """The run's messages, published at `published` and lost by Redis: not done, to be published again."""
    messages = OutboxMessage.objects.filter(task=task_name)
    messages.update(created_at=published, sent_at=published)
    return list(messages)


# --- The hours -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (at(FRIDAY, 7, 59), None),
        (at(FRIDAY, 8), FRIDAY),
        (at(FRIDAY, 11, 59), FRIDAY),  # 08:00's, made late
        (at(FRIDAY, 12, 30), None),  # neither: 13:00's run sends it
        (at(FRIDAY, 13), FRIDAY),
        (at(FRIDAY, 16, 59), FRIDAY),  # 13:00's, made late
        (at(FRIDAY, 17), None),
        (at(FRIDAY, 23), None),
        (at(SATURDAY, 2), None),
        (at(SATURDAY, 10), None),
        (at(MONDAY, 9), MONDAY),
        (at(CHRISTMAS_DAY, 10), None),  # a bank holiday
        (at(D(2026, 12, 28), 10), None),  # Boxing Day's substitute
        (at(AFTER_CHRISTMAS, 8), AFTER_CHRISTMAS),
        (at(D(2026, 10, 26), 8), D(2026, 10, 26)),  # the Monday after the clocks went back: 08:00 GMT
        (at(D(2026, 3, 30), 7, 30), None),  # the Monday after they went forward: 07:30 BST
    ],
)
def test_the_hours_a_scheduled_email_may_go(moment, day):
    assert scheduled_run_day(moment) == day


def test_an_evening_hour_made_late_after_midnight_is_its_days(settings):
    settings.SCHEDULED_EMAIL_HOURS = (22,)
    assert scheduled_run_day(at(D(2026, 11, 26), 23)) == D(2026, 11, 26)
    assert scheduled_run_day(at(FRIDAY, 1, 59)) == D(2026, 11, 26)  # Thursday's 22:00, 4 hours on
    assert scheduled_run_day(at(FRIDAY, 2)) is None
    assert scheduled_run_day(at(SATURDAY, 1)) == FRIDAY
    assert scheduled_run_day(at(D(2026, 11, 29), 1)) is None  # Saturday's 22:00: no run


# --- Reviewers' digests ----------------------------------------------------------------------------


def test_a_digest_lost_by_redis_and_published_again_at_night_waits_for_the_next_working_morning(
    submitted, qa_manager, lead_officer, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    assert len(beat_run(send_review_digests, clock, at(FRIDAY, 13), capture, deliver=False)) == 2
    messages = lost_by_redis("audits.tasks.send_review_digest", at(FRIDAY, 13))
    assert [m.kwargs for m in messages] == [{"scheduled": True}] * 2

    clock(at(SATURDAY, 2))  # Redis lost them; the outbox publishes them again at 02:00 on Saturday
    with capture(execute=True):
        assert outbox_flush() == 2
    assert mail.outbox == []
    assert not ReminderLog.objects.filter(kind=ReminderKind.REVIEW_DIGEST).exists()  # not recorded as told
    assert all(m.done_at is not None for m in OutboxMessage.objects.filter(task="audits.tasks.send_review_digest"))
    clock(at(SATURDAY, 3))
    assert outbox_flush() == 0  # not published again

    # Monday's first run tells each reviewer once, with the counts as they are then.
    assert len(beat_run(send_review_digests, clock, at(MONDAY, 8), capture)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([qa_manager.email, lead_officer.email])
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {MONDAY}
    beat_run(send_review_digests, clock, at(MONDAY, 13), capture)
    assert len(mail.outbox) == 2


def test_a_digest_published_again_within_the_hours_of_its_day_is_sent(
    submitted, qa_manager, lead_officer, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    beat_run(send_review_digests, clock, at(FRIDAY, 8), capture, deliver=False)
    lost_by_redis("audits.tasks.send_review_digest", at(FRIDAY, 8))
    clock(at(FRIDAY, 9, 1))
    with capture(execute=True):
        assert outbox_flush() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([qa_manager.email, lead_officer.email])
    beat_run(send_review_digests, clock, at(FRIDAY, 13), capture)
    assert len(mail.outbox) == 2  # once a day


def test_a_digest_of_yesterday_published_again_this_morning_is_left_to_this_days_run(
    submitted, qa_manager, lead_officer, clock, django_capture_on_commit_callbacks
):
    """The outbox publishes a message again for up to a day: Thursday's 13:00 digest, lost, would go on Friday
    morning as well as Friday's own. It is left to Friday's 13:00 run, which sends it once."""
    capture = django_capture_on_commit_callbacks
    thursday = D(2026, 11, 26)
    beat_run(send_review_digests, clock, at(thursday, 13), capture, deliver=False)
    lost_by_redis("audits.tasks.send_review_digest", at(thursday, 13))
    clock(at(FRIDAY, 9))
    with capture(execute=True):
        assert outbox_flush() == 2
    assert mail.outbox == []
    assert len(beat_run(send_review_digests, clock, at(FRIDAY, 13), capture)) == 2
    assert len(mail.outbox) == 2


def test_a_digest_queued_by_hand_goes_whenever_it_is_delivered(
    submitted, qa_manager, lead_officer, clock, django_capture_on_commit_callbacks
):
    clock(at(SATURDAY, 2))
    with django_capture_on_commit_callbacks(execute=True):
        send_review_digests.apply().get()  # run by hand: scheduled=False
    assert len(mail.outbox) == 2


# --- Recommendation owners' digests -----------------------------------------------------------------


def test_an_owners_digest_published_again_on_a_bank_holiday_waits_for_the_next_working_day(
    qa_manager, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    rec = RecommendationFactory(audit=audit, due_date=D(2027, 1, 4), owner_email="Owner@example.org")
    sent = beat_run(send_recommendation_reminders, clock, at(CHRISTMAS_EVE, 13), capture, deliver=False)
    assert sent == ["owner@example.org"]
    lost_by_redis("audits.tasks.send_recommendation_digest", at(CHRISTMAS_EVE, 13))

    clock(at(CHRISTMAS_DAY, 10))
    with capture(execute=True):
        assert outbox_flush() == 1
    assert mail.outbox == []
    assert not RecommendationReminder.objects.exists()  # the tracker does not say they were reminded
    [item] = recommendation_tracker(qa_manager, today=CHRISTMAS_DAY).items
    assert item.rec == rec and item.last_reminder is None

    sent = beat_run(send_recommendation_reminders, clock, at(AFTER_CHRISTMAS, 8), capture)
    assert sent == ["owner@example.org"]
    assert [m.to for m in mail.outbox] == [["Owner@example.org"]]
    assert set(RecommendationReminder.objects.values_list("sent_on", flat=True)) == {AFTER_CHRISTMAS}
    beat_run(send_recommendation_reminders, clock, at(AFTER_CHRISTMAS, 13), capture)
    assert len(mail.outbox) == 1


# --- Part A reminders --------------------------------------------------------------------------------


def test_a_part_a_reminder_left_queued_while_the_workers_were_down_is_not_sent_at_night(
    audit, auditor, other_auditor, clock, django_capture_on_commit_callbacks
):
    audit.part_a_due = D(2026, 11, 20)  # overdue: reminded every working day
    audit.save()
    run = beat_run(send_part_a_reminders, clock, at(FRIDAY, 13), django_capture_on_commit_callbacks, deliver=False)
    assert len(run) == 2
    messages = lost_by_redis("audits.tasks.send_part_a_reminder", at(FRIDAY, 13))

    clock(at(FRIDAY, 22))  # the workers are back, and take the reminders off the queue
    with django_capture_on_commit_callbacks(execute=True):
        for message in messages:
            outbox_send(message_id=message.pk, published_before=at(FRIDAY, 21))
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert OutboxMessage.objects.filter(task="audits.tasks.send_part_a_reminder", done_at__isnull=False).count() == 2

    sent = beat_run(send_part_a_reminders, clock, at(MONDAY, 8), django_capture_on_commit_callbacks)
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, other_auditor.email])
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {MONDAY}


def test_a_part_a_reminder_retried_within_the_hours_is_that_days(audit, auditor, other_auditor, clock):
    audit.part_a_due = D(2026, 11, 20)
    audit.save()
    clock(at(FRIDAY, 13, 40))  # a retry of 13:00's, the mail server back
    assert send_part_a_reminder.apply(args=[auditor.pk, None], kwargs={"scheduled": True}).get() is True
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    assert list(ReminderLog.objects.values_list("sent_on", flat=True)) == [FRIDAY]
