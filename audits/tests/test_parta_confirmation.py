"""The identifiers confirmation ("I confirm the flagged details are not information about the child").

It is asked for only when something is flagged, it covers the very details flagged when it was given
(any change to them clears it, even in the save that gives it), it is cleared when a return is sent
back or unlocked, and the reviewers see which flagged details the auditor confirmed.
"""

import json

import pytest
from django.urls import reverse

from audits.models import PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field
from audits.services.parta import return_accept, return_autosave, return_send_back, return_submit, return_unlock
from audits.tests.parta_support import complete, load

pytestmark = [pytest.mark.usefixtures("partnership")]

NHS = "NHS no 943 476 5919, DOB 02/03/2009"
POSTCODE = "Lives at BN1 1AA"


def autosave(client, ret, version: int, **fields):
    body = json.dumps({"version": version, "fields": fields})
    response = client.post(reverse("audits:return_autosave", args=[ret.pk]), body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def version(ret) -> int:
    return PartAReturn.objects.values_list("version", flat=True).get(pk=ret.pk)


def confirmed(ret) -> bool:
    return PartAReturn.objects.values_list("identifiers_confirmed", flat=True).get(pk=ret.pk)


def form_page(client, ret) -> str:
    return client.get(reverse("audits:return_detail", args=[ret.pk])).content.decode()


# --- The box is there only when something is flagged ------------------------------------------------------


def test_the_box_is_asked_for_only_when_something_is_flagged(client_for, ret, layout):
    client = client_for("auditor")
    assert "<div data-identifier-confirm hidden>" in form_page(client, ret)
    s1 = layout.standards[0]
    autosave(client, ret, 0, **{evidence_field(s1.pk): NHS})
    assert "<div data-identifier-confirm>" in form_page(client, ret)


def test_a_tick_over_nothing_flagged_is_not_kept(client_for, ret, layout):
    client = client_for("auditor")
    # Through the form (Save draft) …
    data = {**complete(layout), "version": "0", "identifiers_confirmed": "on"}
    assert client.post(reverse("audits:return_detail", args=[ret.pk]), data).status_code == 302
    assert not confirmed(ret)
    # … and through autosave.
    assert autosave(client, ret, version(ret), identifiers_confirmed=True)["identifiers_confirmed"] is False
    assert not confirmed(ret)
    page = form_page(client, ret)
    assert "<div data-identifier-confirm hidden>" in page
    assert 'name="identifiers_confirmed" class="checkboxinput form-check-input" id="id_identifiers_confirmed">' in page


# --- A confirmation covers what was flagged when it was given ---------------------------------------------


def test_new_identifiers_clear_the_confirmation_and_block_submission(client_for, ret, layout):
    """The reviewer's steps: confirm, then type another identifier: Submit must stop again."""
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    autosave(client, ret, 0, **{evidence_field(s1.pk): POSTCODE})
    assert autosave(client, ret, 1, identifiers_confirmed=True)["identifiers_confirmed"] is True
    assert confirmed(ret)
    # Another field, no identifier in it: the confirmation holds.
    answer = autosave(client, ret, 2, strengths="Good multi-agency working.")
    assert answer["identifiers_confirmed"] is True and answer["flagged_changed"] is False
    # A new identifier: cleared, and the page is told to untick its box.
    answer = autosave(client, ret, 3, **{evidence_field(s2.pk): NHS})
    assert answer["identifiers_confirmed"] is False and answer["flagged_changed"] is True
    assert not confirmed(ret)
    # Submitting what the page now shows (the box unticked) is refused, and nothing was submitted.
    data = complete(layout, **{evidence_field(s1.pk): POSTCODE, evidence_field(s2.pk): NHS})
    data.update(version=str(version(ret)), strengths="Good multi-agency working.")
    response = client.post(reverse("audits:return_submit", args=[ret.pk]), data, follow=True)
    assert response.status_code == 200
    assert load(ret.pk).status == ReturnStatus.DRAFT
    assert "tick this box to confirm they are not information about the child" in response.content.decode()
    # Ticking it now, seeing both, submits.
    data.update(version=str(version(ret)), identifiers_confirmed="on")
    assert client.post(reverse("audits:return_submit", args=[ret.pk]), data).status_code == 302
    assert load(ret.pk).status == ReturnStatus.SUBMITTED and confirmed(ret)


def test_removing_a_flagged_detail_clears_the_confirmation_too(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    autosave(client, ret, 0, **{evidence_field(s1.pk): POSTCODE})
    autosave(client, ret, 1, identifiers_confirmed=True)
    answer = autosave(client, ret, 2, **{evidence_field(s1.pk): "Lives locally"})
    assert answer["identifiers_confirmed"] is False and not confirmed(ret)
    # Editing around a flagged detail that stays is not a change of what is flagged.
    autosave(client, ret, 3, **{evidence_field(s1.pk): POSTCODE})
    autosave(client, ret, 4, identifiers_confirmed=True)
    answer = autosave(client, ret, 5, **{evidence_field(s1.pk): f"{POSTCODE} with her mother."})
    assert answer["identifiers_confirmed"] is True and answer["flagged_changed"] is False


def test_a_tick_posted_with_a_new_identifier_is_not_taken(client_for, ret, layout):
    """Without JavaScript: the box ticked on a page that showed the postcode, and an NHS number typed
    into another answer before Save draft. The confirmation cannot cover what was not shown yet."""
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    autosave(client, ret, 0, **{evidence_field(s1.pk): POSTCODE})
    data = complete(layout, **{evidence_field(s1.pk): POSTCODE, evidence_field(s2.pk): NHS})
    data.update(version=str(version(ret)), identifiers_confirmed="on")
    response = client.post(reverse("audits:return_detail", args=[ret.pk]), data, follow=True)
    assert not confirmed(ret)
    html = response.content.decode()
    assert "your confirmation was cleared" in html
    assert "<div data-identifier-confirm>" in html and 'id_identifiers_confirmed" checked' not in html
    # Submit in one go fails the same way (a phone number typed in, the box still ticked).
    data.update(version=str(version(ret)), **{evidence_field(s2.pk): f"{NHS}, mobile 07700 900123"})
    response = client.post(reverse("audits:return_submit", args=[ret.pk]), data, follow=True)
    assert response.status_code == 200 and load(ret.pk).status == ReturnStatus.DRAFT
    assert "your confirmation was cleared" in response.content.decode()


# --- Sent back, unlocked ---------------------------------------------------------------------------------------


@pytest.fixture
def submitted_confirmed(auditor, ret, layout):
    s1 = layout.standards[0]
    changes = complete(layout, **{evidence_field(s1.pk): NHS})
    assert not return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=changes).submitted
    outcome = return_submit(
        user=auditor, ret=load(ret.pk), layout=layout, based_on_version=1, changes={"identifiers_confirmed": True}
    )
    assert outcome.submitted
    assert confirmed(ret)
    return load(ret.pk)


def test_sending_back_clears_the_confirmation(qa_manager, auditor, submitted_confirmed, layout):
    ret = return_send_back(user=qa_manager, ret=submitted_confirmed, based_on_version=2, comment="Amend R1")
    assert not confirmed(ret)
    # Resubmitting unchanged asks again.
    outcome = return_submit(user=auditor, ret=load(ret.pk), layout=layout, based_on_version=3, changes={})
    assert not outcome.submitted and list(outcome.errors) == ["identifiers_confirmed"]


def test_unlocking_clears_the_confirmation(qa_manager, submitted_confirmed):
    return_accept(user=qa_manager, ret=submitted_confirmed, based_on_version=2)
    return_unlock(user=qa_manager, ret=load(submitted_confirmed.pk), based_on_version=3, reason="Check the dates")
    assert not confirmed(submitted_confirmed)


def test_the_amended_form_shows_the_box_unticked(client_for, qa_manager, submitted_confirmed):
    return_send_back(user=qa_manager, ret=submitted_confirmed, based_on_version=2, comment="Amend R1")
    page = form_page(client_for("auditor"), submitted_confirmed)
    assert "<div data-identifier-confirm>" in page and 'id="id_identifiers_confirmed" checked' not in page


# --- What the reviewers see ----------------------------------------------------------------------------------


def test_the_reviewer_sees_which_flagged_details_the_auditor_confirmed(client_for, submitted_confirmed, layout):
    s1 = layout.standards[0]
    html = client_for("lead_officer").get(reverse("audits:return_review", args=[submitted_confirmed.pk])).content
    html = html.decode()
    assert 'data-testid="flagged-identifiers"' in html and 'data-testid="identifiers-confirmed"' in html
    assert f"{s1.code} — evidence: “943 476 5919” (looks like an NHS number)" in html
    assert "“02/03/2009” (looks like a date of birth)" in html
    # The marker comes before the review buttons.
    assert html.index('data-testid="flagged-identifiers"') < html.index('data-testid="review-panel"')


def test_a_draft_with_unconfirmed_flags_says_so_to_the_reviewer(client_for, ret, layout):
    s1 = layout.standards[0]
    return_autosave(
        user=ret.audit.participants.get(agency=ret.agency).auditor,
        ret=ret,
        layout=layout,
        based_on_version=0,
        changes={evidence_field(s1.pk): POSTCODE},
    )
    html = client_for("qa_manager").get(reverse("audits:return_review", args=[ret.pk])).content.decode()
    assert 'data-testid="identifiers-not-confirmed"' in html and "“BN1 1AA” (looks like a postcode)" in html


def test_no_marker_when_nothing_is_flagged(client_for, auditor, ret, layout):
    assert return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout)).submitted
    html = client_for("qa_manager").get(reverse("audits:return_review", args=[ret.pk])).content.decode()
    assert 'data-testid="flagged-identifiers"' not in html
