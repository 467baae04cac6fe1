"""A refused save or publish says when the other person saved or published: the local time alone when
that was today, with its day when it was another day. "Saved this section at 14:05, after you opened
it" on a composer opened days before said it was today."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from briefings import services
from briefings.models import Briefing, BriefingSection, Edition

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def briefing(make_briefing) -> Briefing:
    return make_briefing(Edition.MANAGERS)


def _saved_at(section: BriefingSection, moment: dt.datetime) -> BriefingSection:
    BriefingSection.objects.filter(pk=section.pk).update(updated_at=moment)
    section.refresh_from_db()
    return section


def test_a_section_saved_another_day_is_said_with_its_day_and_today_with_its_time_alone(briefing):
    # 14:05 BST on 20 October 2026 (13:05 UTC): the local time, with its day.
    section = _saved_at(briefing.sections.first(), dt.datetime(2026, 10, 20, 14, 5, tzinfo=LONDON))
    assert "at 20 Oct 2026, 14:05, after you opened it" in str(services.SectionConflict(section))
    assert "at 20 Oct 2026, 14:05, after you opened this page" in str(services.RefreshConflict(section))

    moment = timezone.localtime().replace(second=0, microsecond=0)
    section = _saved_at(section, moment)
    assert f"at {moment:%H:%M}, after you opened it" in str(services.SectionConflict(section))


def test_a_title_changed_another_day_is_said_with_its_day(briefing):
    Briefing.objects.filter(pk=briefing.pk).update(
        details_updated_at=dt.datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)  # 00:30 GMT, the clocks go forward at 1
    )
    briefing.refresh_from_db()
    assert "at 29 Mar 2026, 00:30, after you opened this page" in str(services.DetailsConflict(briefing, ["title"]))
