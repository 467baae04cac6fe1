"""Promoting a Part A return's strengths or areas for improvement from an evidence board opened before
the text changed (the audit went back to Part A, the return was edited and submitted again): the promote
form posts a marker of the text the board showed, and a text changed since is not promoted. The board
says so and shows the text as it is now, to promote knowingly."""

import html as html_lib

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus, Finding, FindingKind, PartAReturn
from audits.tests.partb_pages import page_forms, signed_in
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db

SHOWN = "Police shared the referral at once."
NOW = "Police shared the referral <the same day>, after the strategy meeting."


@pytest.fixture
def ret(audit) -> PartAReturn:
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    ret = PartAReturn.objects.select_related("case").get(
        audit=audit, case__reference="Case 1", agency__short_name="Police"
    )
    complete_return(ret, ranks=1, strengths=SHOWN)
    return ret


def board(client, ret) -> str:
    return client.get(reverse("audits:evidence_board", args=[ret.audit.slug, ret.case_id])).content.decode()


def promote_form(page: str, ret, kind: str) -> dict:
    for form in page_forms(page):
        data = dict(form)
        if data.get("part_a_return") == str(ret.pk) and data.get("kind") == kind:
            return data
    raise AssertionError(f"no promote form for {kind}")


def changed_in_part_a(ret, text: str) -> None:
    """The audit went back to Part A, the auditor changed the text and submitted the return again, and
    the audit came back to Part B: all while the board stayed open."""
    PartAReturn.objects.filter(pk=ret.pk).update(strengths=text, version=ret.version + 2)


def test_a_text_changed_since_the_board_was_opened_is_not_promoted(ret, qa_manager):
    qa = signed_in(qa_manager)
    form = promote_form(board(qa, ret), ret, FindingKind.STRENGTH)
    changed_in_part_a(ret, NOW)

    response = qa.post(reverse("audits:finding_promote", args=[ret.audit.slug]), form, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(f"#agency-{ret.agency_id}")
    assert not Finding.objects.filter(audit=ret.audit).exists()
    assert "Not promoted: the strengths of " in page
    assert "changed after you opened this board" in page
    assert html_lib.escape(f"Now: “{NOW}”") in page  # said in the message, and shown on the board
    # The board as it is now promotes the text it shows.
    qa.post(reverse("audits:finding_promote", args=[ret.audit.slug]), promote_form(page, ret, FindingKind.STRENGTH))
    finding = Finding.objects.get(audit=ret.audit, kind=FindingKind.STRENGTH)
    assert finding.body == NOW and list(finding.returns.all()) == [ret]


def test_a_text_unchanged_since_the_board_was_opened_is_promoted(ret, qa_manager):
    qa = signed_in(qa_manager)
    form = promote_form(board(qa, ret), ret, FindingKind.AGENCY_STRENGTH)
    # Saved again, with its line breaks and spaces around it as a browser posts them: the same text.
    changed_in_part_a(ret, f"  {SHOWN}\r\n")
    response = qa.post(reverse("audits:finding_promote", args=[ret.audit.slug]), form, follow=True)
    assert "Promoted to Agency strength" in response.content.decode()
    assert Finding.objects.get(audit=ret.audit, kind=FindingKind.AGENCY_STRENGTH).body == SHOWN
