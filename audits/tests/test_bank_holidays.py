"""Bank holidays are not working days for the e-mails that go to people on a timetable (Part A reminders,
reviewers' digests, recommendation owners' digests): beat's runs on one send nothing and the next working
day's run sends as usual, and Part A's "due within 3 working days" reaches a day further for each. Whose
bank holidays: settings.BANK_HOLIDAYS (England and Wales, Scotland, Northern Ireland, or none)."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from celery.beat import ScheduleEntry
from django.conf import settings as django_settings
from django.core import mail

from agencies.tests.test_deploy import PRODUCTION_ENV, run_manage
from agencies.working_days import BANK_HOLIDAY_SUBDIVISIONS, bank_holiday, is_working_day
from auditportal.celery import app
from audits.models import AuditStatus, RecommendationReminder, ReminderKind, ReminderLog
from audits.services.parta import reminder_window_end, reminders_due
from audits.tasks import send_part_a_reminders
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

# Working days read the partnership's closure days (Partnership.closure_days) from its settings.
pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
D = dt.date

# England and Wales, 2026: Good Friday 3 April, Easter Monday 6 April; Christmas Day Friday 25 December,
# Boxing Day Saturday 26 December and its substitute Monday 28 December; New Year's Day Friday 1 January 2027.
GOOD_FRIDAY, EASTER_MONDAY = D(2026, 4, 3), D(2026, 4, 6)
MAUNDY_THURSDAY, EASTER_TUESDAY = D(2026, 4, 2), D(2026, 4, 7)
CHRISTMAS_DAY, BOXING_DAY_SUBSTITUTE, AFTER_CHRISTMAS = D(2026, 12, 25), D(2026, 12, 28), D(2026, 12, 29)


@pytest.fixture
def bank_holidays(settings):
    def use(part: str) -> None:
        settings.BANK_HOLIDAYS = part

    return use


# --- Which days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "day", "name"),
    [
        ("england", CHRISTMAS_DAY, "Christmas Day"),
        ("england", EASTER_MONDAY, "Easter Monday"),
        ("england", BOXING_DAY_SUBSTITUTE, "Boxing Day (observed)"),
        ("england", D(2023, 5, 8), "Coronation of Charles III"),  # a one-off
        ("england", D(2026, 11, 30), None),  # St Andrew's Day: Scotland's only
        ("scotland", D(2026, 11, 30), "Saint Andrew's Day"),
        ("scotland", D(2025, 12, 1), "Saint Andrew's Day (observed)"),  # 30 November 2025 was a Sunday
        ("scotland", D(2026, 1, 2), "New Year Holiday"),
        ("scotland", EASTER_MONDAY, None),  # not a bank holiday in Scotland
        ("northern-ireland", D(2026, 3, 17), "Saint Patrick's Day"),
        ("northern-ireland", D(2026, 7, 13), "Battle of the Boyne (observed)"),
        ("none", CHRISTMAS_DAY, None),
    ],
)
def test_the_bank_holidays_of_the_part_set(bank_holidays, part, day, name):
    bank_holidays(part)
    assert bank_holiday(day) == name
    assert is_working_day(day) is (name is None)


def test_none_keeps_monday_to_friday(bank_holidays):
    week = [CHRISTMAS_DAY + dt.timedelta(days=n) for n in range(7)]  # Friday to Thursday
    assert [is_working_day(day) for day in week] == [False, False, False, False, True, True, True]
    assert reminder_window_end(MAUNDY_THURSDAY) == D(2026, 4, 9)
    bank_holidays("none")
    assert [is_working_day(day) for day in week] == [True, False, False, True, True, True, True]
    assert reminder_window_end(MAUNDY_THURSDAY) == EASTER_TUESDAY  # Friday, Monday, Tuesday
    assert reminder_window_end(D(2026, 12, 24)) == AFTER_CHRISTMAS


def test_every_part_the_settings_accept_has_its_bank_holidays():
    assert set(BANK_HOLIDAY_SUBDIVISIONS) == set(django_settings.BANK_HOLIDAY_PARTS)
    assert django_settings.BANK_HOLIDAYS == "england"  # the default


# --- Part A's window over a bank holiday ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "today", "window_end"),
    [
        # Easter: Friday and Monday are bank holidays in England, Friday only in Scotland.
        ("england", D(2026, 3, 31), EASTER_TUESDAY),  # Tuesday: Wednesday, Thursday, Tuesday
        ("england", MAUNDY_THURSDAY, D(2026, 4, 9)),  # Thursday: Tuesday to the Thursday after
        ("scotland", MAUNDY_THURSDAY, D(2026, 4, 8)),  # Monday, Tuesday, Wednesday
        ("northern-ireland", MAUNDY_THURSDAY, D(2026, 4, 9)),
        # Christmas and the New Year.
        ("england", D(2026, 12, 23), D(2026, 12, 30)),  # Wednesday: Thursday 24, Tuesday 29, Wednesday 30
        ("england", D(2026, 12, 24), D(2026, 12, 31)),  # the last working day before Christmas
        ("england", D(2026, 12, 30), D(2027, 1, 5)),  # Thursday 31, Monday 4, Tuesday 5
    ],
)
def test_the_window_counts_three_working_days_over_the_bank_holidays(bank_holidays, part, today, window_end):
    bank_holidays(part)
    assert reminder_window_end(today) == window_end


@pytest.mark.parametrize(
    ("part", "today", "there", "in_england"),
    [
        # St Andrew's Day's substitute, Monday 1 December 2025. Friday: Tuesday to Thursday.
        ("scotland", D(2025, 11, 28), D(2025, 12, 4), D(2025, 12, 3)),
        # 2 January 2026, a Friday. Wednesday 31 December: Monday 5 to Wednesday 7.
        ("scotland", D(2025, 12, 31), D(2026, 1, 7), D(2026, 1, 6)),
        # St Patrick's Day, Tuesday 17 March 2026. Friday: Monday, Wednesday, Thursday.
        ("northern-ireland", D(2026, 3, 13), D(2026, 3, 19), D(2026, 3, 18)),
    ],
)
def test_a_bank_holiday_of_one_part_only_moves_that_parts_window(bank_holidays, part, today, there, in_england):
    bank_holidays("england")
    assert reminder_window_end(today) == in_england
    bank_holidays(part)
    assert reminder_window_end(today) == there


@pytest.mark.parametrize("due", [GOOD_FRIDAY, EASTER_MONDAY, EASTER_TUESDAY, D(2026, 4, 8), D(2026, 4, 9)])
def test_before_easter_a_return_due_up_to_the_thursday_after_is_reminded_of(
    audit, auditor, other_auditor, due, django_capture_on_commit_callbacks
):
    """Maundy Thursday's run is the last before Tuesday's: a return due on Thursday 9 April has its three
    working days' notice (Thursday, Tuesday, Wednesday), as it would have without the bank holidays."""
    audit.part_a_due = due
    audit.save()
    assert reminders_due(today=MAUNDY_THURSDAY) == sorted([auditor.pk, other_auditor.pk])
    with django_capture_on_commit_callbacks(execute=True):  # each reminder queued through the outbox
        sent = send_part_a_reminders.apply(kwargs={"today": MAUNDY_THURSDAY.isoformat(), "scheduled": True}).get()
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, other_auditor.email])
    assert f"due {due:%A} {due.day} April 2026" in mail.outbox[0].body


def test_in_scotland_the_friday_before_st_andrews_day_reminds_of_thursday(bank_holidays, audit, auditor):
    """Monday 30 November 2026 is St Andrew's Day: in Scotland, Friday's window reaches Thursday."""
    audit.part_a_due = D(2026, 12, 3)
    audit.save()
    friday = D(2026, 11, 27)
    assert auditor.pk not in reminders_due(today=friday)  # England and Wales: Monday to Wednesday
    bank_holidays("scotland")
    assert auditor.pk in reminders_due(today=friday)


# --- Beat's runs on a bank holiday -------------------------------------------------------------------


def scheduled_run(name: str, day: dt.date, capture):
    """The run beat starts from settings.CELERY_BEAT_SCHEDULE[name] (its task, arguments and options), at
    08:00 local time on `day`: due then, and run with `day` as today."""
    options = django_settings.CELERY_BEAT_SCHEDULE[name]
    schedule = copy.copy(options["schedule"])
    schedule.nowfun = lambda: dt.datetime.combine(day, dt.time(8, 0, 5), tzinfo=LONDON)
    entry = ScheduleEntry(name=name, task=options["task"], schedule=schedule, app=app, kwargs=options.get("kwargs"))
    entry.last_run_at = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(13), tzinfo=LONDON)
    assert entry.is_due()[0], f"{name} is not due at 08:00 on {day}"
    with capture(execute=True):
        return app.tasks[entry.task].apply(args=entry.args, kwargs={**entry.kwargs, "today": day.isoformat()}).get()


@pytest.mark.parametrize("holiday", [EASTER_MONDAY, CHRISTMAS_DAY, BOXING_DAY_SUBSTITUTE])
def test_no_part_a_reminder_on_a_bank_holiday_and_the_next_working_day_as_usual(
    audit, auditor, other_auditor, holiday, django_capture_on_commit_callbacks
):
    audit.part_a_due = holiday - dt.timedelta(days=7)  # overdue: reminded of every working day
    audit.save()
    assert scheduled_run("part-a-reminders", holiday, django_capture_on_commit_callbacks) == []
    assert mail.outbox == [] and not ReminderLog.objects.exists()

    next_day = EASTER_TUESDAY if holiday == EASTER_MONDAY else AFTER_CHRISTMAS
    sent = scheduled_run("part-a-reminders", next_day, django_capture_on_commit_callbacks)
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, other_auditor.email])
    assert set(ReminderLog.objects.values_list("kind", "sent_on")) == {(ReminderKind.AUTOMATIC, next_day)}


def test_a_run_by_hand_on_a_bank_holiday_still_sends(audit, auditor, other_auditor, django_capture_on_commit_callbacks):
    audit.part_a_due = EASTER_MONDAY
    audit.save()
    assert (
        sorted(send_part_a_reminders.apply(kwargs={"today": EASTER_MONDAY.isoformat(), "scheduled": True}).get()) == []
    )
    with django_capture_on_commit_callbacks(execute=True):  # each reminder queued through the outbox
        sent = send_part_a_reminders.apply(kwargs={"today": EASTER_MONDAY.isoformat()}).get()
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])
    assert len(mail.outbox) == 2


def test_no_reviewers_digest_on_a_bank_holiday(submitted, qa_manager, lead_officer, django_capture_on_commit_callbacks):
    assert scheduled_run("review-digests", CHRISTMAS_DAY, django_capture_on_commit_callbacks) == []
    assert scheduled_run("review-digests", BOXING_DAY_SUBSTITUTE, django_capture_on_commit_callbacks) == []
    assert mail.outbox == [] and not ReminderLog.objects.exists()
    assert len(scheduled_run("review-digests", AFTER_CHRISTMAS, django_capture_on_commit_callbacks)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([qa_manager.email, lead_officer.email])


def test_no_owners_digest_on_a_bank_holiday(db, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    RecommendationFactory(audit=audit, due_date=D(2027, 1, 4), owner_email="owner@example.org")
    assert scheduled_run("recommendation-reminders", CHRISTMAS_DAY, django_capture_on_commit_callbacks) == []
    assert mail.outbox == [] and not RecommendationReminder.objects.exists()
    sent = scheduled_run("recommendation-reminders", AFTER_CHRISTMAS, django_capture_on_commit_callbacks)
    assert sent == ["owner@example.org"]
    assert [m.to for m in mail.outbox] == [["owner@example.org"]]


def test_in_scotland_easter_monday_is_a_working_day_and_st_andrews_day_is_not(
    bank_holidays, audit, auditor, other_auditor, django_capture_on_commit_callbacks
):
    audit.part_a_due = D(2026, 3, 1)
    audit.save()
    bank_holidays("scotland")
    assert scheduled_run("part-a-reminders", D(2026, 11, 30), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []
    sent = scheduled_run("part-a-reminders", EASTER_MONDAY, django_capture_on_commit_callbacks)
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])


def test_with_none_a_bank_holiday_is_a_working_day(bank_holidays, django_capture_on_commit_callbacks, audit, auditor):
    audit.part_a_due = CHRISTMAS_DAY
    audit.save()
    bank_holidays("none")
    assert auditor.pk in scheduled_run("part-a-reminders", CHRISTMAS_DAY, django_capture_on_commit_callbacks)


# --- The setting ------------------------------------------------------------------------------------


def test_a_part_the_settings_do_not_know_stops_the_start_with_a_clear_line():
    result = run_manage("check", env={**PRODUCTION_ENV, "BANK_HOLIDAYS": "wales"})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "django.core.exceptions.ImproperlyConfigured: BANK_HOLIDAYS must be the UK part whose bank holidays are "
        "not working days for the scheduled e-mails: england (England and Wales), scotland, northern-ireland, or "
        "none (Monday to Friday); not 'wales'"
    ), result.stderr


def test_the_part_is_read_in_any_case():
    script = "from django.conf import settings; print(settings.BANK_HOLIDAYS)"
    result = run_manage("shell", "-c", script, "-v0", env={**PRODUCTION_ENV, "BANK_HOLIDAYS": " Northern-Ireland "})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "northern-ireland"
