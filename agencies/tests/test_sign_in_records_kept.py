"""django-axes records every sign-in and sign-out (username, address, browser, times): personal data about
staff, kept for SIGN_IN_LOG_DAYS for looking into an account's misuse, then deleted by beat every night."""

from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.utils import timezone

from agencies.models import AccessRecord
from agencies.tasks import clear_old_sign_in_records

pytestmark = pytest.mark.django_db


def sign_in_record(username: str, days_ago: float) -> AccessLog:
    record = AccessLog.objects.create(
        username=username, ip_address="203.0.113.7", user_agent="Mozilla/5.0", path_info="/accounts/login/"
    )
    AccessLog.objects.filter(pk=record.pk).update(attempt_time=timezone.now() - timedelta(days=days_ago))
    return record


def test_sign_in_records_older_than_the_period_are_deleted_and_the_rest_kept(settings):
    settings.SIGN_IN_LOG_DAYS = 365
    old = sign_in_record("left.long.ago", 400)
    kept = sign_in_record("signed.in.last.month", 30)
    accesses = AccessRecord.objects.count()

    assert clear_old_sign_in_records() == 1

    assert list(AccessLog.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert AccessRecord.objects.count() == accesses  # the portal's own access log is not this


def test_beat_deletes_them_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["sign-in-records-clear"]
    assert entry["task"] == "agencies.tasks.clear_old_sign_in_records"
    assert entry["schedule"].hour == {settings.PURGE_HOUR} and entry["schedule"].minute == {30}
