"""A return marked "My agency had no involvement with this case" keeps the answers given to the standards before
the box was ticked (its form hides them, test_parta_no_involvement_browser), and its confirmation of flagged
details covers them. The reviewer's page shows those answers for what they are, and says where the details it
lists as possible identifiers are, instead of listing details from answers it showed nowhere."""

import pytest
from django.urls import reverse

from audits.selectors.parta import evidence_field
from audits.services.parta import return_autosave, return_submit
from audits.tests.parta_support import load

pytestmark = [pytest.mark.usefixtures("partnership")]

PHONE = "Mobile 07700 900123"


@pytest.fixture
def no_involvement_with_hidden_answer(auditor, ret, layout):
    s1 = layout.standards[0]
    # Answered first, then 'no involvement' ticked and submitted, the flagged detail confirmed.
    return_autosave(
        user=auditor, ret=ret, layout=layout, based_on_version=0, changes={evidence_field(s1.pk): f"Called {PHONE}."}
    )
    outcome = return_submit(
        user=auditor,
        ret=load(ret.pk),
        layout=layout,
        based_on_version=1,
        changes={"no_involvement": True, "no_involvement_reason": "Not known to us.", "identifiers_confirmed": True},
    )
    assert outcome.submitted
    return load(ret.pk)


def test_the_reviewer_sees_the_hidden_answers_the_flags_are_in(client_for, no_involvement_with_hidden_answer, layout):
    ret = no_involvement_with_hidden_answer
    s1, s2 = layout.standards[:2]
    html = client_for("qa_manager").get(reverse("audits:return_review", args=[ret.pk])).content.decode()
    assert "Not known to us." in html
    # The flagged detail is listed, and said to be in an answer hidden by 'no involvement', which is shown.
    assert 'data-testid="flagged-identifiers"' in html and "“07700 900123”" in html
    assert 'data-testid="flagged-hidden"' in html and 'href="#hidden-answers-heading"' in html
    hidden = html.split('data-testid="hidden-answers"', 1)[1].split("</section>", 1)[0]
    assert f"Called {PHONE}." in hidden and s1.text in hidden
    assert s2.text not in hidden  # only the standards answered
    assert "still kept with the return" in hidden
