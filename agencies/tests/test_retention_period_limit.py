"""The partnership's retention period is at most 1200 months (100 years): a longer one (99999 typed to keep
everything) is refused on its field with a clear message, what was typed kept, instead of being saved and then
stopping every retention purge, and every cancellation of an audit with returns, with a server error (the period
is counted on the calendar, which ends at the year 9999)."""

import html

import pytest
from django.utils import timezone

from agencies.models import MAX_RETENTION_MONTHS, Partnership
from agencies.tests.test_leavers_addresses_refused import settings_form, settings_url, text
from audits.models import AuditStatus
from audits.services.retention import audits_expired, retention_date

pytestmark = pytest.mark.django_db


def test_a_retention_period_past_100_years_is_refused_with_what_was_typed_kept(signed_in):
    partnership = Partnership.load()
    response = signed_in.post(settings_url(partnership), settings_form(partnership, retention_months="99999"))

    page = html.unescape(text(response))
    assert response.status_code == 200
    assert "At most 1200 months (100 years): give the partnership's retention period in months." in page
    assert 'value="99999"' in page
    assert Partnership.load().retention_months == 24


def test_the_longest_period_allowed_is_counted_without_error(signed_in, audit):
    partnership = Partnership.load()
    form = settings_form(partnership, retention_months=str(MAX_RETENTION_MONTHS))
    assert signed_in.post(settings_url(partnership), form).status_code == 302
    assert Partnership.load().retention_months == MAX_RETENTION_MONTHS

    audit.status, audit.closed_at = AuditStatus.CLOSED, timezone.now()
    audit.save()
    assert retention_date(audit).year == timezone.localdate().year + 100
    assert audits_expired() == []


def test_the_settings_page_says_the_period_counts_from_a_cancellation_too(signed_in):
    """A cancelled audit is purged on the same clock, from its cancellation (audits.services.retention): the
    field says so, not only 'after an audit is closed'."""
    page = html.unescape(text(signed_in.get(settings_url(Partnership.load()))))
    assert "Months after an audit is closed or cancelled before its case-level detail is removed." in page
