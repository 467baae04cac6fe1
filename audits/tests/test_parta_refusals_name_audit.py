"""A Part A return, or an audit's returns list, refused is recorded naming the audit, as every other record of
the access log names its audit: the log's page and its CSV say which audit somebody was refused (another
agency's return, the returns list of an audit they do not run), beside the records of the returns they read.
A return id that is nobody's names no audit."""

import json

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.selectors import access_records_matching
from audits.models import PartAReturn

pytestmark = pytest.mark.django_db


def _refusals(user):
    return list(AccessRecord.objects.filter(action=AccessAction.REFUSED, user=user))


def test_another_agencys_return_refused_names_its_audit(client_for, cast, audit, agency_b):
    theirs = PartAReturn.objects.get(audit=audit, agency=agency_b, case__reference="Case 1")
    client = client_for("auditor")

    assert client.get(reverse("audits:return_detail", args=[theirs.pk])).status_code == 404
    body = json.dumps({"version": 0, "fields": {"strengths": "x"}})
    url = reverse("audits:return_autosave", args=[theirs.pk])
    assert client.post(url, body, content_type="application/json").status_code == 404

    records = _refusals(cast["auditor"])
    assert [(r.object_type, r.object_id, r.audit_id) for r in records] == [
        ("audits.partareturn", str(theirs.pk), audit.pk)
    ] * 2


def test_a_return_seen_but_not_changed_names_its_audit(client_for, cast, audit, auditor):
    """A colleague reads their agency's return but may not change it (403), nor read its history."""
    ret = PartAReturn.objects.filter(audit=audit, agency=auditor.agency).first()
    client = client_for("colleague")

    assert client.get(reverse("audits:return_history", args=[ret.pk])).status_code == 403
    body = json.dumps({"version": 0, "fields": {"strengths": "x"}})
    url = reverse("audits:return_autosave", args=[ret.pk])
    assert client.post(url, body, content_type="application/json").status_code == 403

    records = _refusals(cast["colleague"])
    assert len(records) == 2 and {r.audit_id for r in records} == {audit.pk}


def test_the_returns_list_of_an_audit_not_run_names_it(client_for, cast, audit):
    assert client_for("other_lead").get(reverse("audits:audit_returns", args=[audit.slug])).status_code == 404
    [record] = _refusals(cast["other_lead"])

    assert (record.object_type, record.object_id, record.audit_id) == ("audits.audit", str(audit.pk), audit.pk)
    assert record in access_records_matching(audit=audit)


def test_a_chase_of_an_audit_not_run_names_it(client_for, cast, audit, agency_a):
    url = reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk])

    assert client_for("other_lead").post(url).status_code == 404
    [record] = _refusals(cast["other_lead"])
    assert record.audit_id == audit.pk


def test_a_return_id_that_is_nobodys_names_no_audit(client_for, cast, audit):
    assert client_for("qa_manager").get(reverse("audits:return_detail", args=[999999])).status_code == 404
    [record] = _refusals(cast["qa_manager"])

    assert (record.object_id, record.audit_id) == ("999999", None)


def test_a_return_refused_names_its_case_and_a_search_for_the_case_finds_it(client_for, cast, audit, agency_b):
    """Who saw, or tried to see, Case 1 of this audit: the refusal says the case and agency as the record of
    a return read does, and the log's search for the case in the audit finds both."""
    theirs = PartAReturn.objects.get(audit=audit, agency=agency_b, case__reference="Case 1")
    assert client_for("auditor").get(reverse("audits:return_detail", args=[theirs.pk])).status_code == 404
    assert client_for("other_auditor").get(reverse("audits:return_detail", args=[theirs.pk])).status_code == 200

    found = list(access_records_matching(audit=audit, q="Case 1"))

    assert [(r.username, r.action) for r in found] == [
        (cast["other_auditor"].username, AccessAction.VIEW),
        (cast["auditor"].username, AccessAction.REFUSED),
    ]
    assert found[1].summary == f"Part A return not visible to this user: Case 1 — {agency_b.short_name}"
    assert not access_records_matching(audit=audit, q="Case 2").exists()
