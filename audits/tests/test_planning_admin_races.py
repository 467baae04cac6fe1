"""Planning's audit page saved twice at the same moment, or from a page opened before somebody else saved it
(another QA manager, the same one's other tab): the second save waits for the first and sees it; neither
undoes the other unseen, nor e-mails everyone a change twice."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import OutboxMessage
from audits.models import Audit
from audits.tests.admin_support import admin_form_data
from audits.tests.concurrency_support import at_once

TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=10)


def page(user, audit) -> tuple[Client, str, dict]:
    client = Client()
    client.force_login(user)
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    return client, url, admin_form_data(client, url)


def text(response) -> str:
    return unescape(" ".join(response.content.decode().split()))


@pytest.mark.django_db(transaction=True)
def test_two_due_dates_saved_at_once_keep_one_and_refuse_the_other_telling_people_once(audit, qa_manager):
    assert connection.vendor == "postgresql"  # about its row locks
    Audit.objects.filter(pk=audit.pk).update(part_a_due=DUE)
    # Two tabs opened on the same plan; each moves Part A's due date, to a different day.
    tabs = {name: page(qa_manager, audit) for name in ("first", "second")}
    days = {"first": DUE + datetime.timedelta(days=7), "second": DUE + datetime.timedelta(days=14)}

    def save(name):
        client, url, data = tabs[name]
        return lambda: client.post(url, data | {"part_a_due": days[name].isoformat()})

    outcomes = at_once({name: save(name) for name in tabs})
    codes = sorted(response.status_code for response in outcomes.values())
    assert codes == [200, 302], outcomes
    [saved] = [name for name, response in outcomes.items() if response.status_code == 302]
    [refused] = [response for response in outcomes.values() if response.status_code == 200]
    assert "Changed by somebody else since you opened this page" in text(refused)
    assert Audit.objects.get(pk=audit.pk).part_a_due == days[saved]
    assert OutboxMessage.objects.filter(task="audits.tasks.notify_plan_changed").count() == 1
