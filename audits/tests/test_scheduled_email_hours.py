"""The e-mails that go to people on a timetable (Part A reminders, reviewers' digests, recommendation owners'
digests) go at set local hours on working days (settings.SCHEDULED_EMAIL_HOURS), not every 6 hours from
whenever beat started (00:30, 03:00…); and Part A's "due within 3 days" counts working days, so that the
Friday run reminds of what the weekend runs used to."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from celery.beat import ScheduleEntry
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from auditportal.celery import app
from auditportal.settings import checked_hours
from audits.services.parta import reminder_send, reminder_window_end, reminders_due
from audits.tasks import send_part_a_reminders

# Working days read the partnership's closure days (Partnership.closure_days) from its settings.
pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
PEOPLE_FACING = {
    "part-a-reminders": "audits.tasks.send_part_a_reminders",
    "review-digests": "audits.tasks.send_review_digests",
    "recommendation-reminders": "audits.tasks.send_recommendation_reminders",
}


def local(*args):
    return dt.datetime(*args, tzinfo=LONDON)


def beat_entry(name, now):
    """The entry as Celery beat makes it from the setting (bound to the app, and so to CELERY_TIMEZONE),
    its clock set to `now`."""
    options = settings.CELERY_BEAT_SCHEDULE[name]
    schedule = copy.copy(options["schedule"])
    schedule.nowfun = lambda: now
    return ScheduleEntry(name=name, task=options["task"], schedule=schedule, app=app)


# --- The schedule ---------------------------------------------------------------------------------


def test_the_people_facing_emails_go_at_8_and_13_on_working_days():
    for name, task in PEOPLE_FACING.items():
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        schedule = entry["schedule"]
        assert entry["task"] == task
        assert isinstance(schedule, crontab), name
        assert schedule.minute == {0}
        assert schedule.hour == {8, 13}
        assert schedule.day_of_week == {1, 2, 3, 4, 5}  # Monday to Friday (Sunday is 0)
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_the_other_jobs_keep_their_intervals():
    schedule = {name: entry["schedule"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert schedule["outbox-flush"] == 60
    assert schedule["briefing-render-requeue"] == schedule["insight-report-requeue"] == 120
    assert schedule["sessions-clear"] == 60 * 60
    # The retention purge is a crontab at a fixed night hour: audits/tests/test_purge_schedule.py.


@pytest.mark.parametrize("name", sorted(PEOPLE_FACING))
def test_from_saturday_morning_the_next_run_is_monday_8_local(name):
    saturday = local(2026, 11, 28, 10, 0)
    entry = beat_entry(name, saturday)
    entry.last_run_at = local(2026, 11, 27, 13, 0)  # Friday's second run
    assert str(entry.schedule.tz) == "Europe/London"
    due, next_in = entry.is_due()
    assert not due
    assert next_in == 46 * 3600  # 10:00 Saturday to 08:00 Monday, GMT all along
    assert saturday + entry.schedule.remaining_estimate(entry.last_run_at) == local(2026, 11, 30, 8, 0)


def test_the_weekend_the_clocks_go_back_monday_8_is_8_gmt():
    saturday = local(2026, 10, 24, 10, 0)  # 09:00 UTC, BST
    entry = beat_entry("part-a-reminders", saturday)
    entry.last_run_at = local(2026, 10, 23, 13, 0)
    due, next_in = entry.is_due()
    assert not due
    assert next_in == 47 * 3600  # to 08:00 GMT on Monday 26 October: the hour given back on Sunday
    monday = saturday.astimezone(dt.UTC) + dt.timedelta(seconds=next_in)  # real time, not wall-clock arithmetic
    assert monday == dt.datetime(2026, 10, 26, 8, 0, tzinfo=dt.UTC) == local(2026, 10, 26, 8, 0)


def test_a_run_missed_at_8_is_made_at_13_the_same_day():
    entry = beat_entry("review-digests", local(2026, 11, 30, 13, 0, 5))
    entry.last_run_at = local(2026, 11, 27, 13, 0)  # Friday: beat was down on Monday at 08:00
    assert entry.is_due()[0]
    entry = beat_entry("review-digests", local(2026, 11, 30, 9, 0))
    entry.last_run_at = local(2026, 11, 30, 8, 0)
    due, next_in = entry.is_due()
    assert not due and next_in == 4 * 3600


def test_a_beat_back_late_in_the_evening_waits_for_the_next_working_morning():
    """Celery would otherwise make up a missed run as soon as beat is back, at whatever hour
    (CELERY_BEAT_CRON_STARTING_DEADLINE: within 4 hours of it only)."""
    sunday_night = local(2026, 11, 29, 23, 0)
    entry = beat_entry("part-a-reminders", sunday_night)
    entry.last_run_at = local(2026, 11, 27, 8, 0)  # beat down from Friday morning, 13:00 missed
    due, next_in = entry.is_due()
    assert not due and next_in == 9 * 3600  # Monday 08:00
    entry = beat_entry("recommendation-reminders", local(2026, 11, 30, 22, 0))
    entry.last_run_at = local(2026, 11, 30, 8, 0)  # Monday's 13:00 missed
    assert not entry.is_due()[0]
    entry = beat_entry("review-digests", local(2026, 11, 30, 10, 30))
    entry.last_run_at = local(2026, 11, 27, 13, 0)  # back at 10:30 on Monday: 08:00's run, made late
    assert entry.is_due()[0]


def test_a_run_queued_while_the_workers_are_down_expires_before_the_evening():
    for name in PEOPLE_FACING:
        assert settings.CELERY_BEAT_SCHEDULE[name]["options"] == {"expires": 4 * 3600}, name


@pytest.mark.parametrize(
    ("value", "hours"), [("8,13", (8, 13)), (" 7 , 12,7", (7, 12)), ("9", (9,)), ("0,23", (0, 23))]
)
def test_the_hours_as_they_may_be_written(value, hours):
    assert checked_hours("SCHEDULED_EMAIL_HOURS", value, "8,13") == hours


@pytest.mark.parametrize("value", ["", " , ", "8am", "8;13", "24", "-1", "8,13.5"])
def test_hours_that_cannot_be_used_stop_the_start_with_a_clear_line(value):
    with pytest.raises(ImproperlyConfigured) as raised:
        checked_hours("SCHEDULED_EMAIL_HOURS", value, "8,13")
    assert str(raised.value) == (
        "SCHEDULED_EMAIL_HOURS must be one or more hours of the day, 0 to 23 in local time (Europe/London), "
        f"separated by commas, e.g. 8,13; not {value!r}"
    )


# --- Part A's reminder window in working days ------------------------------------------------------

FRIDAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("today", "window_end"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 11, 26)),  # Monday: Thursday
        (dt.date(2026, 11, 24), dt.date(2026, 11, 27)),  # Tuesday: Friday
        (dt.date(2026, 11, 25), dt.date(2026, 11, 30)),  # Wednesday: Monday
        (dt.date(2026, 11, 26), dt.date(2026, 12, 1)),  # Thursday: Tuesday
        (FRIDAY, dt.date(2026, 12, 2)),  # Friday: Wednesday
        (dt.date(2026, 11, 28), dt.date(2026, 12, 2)),  # Saturday (a run by hand): Wednesday
    ],
)
def test_the_window_is_three_working_days(today, window_end):
    assert reminder_window_end(today) == window_end


@pytest.mark.parametrize(
    "due",
    [dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 2)],  # Monday, Tuesday, Wednesday
)
def test_on_friday_a_return_due_early_next_week_is_reminded_of(
    audit, auditor, other_auditor, due, django_capture_on_commit_callbacks
):
    """Friday's run is the last before the due date's week: Saturday's and Sunday's, which used to
    remind of a return due on Tuesday or Wednesday, no longer happen."""
    audit.part_a_due = due
    audit.save()
    assert reminders_due(today=FRIDAY) == sorted([auditor.pk, other_auditor.pk])
    with django_capture_on_commit_callbacks(execute=True):  # each reminder queued through the outbox
        sent = send_part_a_reminders.apply(kwargs={"today": FRIDAY.isoformat()}).get()
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, other_auditor.email])
    body = mail.outbox[0].body
    assert f"due {due:%A} {due.day} {due:%B} 2026" in body and "overdue" not in body
    assert "due soon" in mail.outbox[0].subject.lower()


def test_on_friday_a_return_due_next_thursday_waits_for_monday(audit, auditor):
    audit.part_a_due = dt.date(2026, 12, 3)
    audit.save()
    assert reminders_due(today=FRIDAY) == []
    assert reminder_send(auditor_id=auditor.pk, today=FRIDAY) is None
    assert auditor.pk in reminders_due(today=dt.date(2026, 11, 30))
    assert not mail.outbox


def test_a_start_with_hours_it_cannot_use_stops_with_that_line():
    from agencies.tests.test_deploy import PRODUCTION_ENV, run_manage

    result = run_manage("check", env={**PRODUCTION_ENV, "SCHEDULED_EMAIL_HOURS": "8am,1pm"})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: SCHEDULED_EMAIL_HOURS must be one or more")
    assert "not '8am,1pm'" in last
