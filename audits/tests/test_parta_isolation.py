"""Every Part A URL, GET and POST, against the whole cast (conftest.py).

The return under test is agency A's return for Case 1 of `audit` (agency A's named auditor is
`auditor`). Expected outcomes:

- 200 / 302: allowed (302 = the usual redirect after a successful POST, or after a submission saved as
  a draft; a GET of the submit address is sent to the return's page);
- 403: may see the return, may not do this (a same-agency colleague editing; the auditor reviewing);
- 404: may not see it at all (other agencies, other audits' leads, managers, administrators);
- "login": anonymous, redirected to the login page. The JSON autosave endpoint answers anonymous
  requests 401 with a JSON body instead ({"error": "signed_out", "login_url": ...}), because a
  script, not a person, reads that answer.
"""

import json

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, PartAReturn, ReturnStatus
from conftest import CAST

L = "login"

# action:             qa_manager lead  other_lead auditor colleague other_aud manager practit admin anonymous
EXPECTED = {
    "my_returns":         (200, 200, 200, 200, 200, 200, 200, 200, 200, L),
    "detail_get":         (200, 200, 404, 200, 200, 404, 404, 404, 404, L),
    "detail_post":        (403, 403, 404, 302, 403, 404, 404, 404, 404, L),
    "submit_post":        (403, 403, 404, 302, 403, 404, 404, 404, 404, L),
    "submit_get":         (302, 302, 404, 302, 302, 404, 404, 404, 404, L),
    "autosave_post":      (403, 403, 404, 200, 403, 404, 404, 404, 404, 401),
    "review_get":         (200, 200, 404, 403, 403, 404, 404, 404, 404, L),
    "review_post":        (302, 302, 404, 403, 403, 404, 404, 404, 404, L),
    "history_get":        (200, 200, 404, 200, 403, 404, 404, 404, 404, L),
    "audit_returns_get":  (200, 200, 404, 404, 404, 404, 404, 404, 404, L),
    "chase_post":         (302, 302, 404, 404, 404, 404, 404, 404, 404, L),
}  # fmt: skip

CHANGES = {"detail_post", "submit_post", "autosave_post", "review_post"}


@pytest.fixture
def ret(audit, agency_a):
    return PartAReturn.objects.get(audit=audit, agency=agency_a, case__reference="Case 1")


def request(client, action: str, ret, audit):
    pk = ret.pk
    if action == "my_returns":
        return client.get(reverse("audits:my_returns"))
    if action == "detail_get":
        return client.get(reverse("audits:return_detail", args=[pk]))
    if action == "detail_post":
        return client.post(reverse("audits:return_detail", args=[pk]), {"version": "0", "strengths": "Changed"})
    if action == "submit_post":
        return client.post(reverse("audits:return_submit", args=[pk]), {"version": "0", "strengths": "Changed"})
    if action == "submit_get":
        return client.get(reverse("audits:return_submit", args=[pk]))
    if action == "autosave_post":
        body = json.dumps({"version": 0, "fields": {"strengths": "Changed"}})
        return client.post(reverse("audits:return_autosave", args=[pk]), body, content_type="application/json")
    if action == "review_get":
        return client.get(reverse("audits:return_review", args=[pk]))
    if action == "review_post":
        return client.post(reverse("audits:return_review", args=[pk]), {"action": "accept", "version": "0"})
    if action == "history_get":
        return client.get(reverse("audits:return_history", args=[pk]))
    if action == "audit_returns_get":
        return client.get(reverse("audits:audit_returns", args=[audit.slug]))
    if action == "chase_post":
        return client.post(reverse("audits:chase_auditor", args=[audit.slug, ret.agency_id]))
    raise AssertionError(action)


CASES = [(action, who, expected[i]) for action, expected in EXPECTED.items() for i, who in enumerate(CAST)]


@pytest.mark.parametrize("action,who,expected", CASES, ids=[f"{a}-{w}" for a, w, _ in CASES])
def test_part_a_url_against_the_cast(client_for, cast, audit, other_audit, ret, action, who, expected):
    if action == "review_post":
        PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED)
    before = PartAReturn.objects.values("version", "status", "strengths").get(pk=ret.pk)
    response = request(client_for(who), action, ret, audit)
    if expected == L:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected, response.content[:500]
    if action == "autosave_post" and who == "anonymous":
        assert response.json()["error"] == "signed_out"
    after = PartAReturn.objects.values("version", "status", "strengths").get(pk=ret.pk)
    if action in CHANGES and expected not in (200, 302):
        assert after == before, "a refused request changed the return"
    if expected in (403, 404):
        assert AccessRecord.objects.filter(action=AccessAction.REFUSED, user=cast[who]).exists()


def test_other_agencies_returns_are_404_for_the_auditor(client_for, audit, agency_b):
    theirs = PartAReturn.objects.get(audit=audit, agency=agency_b, case__reference="Case 1")
    client = client_for("auditor")
    for action in ("detail_get", "detail_post", "autosave_post", "history_get", "submit_post"):
        assert request(client, action, theirs, audit).status_code == 404, action
    refused = AccessRecord.objects.filter(action=AccessAction.REFUSED, object_id=str(theirs.pk))
    assert refused.count() == 5
    assert PartAReturn.objects.get(pk=theirs.pk).strengths == ""


def test_a_return_id_that_does_not_exist_is_404(client_for, audit):
    client = client_for("qa_manager")
    assert client.get(reverse("audits:return_detail", args=[999999])).status_code == 404
    body = json.dumps({"version": 0, "fields": {"strengths": "x"}})
    response = client_for("auditor").post(
        reverse("audits:return_autosave", args=[999999]), body, content_type="application/json"
    )
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_in_part_b_other_auditors_read_submitted_returns_but_never_change(client_for, audit, ret):
    """In Part B an audit's named auditors read each other's submitted returns (as the evidence board
    shows them): read-only, and without their history."""
    audit.status = AuditStatus.PART_B
    audit.save()
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED, strengths="Shared at Part B")
    client = client_for("other_auditor")
    response = request(client, "detail_get", ret, audit)
    assert response.status_code == 200
    assert "Shared at Part B" in response.content.decode()
    assert reverse("audits:return_history", args=[ret.pk]) not in response.content.decode()
    assert request(client, "detail_post", ret, audit).status_code == 403
    assert request(client, "autosave_post", ret, audit).status_code == 403
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.ACCEPTED)
    assert request(client, "detail_get", ret, audit).status_code == 200
    # And the auditor's own return is read-only too: Part A is closed.
    own = client_for("auditor")
    assert request(own, "autosave_post", ret, audit).status_code == 409
    assert PartAReturn.objects.get(pk=ret.pk).strengths == "Shared at Part B"


@pytest.mark.parametrize("status", [ReturnStatus.NOT_STARTED, ReturnStatus.DRAFT, ReturnStatus.RETURNED])
def test_in_part_b_another_agencys_auditor_cannot_read_an_unsubmitted_return(client_for, cast, audit, ret, status):
    audit.status = AuditStatus.PART_B
    audit.save()
    PartAReturn.objects.filter(pk=ret.pk).update(status=status, strengths="Draft text, NHS no 943 476 5919")
    client = client_for("other_auditor")
    for action in ("detail_get", "history_get", "detail_post", "autosave_post", "review_get"):
        response = request(client, action, ret, audit)
        assert response.status_code == 404, action
        assert b"943 476 5919" not in response.content
    refused = AccessRecord.objects.filter(
        action=AccessAction.REFUSED, user=cast["other_auditor"], object_id=str(ret.pk)
    )
    assert refused.count() == 5


@pytest.mark.parametrize("audit_status", [AuditStatus.REPORTING, AuditStatus.CLOSED])
@pytest.mark.parametrize("status", [ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED])
def test_after_part_b_another_agencys_auditor_cannot_read_the_return(client_for, audit, ret, audit_status, status):
    """The evidence board is refused to auditors after Part B (audits.access): so are the returns behind it."""
    audit.status = audit_status
    audit.save()
    PartAReturn.objects.filter(pk=ret.pk).update(status=status, strengths="Agency A's account")
    client = client_for("other_auditor")
    for action in ("detail_get", "history_get"):
        response = request(client, action, ret, audit)
        assert response.status_code == 404, action
        assert b"Agency A&#x27;s account" not in response.content and b"Agency A's account" not in response.content
    # The return's own auditor still reads it.
    assert request(client_for("auditor"), "detail_get", ret, audit).status_code == 200


@pytest.mark.parametrize(
    "audit_status", [AuditStatus.PART_A, AuditStatus.PART_B, AuditStatus.REPORTING, AuditStatus.CLOSED]
)
def test_only_the_auditor_and_the_reviewers_read_a_returns_history(client_for, cast, audit, ret, audit_status):
    """The history holds earlier drafts (identifiers removed before submission) and reviewers' comments."""
    audit.status = audit_status
    audit.save()
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED)
    for who in ("auditor", "qa_manager", "lead_officer"):
        assert request(client_for(who), "history_get", ret, audit).status_code == 200, who
    # Another agency's auditor: 404 while they cannot see the return, 403 in Part B when they can.
    expected_other = 403 if audit_status == AuditStatus.PART_B else 404
    assert request(client_for("other_auditor"), "history_get", ret, audit).status_code == expected_other
    # A colleague of the auditor reads the return, not its history.
    colleague = client_for("colleague")
    assert request(colleague, "detail_get", ret, audit).status_code == 200
    assert request(colleague, "history_get", ret, audit).status_code == 403
    for who in ("other_auditor", "colleague"):
        assert AccessRecord.objects.filter(action=AccessAction.REFUSED, user=cast[who], object_id=str(ret.pk)).exists()


def test_an_auditor_not_named_by_their_own_agency_does_not_read_other_agencies_returns(
    client_for, cast, audit, ret, agency_b
):
    """Only an auditor named for their own agency on the audit (as the evidence board requires)."""
    from audits.models import AuditAgency

    audit.status = AuditStatus.PART_B
    audit.save()
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED)
    # The colleague (agency A) is wrongly recorded as agency B's auditor.
    AuditAgency.objects.filter(audit=audit, agency=agency_b).update(auditor=cast["colleague"])
    theirs = PartAReturn.objects.get(audit=audit, agency=agency_b, case__reference="Case 1")
    PartAReturn.objects.filter(pk=theirs.pk).update(status=ReturnStatus.SUBMITTED)
    assert request(client_for("colleague"), "detail_get", theirs, audit).status_code == 404
