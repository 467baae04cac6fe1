"""The evidence board says "Already in …" of a return's text that a finding citing the return says word for
word, whichever return that finding was promoted from: two agencies wrote the same, the first's text was
promoted and the lead cited the second too (6b93d41 left that finding the first's promoted text). The
second's board no longer offers a Promote button that only answers "That text is already in …".

"Word for word" is services.partb.finding_promote's own match (selectors.partb.promoted_text: the text
without the spaces and line breaks around it, equal to the finding's): the board says "Already in …" of a
text exactly when promoting it gives back a finding already in the list, checked here case by case."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import Finding, FindingKind, PartAReturn
from audits.services.partb import finding_add, finding_promote, finding_update
from audits.tests.partb_pages import signed_in
from audits.tests.partb_support import build_audit
from audits.tests.test_partb_promote_per_text import account
from audits.tests.test_partb_promote_same_wording import ALREADY, SAME, promote
from audits.tests.test_partb_stale_promote import board, promote_form

pytestmark = pytest.mark.django_db

PROMOTE = "Promote to overall strengths"
EARLIER = "earlier-promoted-note"
AGENCY_PROMOTE = "Promote to this agency&#x27;s strengths"


def says_already_in(client, ret) -> bool:
    """What the return's board says of its strengths and overall strengths: "Already in …" with no
    button, or a button (and then not "Already in …")."""
    mine = account(board(client, ret), ret)
    assert (ALREADY in mine) != (PROMOTE in mine), mine
    return ALREADY in mine


def promote_gives_back_a_finding(user, ret) -> bool:
    """What pressing the button would do: give back a finding already in the list (True) or add one."""
    found, created = finding_promote(user=user, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH)
    if created:
        found.delete()
    return not created


def test_the_second_returns_board_says_already_in_once_the_lead_cites_it(same_words, qa_manager):
    first, second = same_words
    qa = signed_in(qa_manager)
    promote(qa, first)
    finding = Finding.objects.get(audit=first.audit, kind=FindingKind.STRENGTH)
    assert not says_already_in(qa, second)  # not cited yet: promoting it adds the second's own finding

    # The lead cites the second agency's return too: it said the same.
    finding_update(user=qa_manager, finding=finding, heading="", body=SAME, returns=[first, second])
    mine = account(board(qa, second), second)
    assert ALREADY in mine and PROMOTE not in mine
    assert EARLIER not in mine  # this very text is there, not an earlier version of it
    assert AGENCY_PROMOTE in mine  # the other list the text was never promoted to still offers it
    assert says_already_in(qa, first)  # the first's board as before
    finding.refresh_from_db()
    assert finding.promoted_from == first  # the board only reads

    # Promoting it all the same (a service call, as a board opened before would): the same finding,
    # still the first's, and both boards still say so.
    assert promote_gives_back_a_finding(qa_manager, second)
    assert Finding.objects.filter(audit=first.audit, kind=FindingKind.STRENGTH).count() == 1
    finding.refresh_from_db()
    assert finding.promoted_from == first
    assert says_already_in(qa, first) and says_already_in(qa, second)


def test_a_board_opened_before_the_lead_cited_it_promotes_to_the_same_finding_and_then_says_so(same_words, qa_manager):
    first, second = same_words
    qa = signed_in(qa_manager)
    promote(qa, first)
    opened = promote_form(board(qa, second), second, FindingKind.STRENGTH)  # its button, before the lead cites it
    finding = Finding.objects.get(audit=first.audit, kind=FindingKind.STRENGTH)
    finding_update(user=qa_manager, finding=finding, heading="", body=SAME, returns=[first, second])

    response = promote(qa, second, opened)
    page = response.content.decode()
    assert "That text is already in Overall strength." in page
    mine = account(page, second)  # the board it comes back to
    assert ALREADY in mine and PROMOTE not in mine
    assert Finding.objects.filter(audit=first.audit, kind=FindingKind.STRENGTH).count() == 1


def test_the_board_says_already_in_exactly_when_promoting_gives_back_a_finding(same_words, qa_manager):
    """Word for word as the promote matches: the return's text without the spaces and line breaks around
    it, equal to the finding's text, in a finding of that kind that cites the return."""
    first, second = same_words
    qa = signed_in(qa_manager)
    finding, _created = finding_promote(
        user=qa_manager, part_a_return=first, field="strengths", kind=FindingKind.STRENGTH
    )

    def case(second_text: str, body: str, returns_cited: list, expected: bool) -> None:
        PartAReturn.objects.filter(pk=second.pk).update(strengths=second_text)
        second.refresh_from_db()
        Finding.objects.filter(pk=finding.pk).update(body=body)
        finding.returns.set(returns_cited)
        shown = says_already_in(qa, second)
        assert shown == promote_gives_back_a_finding(qa_manager, second) == expected, (second_text, body)

    case(SAME, SAME, [first, second], True)
    case(f"  {SAME}\r\n\n", SAME, [first, second], True)  # spaces and line breaks around it
    case(SAME.lower(), SAME, [first, second], False)  # another case of letters: not word for word
    case(SAME, f"{SAME} Both agencies.", [first, second], False)  # the lead added to it
    case(SAME.replace("the same", "the  same"), SAME, [first, second], False)  # a space more inside
    case(SAME, SAME, [first], False)  # saying it, but not citing the second: its own finding
    # Reworded since, still the first's: the second's text is no longer said; the first's board still
    # says its promoted text is in the list.
    case(SAME, "Reworded by the lead.", [first, second], False)
    assert says_already_in(qa, first)


def test_a_finding_written_by_hand_that_says_it_word_for_word_is_already_in(same_words, qa_manager):
    """Found by the same match as the promote, which would give it back: the board says so before any
    promote (and a different kind, or an agency's strengths, is not taken for it)."""
    first, second = same_words
    qa = signed_in(qa_manager)
    finding_add(user=qa_manager, audit=first.audit, kind=FindingKind.LEARNING_POINT, body=SAME, returns=[second])
    mine = account(board(qa, second), second)
    assert PROMOTE in mine and AGENCY_PROMOTE in mine and EARLIER not in mine  # a learning point is another list

    finding_add(user=qa_manager, audit=first.audit, kind=FindingKind.STRENGTH, body=SAME, returns=[second])
    mine = account(board(qa, second), second)
    assert ALREADY in mine and PROMOTE not in mine and AGENCY_PROMOTE in mine
    assert not says_already_in(qa, first)  # it does not cite the first


def _board_queries(client, audit) -> int:
    case = audit.cases.order_by("order").first()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("audits:evidence_board", args=[audit.slug, case.pk]))
    assert response.status_code == 200
    return len(ctx)


def _same_words_cited(audit, user) -> list[PartAReturn]:
    """Every agency wrote the same strengths for the first case; the first's was promoted and cites all."""
    returns = list(
        PartAReturn.objects.filter(audit=audit, case__order=0).select_related("agency").order_by("agency__name")
    )
    PartAReturn.objects.filter(pk__in=[r.pk for r in returns]).update(strengths=SAME)
    finding, _created = finding_promote(
        user=user, part_a_return=returns[0], field="strengths", kind=FindingKind.STRENGTH
    )
    finding.returns.set(returns)
    finding_add(user=user, audit=audit, kind=FindingKind.LEARNING_POINT, body="By hand.", returns=returns)
    return returns


def test_the_board_reads_the_same_queries_however_many_returns_a_finding_says_the_words_of(client, lead_officer):
    small = build_audit(agencies=1, cases=1, lead_officer=lead_officer)
    large = build_audit(agencies=15, cases=10, lead_officer=lead_officer)
    client.force_login(lead_officer)
    before = [_board_queries(client, audit) for audit in (small, large, small, large)][2:]  # warmed up
    rets = {audit.pk: _same_words_cited(audit, lead_officer) for audit in (small, large)}
    assert [_board_queries(client, small), _board_queries(client, large)] == before
    assert before[0] == before[1]
    page = client.get(reverse("audits:evidence_board", args=[large.slug, rets[large.pk][0].case_id])).content.decode()
    assert page.count(ALREADY) == 15 and PROMOTE not in page
