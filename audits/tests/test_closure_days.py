"""The partnership's closure days (Partnership.closure_days: its offices shut between Christmas and New Year, a
local holiday) are not working days: beat's runs send no Part A reminders or digests on them, the next working
day's run sends as usual, and Part A's "due within 3 working days" does not count them."""

import datetime as dt
import logging

import pytest
from django.core import mail

from agencies.models import Partnership
from agencies.working_days import ClosureDaysError, closure_lines, closure_ranges, is_working_day
from audits.models import ReminderLog
from audits.services.parta import reminder_window_end, reminders_due
from audits.tests.test_bank_holidays import scheduled_run

D = dt.date
# 2026: Christmas Day Friday 25 December, Boxing Day's substitute Monday 28 December (bank holidays in England).
TUESDAY_29, WEDNESDAY_30, THURSDAY_31, MONDAY_4 = D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 4)


def closed(text: str) -> None:
    Partnership.objects.update_or_create(pk=1, defaults={"closure_days": text})
    Partnership.clear_cache()


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("29/12/2026", [(TUESDAY_29, TUESDAY_29)]),
        ("2026-12-29", [(TUESDAY_29, TUESDAY_29)]),
        ("29/12/2026 to 31/12/2026", [(TUESDAY_29, THURSDAY_31)]),
        ("29/12/2026 – 31/12/2026", [(TUESDAY_29, THURSDAY_31)]),
        ("29/12/2026-31/12/2026", [(TUESDAY_29, THURSDAY_31)]),
        ("\n 04/01/2027 \n\n29/12/2026 to 30/12/2026\n", [(TUESDAY_29, WEDNESDAY_30), (MONDAY_4, MONDAY_4)]),
        ("", []),
    ],
)
def test_closure_days_are_read_as_typed(text, ranges):
    assert closure_ranges(text) == ranges
    assert closure_ranges(closure_lines(ranges)) == ranges  # as saved, read the same


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("29/12", "“29/12” is not a date"),
        ("Christmas", "“Christmas” is not a date"),
        ("31/02/2026", "“31/02/2026” is not a date"),
        ("31/12/2026 to 29/12/2026", "“31/12/2026 to 29/12/2026” ends before it starts"),
        ("29/12/2026 to 29/12/2027", "“29/12/2026 to 29/12/2027” is longer than 31 days"),
        ("01/01/2027 to 02/01/2027 to 03/01/2027", "is not a date"),
    ],
)
def test_a_line_that_is_not_a_closure_day_is_named(text, said):
    with pytest.raises(ClosureDaysError, match=said):
        closure_ranges(text)


@pytest.mark.django_db
def test_closure_days_are_not_working_days():
    assert is_working_day(TUESDAY_29) and is_working_day(THURSDAY_31)
    closed("29/12/2026 to 31/12/2026")
    assert not is_working_day(TUESDAY_29) and not is_working_day(WEDNESDAY_30) and not is_working_day(THURSDAY_31)
    assert is_working_day(MONDAY_4)


@pytest.mark.django_db
def test_settings_saved_unread_take_no_closure_day_and_say_so(caplog):
    """Saved otherwise than through the settings' form (which refuses it): no day is taken, logged."""
    closed("the week after Christmas")
    with caplog.at_level(logging.ERROR, logger="agencies.models"):
        assert is_working_day(TUESDAY_29)
    assert "closure days not read" in caplog.text


@pytest.mark.django_db
def test_the_window_counts_three_working_days_over_the_closure_days():
    # Wednesday 23 December: Thursday 24, then (bank holidays on 25 and 28) Tuesday 29 and Wednesday 30.
    assert reminder_window_end(D(2026, 12, 23)) == WEDNESDAY_30
    closed("29/12/2026 to 31/12/2026")
    # Then Thursday 24, Monday 4 and Tuesday 5 January (New Year's Day a bank holiday).
    assert reminder_window_end(D(2026, 12, 23)) == D(2027, 1, 5)


@pytest.mark.django_db
def test_a_return_due_after_the_closure_is_reminded_of_before_it(audit, auditor):
    audit.part_a_due = D(2027, 1, 5)
    audit.save()
    wednesday_23 = D(2026, 12, 23)
    assert auditor.pk not in reminders_due(today=wednesday_23)
    closed("29/12/2026 to 31/12/2026")
    assert auditor.pk in reminders_due(today=wednesday_23)


@pytest.mark.django_db
def test_no_part_a_reminder_on_a_closure_day_and_the_next_working_day_as_usual(
    audit, auditor, other_auditor, django_capture_on_commit_callbacks
):
    closed("29/12/2026 to 31/12/2026")
    audit.part_a_due = D(2026, 12, 18)  # overdue: reminded of every working day
    audit.save()
    for day in (TUESDAY_29, WEDNESDAY_30, THURSDAY_31):
        assert scheduled_run("part-a-reminders", day, django_capture_on_commit_callbacks) == []
    assert mail.outbox == [] and not ReminderLog.objects.exists()

    sent = scheduled_run("part-a-reminders", MONDAY_4, django_capture_on_commit_callbacks)
    assert sorted(sent) == sorted([auditor.pk, other_auditor.pk])
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {MONDAY_4}


@pytest.mark.django_db
def test_no_reviewers_digest_on_a_closure_day(submitted, qa_manager, lead_officer, django_capture_on_commit_callbacks):
    closed("30/12/2026")
    assert scheduled_run("review-digests", WEDNESDAY_30, django_capture_on_commit_callbacks) == []
    assert mail.outbox == []
    assert len(scheduled_run("review-digests", THURSDAY_31, django_capture_on_commit_callbacks)) == 2
