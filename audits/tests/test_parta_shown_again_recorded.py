"""A return shown again in answer to a form that was not saved (a conflict, a stale review, somebody who may
read it but not change it) is recorded as read, as opening it is: the page shows its answers as saved now,
another person's included. A save is recorded as a change, and redirects: no record of reading it too."""

import json

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.selectors.parta import evidence_field

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partnership")]


def _records(ret):
    return list(
        AccessRecord.objects.filter(object_type="audits.partareturn", object_id=str(ret.pk))
        .order_by("pk")
        .values_list("username", "action", "path")
    )


def test_a_conflict_shows_the_saved_answers_and_is_recorded_as_read(client_for, ret, layout, auditor):
    field = evidence_field(layout.standards[0].pk)
    client = client_for("auditor")
    body = json.dumps({"version": 0, "fields": {field: "Saved in the other tab"}})
    assert client.post(reverse("audits:return_autosave", args=[ret.pk]), body, content_type="application/json")
    before = len(_records(ret))

    page = reverse("audits:return_detail", args=[ret.pk])
    response = client.post(page, {"version": "0", field: "Typed here"})

    assert response.status_code == 409 and "Saved in the other tab" in response.content.decode()
    assert _records(ret)[before:] == [(auditor.username, AccessAction.VIEW, page)]


def test_a_stale_review_shows_the_return_again_and_is_recorded_as_read(client_for, submitted, qa_manager):
    client = client_for("qa_manager")
    page = reverse("audits:return_review", args=[submitted.pk])
    before = len(_records(submitted))

    stale = {"action": "send_back", "version": str(submitted.version - 1), "comment": "Add the strategy meeting."}
    assert client.post(page, stale).status_code == 409
    assert client.post(page, {"action": "send_back", "version": str(submitted.version)}).status_code == 400
    fresh = {"action": "send_back", "version": str(submitted.version), "comment": "Add the strategy meeting."}
    assert client.post(page, fresh).status_code == 302

    assert _records(submitted)[before:] == [
        (qa_manager.username, AccessAction.VIEW, page),
        (qa_manager.username, AccessAction.VIEW, page),
        (qa_manager.username, AccessAction.CHANGE, page),
    ]


def test_a_colleague_refused_a_change_is_shown_the_return_and_that_is_recorded(client_for, ret, layout, colleague):
    field = evidence_field(layout.standards[0].pk)
    page = reverse("audits:return_detail", args=[ret.pk])

    response = client_for("colleague").post(page, {"version": "0", field: "Typed by a colleague"})

    assert response.status_code == 403
    assert _records(ret) == [
        (colleague.username, AccessAction.REFUSED, page),
        (colleague.username, AccessAction.VIEW, page),
    ]


def test_a_save_is_recorded_as_a_change_only(client_for, ret, layout, auditor):
    field = evidence_field(layout.standards[0].pk)
    page = reverse("audits:return_detail", args=[ret.pk])

    assert client_for("auditor").post(page, {"version": "0", field: "Saved"}).status_code == 302

    assert _records(ret) == [(auditor.username, AccessAction.CHANGE, page)]


def test_an_autosave_conflict_answers_with_the_saved_answers_and_is_recorded_as_read(client_for, ret, layout, auditor):
    field = evidence_field(layout.standards[0].pk)
    autosave = reverse("audits:return_autosave", args=[ret.pk])
    client = client_for("auditor")
    first = json.dumps({"version": 0, "fields": {field: "Saved in the other tab"}})
    assert client.post(autosave, first, content_type="application/json").status_code == 200
    assert _records(ret) == [(auditor.username, AccessAction.CHANGE, autosave)]

    stale = json.dumps({"version": 0, "fields": {field: "Typed here"}})
    response = client.post(autosave, stale, content_type="application/json")

    assert response.status_code == 409 and response.json()["theirs"][field] == "Saved in the other tab"
    assert _records(ret) == [
        (auditor.username, AccessAction.CHANGE, autosave),
        (auditor.username, AccessAction.VIEW, autosave),
    ]
