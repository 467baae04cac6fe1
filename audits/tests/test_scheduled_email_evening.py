"""SCHEDULED_EMAIL_HOURS with an evening hour (22): beat makes a missed run up to 4 hours late, so the run of
Thursday's 22:00 may start at 00:30 on Friday. It is Thursday's run: its digests are recorded for Thursday and
go when delivered at once (within Thursday's 22:00 to 02:00), and Friday's run made late into Saturday is not
taken for a Saturday's. Taken as the day it was, the run recorded its digests for Friday and dropped every one
of them on delivery as outside Friday's hours (nothing sent until the next evening), or sent nothing at all."""

import pytest
from django.core import mail

from audits.models import AuditStatus, RecommendationReminder, ReminderKind, ReminderLog
from audits.tasks import send_recommendation_reminders, send_review_digests
from audits.tests import test_scheduled_email_late as late
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in
from audits.tests.test_scheduled_email_late import FRIDAY, SATURDAY, D, at, beat_run

pytestmark = pytest.mark.django_db
clock = late.clock  # the fixture setting the time the portal reads
THURSDAY = D(2026, 11, 26)


def test_a_reviewers_digest_of_an_evening_run_made_late_after_midnight_is_sent(
    settings, submitted, qa_manager, lead_officer, clock, django_capture_on_commit_callbacks
):
    settings.SCHEDULED_EMAIL_HOURS = (22,)
    assert len(beat_run(send_review_digests, clock, at(FRIDAY, 0, 30), django_capture_on_commit_callbacks)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([qa_manager.email, lead_officer.email])
    assert set(ReminderLog.objects.filter(kind=ReminderKind.REVIEW_DIGEST).values_list("sent_on", flat=True)) == {
        THURSDAY
    }


def test_fridays_evening_run_made_late_into_saturday_sends_the_owners_digest(
    settings, clock, django_capture_on_commit_callbacks
):
    settings.SCHEDULED_EMAIL_HOURS = (22,)
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    RecommendationFactory(audit=audit, due_date=D(2026, 12, 1), owner_email="owner@example.org")
    sent = beat_run(send_recommendation_reminders, clock, at(SATURDAY, 0, 30), django_capture_on_commit_callbacks)
    assert sent == ["owner@example.org"]
    assert [m.to for m in mail.outbox] == [["owner@example.org"]]
    assert set(RecommendationReminder.objects.values_list("sent_on", flat=True)) == {FRIDAY}
