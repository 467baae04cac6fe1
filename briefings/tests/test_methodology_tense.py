"""A briefing started before its audit's Part B session (a QA manager drafting ahead of the day) says in its
methodology that the session will be held, not that it was: in the audit's own text's added sentence and in the
"two parts" text written when the audit has none. A session held today or earlier reads as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audits.models import PartBSession
from briefings import services
from briefings.models import Edition
from briefings.prefill import _long_date

pytestmark = pytest.mark.django_db


def methodology_of(audit, user, *, days_from_today: int, text: str = "") -> tuple[str, str]:
    held = timezone.localdate() + timedelta(days=days_from_today)
    PartBSession.objects.filter(audit=audit).update(date=held)
    audit.methodology = text
    audit.save(update_fields=["methodology"])
    briefing = services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=user)
    return briefing.sections.get(key="methodology").body, _long_date(held)


def test_a_session_to_come_is_one_the_auditors_will_meet_at(findings_audit, qa_manager):
    body, held = methodology_of(findings_audit, qa_manager, days_from_today=21)

    assert "The audit has two parts:" in body
    assert f"the auditors will meet on {held} at Council House to share their findings" in body
    assert "auditors met" not in body and "had two parts" not in body


def test_a_session_to_come_after_the_audits_own_text_will_be_held(findings_audit, qa_manager):
    text = "Each agency completed a Part A return for every case."
    body, held = methodology_of(findings_audit, qa_manager, days_from_today=1, text=text)

    assert body.endswith(f"{text}\n\nThe Part B session will be held on {held} at Council House.")
    assert "was held" not in body


@pytest.mark.parametrize("days_from_today", [0, -30])
def test_a_session_held_today_or_before_reads_as_before(findings_audit, qa_manager, days_from_today):
    body, held = methodology_of(findings_audit, qa_manager, days_from_today=days_from_today)

    assert "The audit had two parts:" in body
    assert f"the auditors met on {held} at Council House to share their findings" in body


@pytest.mark.parametrize("days_from_today", [0, -30])
def test_a_session_held_today_or_before_after_the_audits_own_text_was_held(findings_audit, qa_manager, days_from_today):
    text = "Each agency completed a Part A return for every case."
    body, held = methodology_of(findings_audit, qa_manager, days_from_today=days_from_today, text=text)

    assert body.endswith(f"{text}\n\nThe Part B session was held on {held} at Council House.")
