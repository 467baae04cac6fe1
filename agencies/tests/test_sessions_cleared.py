"""Expired sessions are deleted every hour (Celery beat), with whatever was kept in them: text typed
before a password check is not left in the database when its owner never comes back."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from agencies.decorators import KEPT_FIELDS
from agencies.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def test_expired_sessions_and_what_they_kept_are_deleted_and_live_ones_stay():
    store = import_module(settings.SESSION_ENGINE).SessionStore
    abandoned = store()
    abandoned[KEPT_FIELDS] = {"/audits/returns/1/unlock/": {"at": 0, "fields": {"reason": ["Case 3's name"]}}}
    abandoned.set_expiry(1)
    abandoned.create()
    live = store()
    live["x"] = 1
    live.create()
    Session.objects.filter(session_key=abandoned.session_key).update(expire_date=timezone.now() - timedelta(hours=1))

    clear_expired_sessions()

    assert not Session.objects.filter(session_key=abandoned.session_key).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()
    schedule = settings.CELERY_BEAT_SCHEDULE["sessions-clear"]
    assert schedule["task"] == clear_expired_sessions.name and schedule["schedule"] <= 60 * 60
