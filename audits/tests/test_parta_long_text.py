"""An answer that cannot be saved as it is (over PART_A_MAX_TEXT) never takes the others with it: they
are saved, and it is shown again, unsaved, with its problem next to it."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from audits.models import PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field, grade_field, return_state

pytestmark = [pytest.mark.usefixtures("partnership")]


def saved(ret, layout) -> dict:
    return return_state(PartAReturn.objects.get(pk=ret.pk), layout)


TOO_LONG = "x" * (settings.PART_A_MAX_TEXT + 50)


def form_with_a_long_answer(layout, version: int) -> dict:
    """The form as posted: standard 1's evidence too long, standard 2 answered, the rest blank."""
    s1, s2 = layout.standards[:2]
    good = layout.grades[1]
    return {
        "version": str(version),
        grade_field(s1.pk): str(good.pk),
        evidence_field(s1.pk): TOO_LONG,
        grade_field(s2.pk): str(good.pk),
        evidence_field(s2.pk): "Strategy meeting held within a day.",
        "strengths": "Quick information sharing.",
    }


def test_save_draft_keeps_every_other_answer_and_shows_the_long_one_again(client_for, ret, layout):
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    response = client.post(reverse("audits:return_detail", args=[ret.pk]), form_with_a_long_answer(layout, 0))
    assert response.status_code == 200  # the form again: the rest is saved, what could not be is marked
    state = saved(ret, layout)
    # Saved: everything that could be.
    assert state[evidence_field(s2.pk)] == "Strategy meeting held within a day."
    assert state[grade_field(s1.pk)] == str(layout.grades[1].pk) and state["strengths"] == "Quick information sharing."
    # Not saved, but not lost: shown again in its box, marked unsaved, with its problem next to it.
    assert state[evidence_field(s1.pk)] == ""
    html = response.content.decode()
    assert TOO_LONG in html
    assert f'<fieldset class="standard" id="standard-{s1.pk}" data-unsaved="{evidence_field(s1.pk)}">' in html
    field_id = f"id_{evidence_field(s1.pk)}"
    assert f'id="{field_id}_error"' in html and "This text is 10050 characters long, over the limit of 10000" in html
    assert "Your other answers were saved at" in html
    # The status bar does not claim it is all saved.
    assert "Not saved — see the problems marked below" in html and ">Saved " not in html
    # The page's version is the saved one, so that the next save (the shortened text) is not a conflict.
    version = PartAReturn.objects.get(pk=ret.pk).version
    assert f'name="version" value="{version}"' in html
    shorter = {**form_with_a_long_answer(layout, version), evidence_field(s1.pk): "Shortened."}
    assert client.post(reverse("audits:return_detail", args=[ret.pk]), shorter).status_code == 302
    state = saved(ret, layout)
    assert state[evidence_field(s1.pk)] == "Shortened."
    assert state[evidence_field(s2.pk)] == "Strategy meeting held within a day."


def test_submit_with_a_long_answer_saves_the_rest_as_a_draft(client_for, ret, layout):
    s2 = layout.standards[1]
    client = client_for("auditor")
    response = client.post(reverse("audits:return_submit", args=[ret.pk]), form_with_a_long_answer(layout, 0))
    assert response.status_code == 200
    saved_ret = PartAReturn.objects.get(pk=ret.pk)
    assert saved_ret.status == ReturnStatus.DRAFT
    assert saved(ret, layout)[evidence_field(s2.pk)] == "Strategy meeting held within a day."
    assert "the return is not submitted" in response.content.decode()


def test_a_post_without_a_version_saves_nothing_and_says_so(client_for, ret, layout):
    data = form_with_a_long_answer(layout, 0)
    del data["version"]
    response = client_for("auditor").post(reverse("audits:return_detail", args=[ret.pk]), data)
    assert response.status_code == 400
    assert PartAReturn.objects.get(pk=ret.pk).version == 0
    html = response.content.decode()
    assert "Nothing was saved" in html and "Not saved — see the problems marked below" in html


def test_autosave_saves_the_other_fields_and_names_the_refused_one(client_for, ret, layout):
    s1, s2 = layout.standards[:2]
    body = {"version": 0, "fields": {evidence_field(s1.pk): TOO_LONG, evidence_field(s2.pk): "Seen the same day."}}
    response = client_for("auditor").post(
        reverse("audits:return_autosave", args=[ret.pk]), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and data["version"] == 1
    assert list(data["refused"]) == [evidence_field(s1.pk)]
    assert "over the limit of 10000: shorten it to save it" in data["refused"][evidence_field(s1.pk)][0]
    assert data["message"].startswith(f"{s1.code} — evidence: ")
    state = saved(ret, layout)
    assert state[evidence_field(s2.pk)] == "Seen the same day." and state[evidence_field(s1.pk)] == ""


def test_the_form_gives_its_text_boxes_the_limit(client_for, ret):
    html = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    assert f'maxlength="{settings.PART_A_MAX_TEXT}"' in html  # parta.js turns it into a counter
