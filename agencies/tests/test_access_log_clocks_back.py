"""The night the clocks go back (25 October 2026), 01:00 to 02:00 local time comes twice: first in BST
(00:00-01:00 UTC), then in GMT (01:00-02:00 UTC). The access log tells the two apart: the CSV's "When" has
the offset from UTC, the page the zone (BST or GMT) after the time, and the offset in its <time>."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessRecord

pytestmark = pytest.mark.django_db

FIRST = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 01:30 BST
SECOND = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 01:30 GMT, an hour later
DAY = {"since": "2026-10-25", "until": "2026-10-25"}


@pytest.fixture
def records(monkeypatch):
    """Two records, made at those times (the records are append-only: their time is when they are made)."""
    made = []
    for at, summary in ((FIRST, "first"), (SECOND, "second")):
        monkeypatch.setattr(timezone, "now", lambda at=at: at)
        made.append(
            AccessRecord.objects.create(
                username="qa.manager", action="view", object_type="audits.audit", summary=summary
            )
        )
    monkeypatch.undo()
    return made


def test_the_csv_gives_each_time_its_offset(client_for, records):
    response = client_for("qa_manager").get(reverse("access_log"), {**DAY, "download": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    when = {row[6]: row[0] for row in rows[1:] if row[6] in {"first", "second"}}
    assert when == {"first": "2026-10-25 01:30:00 +01:00", "second": "2026-10-25 01:30:00 +00:00"}


def test_a_winter_and_a_summer_time_in_the_csv(client_for, monkeypatch):
    for at in (dt.datetime(2026, 1, 15, 9, 5, 7, tzinfo=dt.UTC), dt.datetime(2026, 7, 15, 9, 5, 7, tzinfo=dt.UTC)):
        monkeypatch.setattr(timezone, "now", lambda at=at: at)
        AccessRecord.objects.create(username="qa.manager", action="view", object_type="audits.audit", summary="x")
    monkeypatch.undo()
    response = client_for("qa_manager").get(reverse("access_log"), {"q": "x", "download": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert {row[0] for row in rows[1:] if row[6] == "x"} == {"2026-01-15 09:05:07 +00:00", "2026-07-15 10:05:07 +01:00"}


def test_the_page_names_the_zone_of_each_time(client_for, records):
    page = client_for("qa_manager").get(reverse("access_log"), DAY).content.decode()
    bst = '<time datetime="2026-10-25T01:30:00+01:00">25 Oct 2026 01:30:00 <span class="text-body-secondary small">BST</span></time>'
    gmt = '<time datetime="2026-10-25T01:30:00+00:00">25 Oct 2026 01:30:00 <span class="text-body-secondary small">GMT</span></time>'
    assert bst in page and gmt in page
    assert page.index(gmt) < page.index(bst)  # newest first: the second 01:30 above the first
    assert "Times are UK time, GMT or BST" in page


def test_a_time_in_summer_and_in_winter_on_the_page(client_for, monkeypatch):
    for at in (
        dt.datetime(2026, 1, 15, 9, 5, 7, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 15, 9, 5, 7, 123456, tzinfo=dt.UTC),
    ):
        monkeypatch.setattr(timezone, "now", lambda at=at: at)
        AccessRecord.objects.create(username="qa.manager", action="view", object_type="audits.audit", summary="x")
    monkeypatch.undo()
    page = client_for("qa_manager").get(reverse("access_log"), {"q": "x"}).content.decode()
    assert '15 Jan 2026 09:05:07 <span class="text-body-secondary small">GMT</span>' in page
    assert '15 Jul 2026 10:05:07 <span class="text-body-secondary small">BST</span>' in page
