"""A composer's save landing in the same instant as the audit's cancellation (the lead officer saving a
section as the QA manager cancels) is never written to the cancelled audit's briefing: each write to a
briefing reads whether the audit is cancelled under the audit's row lock, which the cancellation (and a
status move) takes too, so the one waits for the other. The cancellation here takes the lock first, as a
request sent an instant earlier would; the save then waits for it and is refused with the cancellation's
message, the draft as it stood."""

from __future__ import annotations

import pytest
from django.db import connection

from agencies.models import AccessRecord
from audits.models import Audit, AuditStatus
from audits.services.partb import audit_cancel, audit_transition
from audits.tests.concurrency_support import in_turn
from briefings import services
from briefings.models import Briefing, BriefingSection, BriefingVersion, Edition

pytestmark = pytest.mark.django_db(transaction=True)

REFUSAL = "This audit was cancelled: its briefings are not drafted, changed or published."


@pytest.fixture
def draft(findings_audit, qa_manager):
    """A managers' briefing drafted in Part B, its first section's text written by hand."""
    findings_audit.status = AuditStatus.PART_B
    findings_audit.save(update_fields=["status"])
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)
    section = briefing.sections.select_related("briefing__audit").order_by("order").first()
    services.briefing_section_update(
        section=section, heading=section.heading, body="Written by hand.", hidden=False, user=qa_manager
    )
    return briefing


def as_it_stands(briefing: Briefing) -> tuple:
    """The draft's title and audience, and each section's text, place and last save."""
    details = Briefing.objects.values_list("title", "audience", "details_updated_at").get(pk=briefing.pk)
    sections = BriefingSection.objects.filter(briefing=briefing).order_by("pk")
    return details, list(sections.values_list("key", "heading", "body", "hidden", "order", "updated_at"))


def first_section(briefing: Briefing) -> BriefingSection:
    return briefing.sections.select_related("briefing__audit").order_by("order").first()


SAVES = {
    "section saved": lambda section, user: services.briefing_section_update(
        section=section, heading="Typed as it was cancelled", body="Typed as it was cancelled.", hidden=False, user=user
    ),
    "section refreshed from the findings": lambda section, user: services.briefing_section_refresh(
        section=section, user=user
    ),
    "section moved": lambda section, user: services.briefing_section_move(section=section, direction="down", user=user),
    "title and audience saved": lambda section, user: services.briefing_update_details(
        briefing=section.briefing, title="Typed as it was cancelled", audience="Everyone", user=user
    ),
}


@pytest.mark.parametrize("save", SAVES.values(), ids=SAVES.keys())
def test_a_save_at_the_moment_of_the_cancellation_is_refused_and_writes_nothing(save, draft, qa_manager, lead_officer):
    assert connection.vendor == "postgresql"  # about its row locks
    section = first_section(draft)  # the lead officer's page, opened before the cancellation
    before = as_it_stands(draft)
    records = AccessRecord.objects.count()

    outcomes = in_turn(
        {
            "cancel": lambda: audit_cancel(user=qa_manager, audit=draft.audit, reason="Merged into the neglect audit"),
            "save": lambda: save(section, lead_officer),
        }
    )
    assert isinstance(outcomes["cancel"], Audit), outcomes
    assert Audit.objects.get(pk=draft.audit_id).is_cancelled
    refused = outcomes["save"]
    assert isinstance(refused, services.BriefingError) and str(refused).startswith(REFUSAL), outcomes
    assert "The draft is kept as it stood" in str(refused)
    assert as_it_stands(draft) == before
    assert AccessRecord.objects.count() == records + 1  # the cancellation's, nothing of the save


def test_a_publish_at_the_moment_the_audit_goes_back_to_part_b_is_refused(make_briefing, qa_manager, lead_officer):
    """Publishing reads the audit's stage under the same lock: a move back to Part B (after which the audit
    may be cancelled, its drafts never having been published) is not overtaken by a publish that read the
    stage before the move was saved."""
    assert connection.vendor == "postgresql"  # about its row locks
    briefing = make_briefing(Edition.MANAGERS)

    outcomes = in_turn(
        {
            "back": lambda: audit_transition(user=qa_manager, audit=briefing.audit, to_status=AuditStatus.PART_B),
            "publish": lambda: services.briefing_publish(briefing=briefing, user=lead_officer),
        }
    )
    assert isinstance(outcomes["back"], Audit), outcomes
    assert isinstance(outcomes["publish"], services.BriefingError), outcomes
    assert "This audit is at Part B" in str(outcomes["publish"])
    assert not BriefingVersion.objects.exists()
    # Nothing published, so the audit can be cancelled, as the cancellation page allows.
    audit_cancel(user=qa_manager, audit=briefing.audit, reason="Merged into the neglect audit")
