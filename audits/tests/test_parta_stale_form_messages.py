"""A form posted from a page opened before the return was saved elsewhere (a second tab): what the page then
says matches what happened. With no answer changed on both sides there are no differences to check, and a
submission says it was not submitted."""

import json

import pytest
from django.urls import reverse

from audits.models import PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field

pytestmark = [pytest.mark.usefixtures("partnership")]

DIFFERENCES = "check the differences"
NOT_SUBMITTED = "It has not been submitted"


def autosave(client, ret, version: int, fields: dict) -> None:
    body = {"version": version, "fields": fields}
    response = client.post(
        reverse("audits:return_autosave", args=[ret.pk]), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200


def saved_in_another_tab(client, ret, layout) -> None:
    """This page saved once (version 1), then the other tab saved standard 1's evidence (version 2)."""
    autosave(client, ret, 0, {evidence_field(layout.standards[2].pk): "Saved from this page."})
    autosave(client, ret, 1, {evidence_field(layout.standards[0].pk): "Saved in the other tab."})


def post(client, ret, action: str, layout, data: dict) -> str:
    """This page's form, as it stands on version 1, with `data` changed."""
    form = {"version": "1", evidence_field(layout.standards[2].pk): "Saved from this page.", **data}
    response = client.post(reverse(f"audits:{action}", args=[ret.pk]), form)
    assert response.status_code == 409
    return response.content.decode()


def test_submitting_from_a_stale_page_says_it_was_not_submitted_and_not_to_check_differences(client_for, ret, layout):
    client = client_for("auditor")
    saved_in_another_tab(client, ret, layout)
    html = post(
        client, ret, "return_submit", layout, {evidence_field(layout.standards[0].pk): ""}
    )  # as the page showed
    assert NOT_SUBMITTED in html and "then choose “Submit return” again" in html
    assert DIFFERENCES not in html
    assert "Saved in the other tab." in html  # the page shows what was saved there
    assert PartAReturn.objects.get(pk=ret.pk).status == ReturnStatus.DRAFT


def test_saving_a_stale_page_with_other_changes_says_they_were_added(client_for, ret, layout):
    client = client_for("auditor")
    saved_in_another_tab(client, ret, layout)
    html = post(client, ret, "return_detail", layout, {evidence_field(layout.standards[1].pk): "Typed in this tab."})
    assert "with the changes you made here" in html and "Typed in this tab." in html
    assert DIFFERENCES not in html and NOT_SUBMITTED not in html


def test_saving_a_stale_page_with_nothing_new_says_nothing_needed_saving(client_for, ret, layout):
    client = client_for("auditor")
    saved_in_another_tab(client, ret, layout)
    html = post(client, ret, "return_detail", layout, {evidence_field(layout.standards[0].pk): ""})
    assert "nothing needed saving" in html
    assert DIFFERENCES not in html and "Nothing you sent has been saved" not in html


def test_a_real_conflict_still_asks_to_check_the_differences_and_a_submission_says_it_was_not_made(
    client_for, ret, layout
):
    client = client_for("auditor")
    saved_in_another_tab(client, ret, layout)
    html = post(client, ret, "return_submit", layout, {evidence_field(layout.standards[0].pk): "Typed in this tab."})
    assert DIFFERENCES in html and NOT_SUBMITTED in html
    html = post(client, ret, "return_detail", layout, {evidence_field(layout.standards[0].pk): "Typed in this tab."})
    assert DIFFERENCES in html and NOT_SUBMITTED not in html
