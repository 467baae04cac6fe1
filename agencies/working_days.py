"""Working days: Monday to Friday, less the bank holidays of the UK part the partnership is in
(settings.BANK_HOLIDAYS) and the partnership's own closure days (Partnership.closure_days: its offices shut
between Christmas and New Year, a local holiday), which an administrator sets in the partnership's settings.

The e-mails that go to people on a timetable (Part A reminders, reviewers' digests, recommendation owners'
digests) are sent by beat on working days only (audits.tasks), and Part A's "due within 3 days" counts
working days (audits.services.parta.reminder_window_end). One of those e-mails that a worker gets late (a
retry over a mail server that did not answer, the outbox publishing again a message Redis lost, workers
down with it queued) goes only within the hours beat's own run would be made in (scheduled_run_day). The
bank holidays are the `holidays` library's for the United Kingdom's subdivisions, substitute days and
one-off ones (a coronation, a state funeral) included: nothing here works out a date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

# settings.BANK_HOLIDAYS: the holidays library's subdivisions of the UK whose bank holidays apply. England
# and Wales have the same ones; "none", Monday to Friday only.
BANK_HOLIDAY_SUBDIVISIONS: dict[str, tuple[str, ...]] = {
    "england": ("ENG", "WLS"),
    "scotland": ("SCT",),
    "northern-ireland": ("NIR",),
    "none": (),
}


@lru_cache(maxsize=64)
def _bank_holidays(part: str, year: int) -> dict[date, str]:
    found: dict[date, str] = {}
    for subdivision in BANK_HOLIDAY_SUBDIVISIONS[part]:
        found.update(holidays.UK(subdiv=subdivision, years=year))
    return found


def bank_holiday(day: date) -> str | None:
    """The name of the bank holiday `day` is where the partnership is (settings.BANK_HOLIDAYS), or None."""
    return _bank_holidays(settings.BANK_HOLIDAYS, day.year).get(day)


# A closure day or a range of them, one per line: 29/12/2026, or 29/12/2026 to 31/12/2026 ("-" or "–" for "to").
CLOSURE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
CLOSURE_RANGE_DAYS = 31  # a longer range is a mistyped month or year


class ClosureDaysError(ValueError):
    pass


def _not_a_date(line: str) -> ClosureDaysError:
    return ClosureDaysError(
        _("“%(line)s” is not a date: write each closure day as 29/12/2026, or a range as 29/12/2026 to 31/12/2026.")
        % {"line": line}
    )


def _closure_date(text: str, line: str) -> date:
    for fmt in CLOSURE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise _not_a_date(line)


def closure_ranges(text: str) -> list[tuple[date, date]]:
    """The closure days written in `text` (Partnership.closure_days), as (first, last) ranges in order of date.
    Raises ClosureDaysError, saying which line, for a line that is not a date or a range of at most
    CLOSURE_RANGE_DAYS days."""
    ranges = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        parts = line.replace("–", " to ").replace("—", " to ").split(" to ")
        if len(parts) == 1 and line.count("-") == 1 and "/" in line:
            parts = line.split("-")
        if len(parts) > 2:
            raise _not_a_date(line)
        first = _closure_date(parts[0], line)
        last = _closure_date(parts[-1], line)
        if last < first:
            raise ClosureDaysError(_("“%(line)s” ends before it starts.") % {"line": line})
        if (last - first).days >= CLOSURE_RANGE_DAYS:
            raise ClosureDaysError(
                _("“%(line)s” is longer than %(days)d days: check the month and the year.")
                % {"line": line, "days": CLOSURE_RANGE_DAYS}
            )
        ranges.append((first, last))
    return sorted(ranges)


def closure_lines(ranges: list[tuple[date, date]]) -> str:
    """`ranges` written as closure_ranges() reads them, one per line in order of date."""
    return "\n".join(
        f"{first:%d/%m/%Y}" if first == last else f"{first:%d/%m/%Y} to {last:%d/%m/%Y}" for first, last in ranges
    )


def closure_day(day: date) -> bool:
    """Whether `day` is one of the partnership's closure days (Partnership.closure_days)."""
    from agencies.models import Partnership

    return day in Partnership.load().closure_dates


def is_working_day(day: date) -> bool:
    """Monday to Friday, not a bank holiday (settings.BANK_HOLIDAYS) nor a closure day (Partnership.closure_days)."""
    return day.weekday() < 5 and bank_holiday(day) is None and not closure_day(day)


def day_off_reason(day: date) -> str:
    """Why `day` is not a working day, for the worker's log."""
    if day.weekday() >= 5:
        return "the weekend"
    return bank_holiday(day) or ("a closure day" if closure_day(day) else "a working day")


def scheduled_run_day(moment: datetime | None = None) -> date | None:
    """The working day whose scheduled e-mails may go at `moment` (now), or None when none may.

    Beat runs them at SCHEDULED_EMAIL_HOURS (local time) on working days, and makes a run it missed only within
    CELERY_BEAT_CRON_STARTING_DEADLINE (4 hours) of its time: with 8 and 13, from 08:00 to 12:00 and from 13:00
    to 17:00 on a working day. An e-mail of such a run is sent within the same hours, never at night, at the
    weekend or on a bank holiday (audits.tasks: sent later than that, it is left to the next run)."""
    local = timezone.localtime(moment or timezone.now())
    late_by = timedelta(seconds=settings.CELERY_BEAT_CRON_STARTING_DEADLINE)
    for day in (local.date(), local.date() - timedelta(days=1)):  # an hour late in the evening ends after midnight
        if not is_working_day(day):
            continue
        for hour in settings.SCHEDULED_EMAIL_HOURS:
            start = timezone.make_aware(datetime.combine(day, time(hour)))
            if start <= local < start + late_by:
                return day
    return None
