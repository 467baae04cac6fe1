"""The reviewer's comment (return for amendment) and the QA manager's unlock reason are free text about a
case: the identifier guard checks them as it checks the return, they are not quoted in the e-mail to the
auditor, and they never reach the access log (append-only, never purged) or the history's change reason."""

import json
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from agencies.models import AccessRecord
from audits.models import PartAReturn, ReturnNotice, ReturnStatus
from audits.services.parta import (
    CommentFlagged,
    email_auditor_about_return,
    return_accept,
    return_send_back,
    return_submit,
    return_unlock,
)
from audits.tests.parta_support import load

pytestmark = [pytest.mark.usefixtures("partnership")]

NHS = "943 476 5919"  # passes the modulus-11 check
FLAGGED = f"Please remove the NHS number {NHS} from R1."
OTHER_NHS = "401 023 2137"


def no_trace_of(text: str) -> None:
    """Nothing of `text` in the access log or in the return's history change reasons."""
    assert not AccessRecord.objects.filter(summary__icontains=text[:20]).exists()
    reasons = PartAReturn.history.values_list("history_change_reason", flat=True)
    assert not any(text[:20] in (reason or "") for reason in reasons)


# --- Services ---------------------------------------------------------------------------------------------


def test_a_comment_with_an_identifier_is_refused_until_confirmed(
    submitted, qa_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommentFlagged) as refused:
        return_send_back(user=qa_manager, ret=submitted, based_on_version=submitted.version, comment=FLAGGED)
    assert NHS in refused.value.warnings[0] and refused.value.keys == ["nhs_number:9434765919"]
    saved = load(submitted.pk)
    assert (saved.status, saved.version, saved.amendment_comment) == (ReturnStatus.SUBMITTED, submitted.version, "")
    assert mail.outbox == []

    # A confirmation of another detail does not cover this one.
    with pytest.raises(CommentFlagged):
        return_send_back(
            user=qa_manager,
            ret=submitted,
            based_on_version=submitted.version,
            comment=FLAGGED,
            confirmed_identifiers=["nhs_number:4010232137"],
        )
    with django_capture_on_commit_callbacks(execute=True):
        return_send_back(
            user=qa_manager,
            ret=submitted,
            based_on_version=submitted.version,
            comment=FLAGGED,
            confirmed_identifiers=refused.value.keys,
        )
    assert load(submitted.pk).status == ReturnStatus.RETURNED


def test_an_unlock_reason_with_an_identifier_is_refused_until_confirmed(submitted, qa_manager):
    return_accept(user=qa_manager, ret=submitted, based_on_version=submitted.version)
    accepted = load(submitted.pk)
    with pytest.raises(CommentFlagged) as refused:
        return_unlock(user=qa_manager, ret=accepted, based_on_version=accepted.version, reason=FLAGGED)
    assert load(accepted.pk).status == ReturnStatus.ACCEPTED
    return_unlock(
        user=qa_manager,
        ret=accepted,
        based_on_version=accepted.version,
        reason=FLAGGED,
        confirmed_identifiers=refused.value.keys,
    )
    assert load(accepted.pk).status == ReturnStatus.RETURNED


def test_the_comment_and_the_reason_reach_neither_the_access_log_nor_the_change_reason(
    submitted, qa_manager, auditor, layout
):
    comment = "Strategy meeting minutes are missing from the evidence."
    return_send_back(user=qa_manager, ret=submitted, based_on_version=submitted.version, comment=comment)
    _submit_again(submitted, auditor, layout)
    ret = load(submitted.pk)
    return_accept(user=qa_manager, ret=ret, based_on_version=ret.version)
    ret = load(submitted.pk)
    reason = "Graded against the sibling's chronology by mistake."
    return_unlock(user=qa_manager, ret=ret, based_on_version=ret.version, reason=reason)
    assert load(ret.pk).amendment_comment == reason  # kept on the return, for the auditor to read
    no_trace_of(comment)
    no_trace_of(reason)
    summaries = list(AccessRecord.objects.filter(object_id=str(ret.pk)).values_list("summary", flat=True))
    assert f"{ret}: returned for amendment" in summaries and f"{ret}: unlocked" in summaries


def _submit_again(ret, auditor, layout):
    fresh = load(ret.pk)
    assert return_submit(user=auditor, ret=fresh, layout=layout, based_on_version=fresh.version, changes={}).submitted


@pytest.mark.parametrize("event", ["returned", "unlocked"])
def test_the_email_says_a_comment_was_left_and_links_to_the_return_without_quoting_it(submitted, auditor, event):
    PartAReturn.objects.filter(pk=submitted.pk).update(
        amendment_comment="Sibling seen at 12 Acacia Avenue.", status=ReturnStatus.RETURNED
    )
    ReturnNotice.objects.create(ret=submitted, event=event)  # as return_send_back and return_unlock write it
    assert email_auditor_about_return(return_id=submitted.pk, event=event)
    body = mail.outbox[0].body
    assert "Acacia" not in body
    assert "read it at the top of the return" in body
    assert f"{settings.SITE_URL}{reverse('audits:return_detail', args=[submitted.pk])}" in body


# --- The review page ------------------------------------------------------------------------------------------


def textarea(html: str, element_id: str) -> str:
    start = html.index(">", html.index(f'id="{element_id}"')) + 1
    return html[start : html.index("</textarea>", start)].strip()


def post(client, ret, action, **data):
    data = {"action": action, "version": str(load(ret.pk).version), **data}
    return client.post(reverse("audits:return_review", args=[ret.pk]), data)


@pytest.mark.parametrize("action", ["send_back", "unlock"])
def test_the_review_page_flags_the_comment_keeps_it_and_asks_for_confirmation(client_for, submitted, action):
    if action == "unlock":
        PartAReturn.objects.filter(pk=submitted.pk).update(status=ReturnStatus.ACCEPTED)
    before = load(submitted.pk).status
    qa = client_for("qa_manager")
    page = qa.get(reverse("audits:return_review", args=[submitted.pk])).content.decode()
    assert f'id="id_{action}_identifiers_confirmed"' not in page  # asked for only once something is flagged

    response = post(qa, submitted, action, comment=FLAGGED)
    html = response.content.decode()
    assert response.status_code == 400 and load(submitted.pk).status == before
    assert textarea(html, f"id_{action}_comment") == FLAGGED
    assert f"“{NHS}” looks like an NHS number" in html
    box = re.search(rf'<input[^>]*id="id_{action}_identifiers_confirmed"[^>]*>', html).group(0)
    assert "checked" not in box
    flagged = re.search(rf'<input[^>]*name="flagged"[^>]*id="id_{action}_flagged"[^>]*>', html).group(0)
    keys = json.loads(re.search(r'value="([^"]*)"', flagged).group(1).replace("&quot;", '"'))
    assert keys == ["nhs_number:9434765919"]

    # Ticked, but over a different identifier from the one confirmed: refused again.
    other = FLAGGED.replace(NHS, OTHER_NHS)
    response = post(qa, submitted, action, comment=other, identifiers_confirmed="on", flagged=json.dumps(keys))
    assert response.status_code == 400 and load(submitted.pk).status == before
    assert f"“{OTHER_NHS}” looks like an NHS number" in response.content.decode()

    # Ticked over what was flagged: sent.
    response = post(qa, submitted, action, comment=FLAGGED, identifiers_confirmed="on", flagged=json.dumps(keys))
    assert response.status_code == 302 and load(submitted.pk).status == ReturnStatus.RETURNED
    assert load(submitted.pk).amendment_comment == FLAGGED


def test_a_comment_with_the_identifier_removed_is_sent_without_confirmation(client_for, submitted):
    qa = client_for("qa_manager")
    assert post(qa, submitted, "send_back", comment=FLAGGED).status_code == 400
    response = post(qa, submitted, "send_back", comment="Please remove the NHS number from R1.", flagged="[]")
    assert response.status_code == 302 and load(submitted.pk).status == ReturnStatus.RETURNED


def test_the_auditor_reads_the_comment_as_the_reviewers_whoever_left_it(submitted, lead_officer, auditor, client):
    """A lead officer returns returns for amendment too: the heading no longer says the QA manager wrote it."""
    return_send_back(user=lead_officer, ret=submitted, based_on_version=submitted.version, comment="Add the dates.")
    client.force_login(auditor)
    page = client.get(reverse("audits:return_detail", args=[submitted.pk])).content.decode()
    assert "Returned for amendment — the reviewer’s comment" in page and "comment from the QA manager" not in page
    assert "Add the dates." in page


def test_what_the_reviewer_confirmed_in_a_comment_is_not_raised_again_before_publishing(submitted, qa_manager):
    """The details the reviewer confirmed are kept with the comment: the consistency checks before
    publishing no longer ask again, for good, about a comment nobody can edit once it is resubmitted.
    A detail they did not confirm is still raised."""
    from audits.consistency import IDENTIFIER, consistency_issues

    with pytest.raises(CommentFlagged) as refused:
        return_send_back(user=qa_manager, ret=submitted, based_on_version=submitted.version, comment=FLAGGED)
    return_send_back(
        user=qa_manager,
        ret=submitted,
        based_on_version=submitted.version,
        comment=FLAGGED,
        confirmed_identifiers=refused.value.keys,
    )
    ret = load(submitted.pk)
    assert ret.comment_identifiers_confirmed == ["nhs_number:9434765919"]
    assert [i for i in consistency_issues(ret.audit) if i.kind == IDENTIFIER] == []

    PartAReturn.objects.filter(pk=ret.pk).update(amendment_comment=f"{FLAGGED} Also {OTHER_NHS}.")
    [issue] = [i for i in consistency_issues(ret.audit) if i.kind == IDENTIFIER]
    assert f"“{OTHER_NHS}”" in issue.message and f"“{NHS}”" not in issue.message
