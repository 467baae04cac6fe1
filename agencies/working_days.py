"""Working days: Monday to Friday, less the bank holidays of the UK part the partnership is in
(settings.BANK_HOLIDAYS).

The e-mails that go to people on a timetable (Part A reminders, reviewers' digests, recommendation owners'
digests) are sent by beat on working days only (audits.tasks), and Part A's "due within 3 days" counts
working days (audits.services.parta.reminder_window_end). The bank holidays are the `holidays` library's
for the United Kingdom's subdivisions, substitute days and one-off ones (a coronation, a state funeral)
included: nothing here works out a date.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
from django.conf import settings

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


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a bank holiday (settings.BANK_HOLIDAYS)."""
    return day.weekday() < 5 and bank_holiday(day) is None
