"""'Start' pressed twice for the same edition (a double click, two tabs, or the QA manager and the lead
officer at the same moment) drafts it once: the second waits for the first and is given its draft,
instead of a server error from the one-draft-per-edition constraint."""

from __future__ import annotations

import pytest
from django.db import connection

from audits.tests.concurrency_support import at_once
from briefings import services
from briefings.models import Briefing, Edition


@pytest.mark.django_db(transaction=True)
def test_two_starts_of_an_edition_at_once_draft_it_once(findings_audit, qa_manager, lead_officer):
    assert connection.vendor == "postgresql"  # about its row locks

    def start(user):
        return lambda: services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=user)

    outcomes = at_once({"qa": start(qa_manager), "lead": start(lead_officer)})
    assert all(isinstance(o, Briefing) for o in outcomes.values()), outcomes
    assert outcomes["qa"].pk == outcomes["lead"].pk
    briefing = Briefing.objects.get(audit=findings_audit, edition=Edition.MANAGERS)
    assert briefing.sections.count() == len(briefing.sections.values("key").distinct())
