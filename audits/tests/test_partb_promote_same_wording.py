"""Two agencies' returns that say the same words, both cited by one finding promoted from the first: the
second's text promoted finds that finding (not a second one), and leaves it the first return's promoted
text, so the first's board still says "Already in …" (a finding records one text promoted; 7b03c09).
A finding that no longer cites the return it was promoted from may be marked as the second's."""

import pytest
from django.urls import reverse

from audits.models import Finding, FindingKind
from audits.services.partb import finding_promote, finding_update
from audits.tests.partb_pages import signed_in
from audits.tests.test_partb_promote_per_text import account
from audits.tests.test_partb_stale_promote import board, promote_form

pytestmark = pytest.mark.django_db

SAME = "Information was shared with the other agencies the same day."
ALREADY = "Already in overall strengths"


def promote(client, ret, form=None):
    return client.post(
        reverse("audits:finding_promote", args=[ret.audit.slug]),
        form or promote_form(board(client, ret), ret, FindingKind.STRENGTH),
        follow=True,
    )


def test_the_same_words_promoted_from_a_second_return_leave_the_first_its_already_in(same_words, qa_manager):
    first, second = same_words
    qa = signed_in(qa_manager)
    promote(qa, first)
    # The second's board opened before the lead cites it (once cited, its board says "Already in …"
    # and has no button for it: test_partb_board_same_wording.py).
    opened = promote_form(board(qa, second), second, FindingKind.STRENGTH)
    finding = Finding.objects.get(audit=first.audit, kind=FindingKind.STRENGTH)
    # The lead cites the second agency's return too: it said the same.
    finding_update(user=qa_manager, finding=finding, heading="", body=SAME, returns=[first, second])

    response = promote(qa, second, opened)
    assert "That text is already in Overall strength." in response.content.decode()
    assert Finding.objects.filter(audit=first.audit, kind=FindingKind.STRENGTH).count() == 1
    finding.refresh_from_db()
    assert finding.promoted_from == first
    assert ALREADY in account(board(qa, first), first)  # not taken away by the second's promote

    # The first promoted again: the same finding, still the first's.
    again, created = finding_promote(user=qa_manager, part_a_return=first, field="strengths", kind=FindingKind.STRENGTH)
    assert (again.pk, created) == (finding.pk, False)
    finding.refresh_from_db()
    assert finding.promoted_from == first

    # No longer citing the first (the lead took it out of the evidence): the second's text may be marked.
    finding_update(user=qa_manager, finding=finding, heading="", body=SAME, returns=[second])
    found, created = finding_promote(
        user=qa_manager, part_a_return=second, field="strengths", kind=FindingKind.STRENGTH
    )
    assert (found.pk, created) == (finding.pk, False)
    finding.refresh_from_db()
    assert finding.promoted_from == second
    assert ALREADY in account(board(qa, second), second)
