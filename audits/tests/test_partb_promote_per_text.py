"""The evidence board's "Already in …" is said of the text promoted, not of the kind of finding: once a
return's text changes in Part A (the return was sent back and amended), the changed text can be promoted
to the same kind again, and the board says an earlier version is there. A promoted finding remembers
the text it was promoted from, however it is edited on the findings page."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from audits.models import Audit, AuditStatus, Finding, FindingKind, PartAReturn
from audits.selectors.partb import edit_marker
from audits.services.partb import finding_add, finding_promote, finding_update
from audits.tests.partb_pages import signed_in
from audits.tests.partb_support import complete_return
from audits.tests.test_partb_stale_promote import board, changed_in_part_a, promote_form

pytestmark = pytest.mark.django_db

FIRST = "Police shared the referral at once."
AMENDED = "Police shared the referral at once, and joined the strategy meeting the same day."
ALREADY = "Already in overall strengths"
EARLIER = "An earlier version of this text is in overall strengths."


@pytest.fixture
def ret(audit) -> PartAReturn:
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    ret = PartAReturn.objects.select_related("case", "audit").get(
        audit=audit, case__reference="Case 1", agency__short_name="Police"
    )
    complete_return(ret, ranks=1, strengths=FIRST)
    return ret


def account(page: str, ret) -> str:
    """The agency's part of the board: its strengths and improvements, with their promote buttons."""
    start = page.index(f'id="agency-{ret.agency_id}"')
    return page[start : page.index("</article>", start)]


def promote(client, page: str, ret, kind=FindingKind.STRENGTH):
    return client.post(
        reverse("audits:finding_promote", args=[ret.audit.slug]), promote_form(page, ret, kind), follow=True
    )


def test_an_amended_text_can_be_promoted_again_to_the_same_kind(ret, qa_manager):
    qa = signed_in(qa_manager)
    promote(qa, board(qa, ret), ret)
    page = board(qa, ret)
    assert ALREADY in account(page, ret)

    changed_in_part_a(ret, AMENDED)  # sent back, amended and submitted again
    page = board(qa, ret)
    mine = account(page, ret)
    assert ALREADY not in mine
    assert EARLIER in mine  # the earlier version is said to be there
    assert "Promote to overall strengths" in mine
    # The other kind the text was never promoted to says neither.
    assert "Promote to this agency&#x27;s strengths" in mine and mine.count("earlier-promoted-note") == 1

    response = promote(qa, page, ret)
    assert "Promoted to Overall strength" in response.content.decode()
    bodies = list(Finding.objects.filter(audit=ret.audit, kind=FindingKind.STRENGTH).values_list("body", flat=True))
    assert sorted(bodies) == sorted([FIRST, AMENDED])
    mine = account(board(qa, ret), ret)
    assert ALREADY in mine and EARLIER not in mine
    assert "Promote to overall strengths" not in mine

    # Amended back to the first text: that one is in the list already.
    changed_in_part_a(ret, FIRST)
    mine = account(board(qa, ret), ret)
    assert ALREADY in mine and "Promote to overall strengths" not in mine


def test_a_promoted_finding_edited_since_still_counts_as_that_text(ret, qa_manager):
    """The lead rewords the promoted finding on the findings page: the return's text is still in the
    list (no second finding from the same text), and the board says so."""
    finding, created = finding_promote(user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH)
    assert created and finding.promoted_from == ret and finding.promoted_marker == edit_marker(FIRST)
    finding_update(user=qa_manager, finding=finding, heading="Sharing", body="Reworded by the lead.", returns=[ret])

    again, created = finding_promote(user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH)
    assert (again.pk, created) == (finding.pk, False)
    assert Finding.objects.filter(audit=ret.audit, kind=FindingKind.STRENGTH).count() == 1
    qa = signed_in(qa_manager)
    assert ALREADY in account(board(qa, ret), ret)
    # No longer citing the return (the lead took it out of the finding's evidence): not "already in".
    finding_update(user=qa_manager, finding=again, heading="Sharing", body="Reworded by the lead.", returns=[])
    mine = account(board(qa, ret), ret)
    assert ALREADY not in mine and "Promote to overall strengths" in mine


def test_a_finding_written_by_hand_citing_the_return_is_not_its_text(ret, qa_manager):
    """A finding added on the findings page that cites the return says something else: the return's own
    text is not in the list, and can be promoted. One that says the text word for word is taken as it."""
    finding_add(user=qa_manager, audit=ret.audit, kind=FindingKind.STRENGTH, body="Good joint working.", returns=[ret])
    qa = signed_in(qa_manager)
    mine = account(board(qa, ret), ret)
    assert ALREADY not in mine and EARLIER not in mine

    word_for_word = finding_add(user=qa_manager, audit=ret.audit, kind=FindingKind.STRENGTH, body=FIRST, returns=[ret])
    found, created = finding_promote(user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH)
    assert (found.pk, created) == (word_for_word.pk, False)
    assert ALREADY in account(board(qa, ret), ret)


def test_the_migration_marks_findings_promoted_before_it(ret, qa_manager):
    """Findings promoted before the text was recorded: marked with the text they were created with, when
    it was the return's text, now or in an earlier version; a finding written by hand stays unmarked."""
    promoted, _created = finding_promote(
        user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH
    )
    finding_update(user=qa_manager, finding=promoted, heading="", body="Reworded since.", returns=[ret])
    by_hand = finding_add(user=qa_manager, audit=ret.audit, kind=FindingKind.STRENGTH, body="Other.", returns=[ret])
    ret.strengths = AMENDED  # amended in Part A since the promotion (recorded in the return's history)
    ret.save()
    Finding.objects.update(promoted_from=None, promoted_marker="")

    migration = importlib.import_module("audits.migrations.0010_finding_promoted_text")
    migration.promoted_texts(apps, None)

    promoted.refresh_from_db()
    by_hand.refresh_from_db()
    assert (promoted.promoted_from_id, promoted.promoted_marker) == (ret.pk, edit_marker(FIRST))
    assert (by_hand.promoted_from_id, by_hand.promoted_marker) == (None, "")
    mine = account(board(signed_in(qa_manager), ret), ret)
    assert EARLIER in mine and ALREADY not in mine
