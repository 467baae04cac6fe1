"""The access log answers "who saw or changed what for this audit's Case 3": records name their audit,
the log filters by audit, person, kind of object, action and dates, a number searched for is matched
whole, and the filtered records download as CSV (the download itself recorded)."""

import csv
import io

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from agencies.services import access_record
from audits.models import AuditStatus, PartAReturn

pytestmark = pytest.mark.django_db


def _log(client, **params):
    response = client.get(reverse("access_log"), params)
    assert response.status_code == 200
    return list(response.context["page"])


def _csv(client, **params):
    response = client.get(reverse("access_log"), {**params, "download": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_records_of_returns_boards_and_exports_are_found_by_their_audit(client_for, audit, other_audit, auditor):
    audit.status = AuditStatus.PART_B
    audit.save()
    ret = PartAReturn.objects.filter(audit=audit, agency=auditor.agency).first()
    case = ret.case
    client = client_for("auditor")
    assert client.get(reverse("audits:return_detail", args=[ret.pk])).status_code == 200
    client = client_for("qa_manager")
    assert client.get(reverse("audits:evidence_board", args=[audit.slug, case.pk])).status_code == 200
    assert client.get(reverse("audits:export_csv", args=[audit.slug])).status_code == 200
    other_ret = PartAReturn.objects.filter(audit=other_audit).first()
    access_record(user=auditor, action=AccessAction.VIEW, obj=other_ret)  # "Case 1 — …" of another audit

    found = _log(client, audit=audit.slug)

    assert {(r.object_type, r.action) for r in found} == {
        ("audits.partareturn", AccessAction.VIEW),
        ("audits.case", AccessAction.VIEW),
        ("audits.audit", AccessAction.EXPORT),
    }
    assert all(r.audit_id == audit.pk for r in found)
    assert [r.object_id for r in _log(client, audit=other_audit.slug)] == [str(other_ret.pk)]
    page = client.get(reverse("access_log"), {"audit": audit.slug}).content.decode()
    assert "cse-audit" in page  # each record says which audit, beside "Case 1 — A"


def test_a_judgement_and_a_refusal_name_their_audit(qa_manager, audit):
    from audits.models import Grade
    from audits.services.partb import judgement_record

    audit.status = AuditStatus.PART_B
    audit.save()
    case = audit.cases.select_related("audit__tool_version").get(reference="Case 1")
    grade = Grade.objects.filter(scale_id=audit.tool_version.scale_id).first()
    judgement_record(user=qa_manager, case=case, section=None, grade=grade, reasons="")
    access_record(user=qa_manager, action=AccessAction.REFUSED, object_type="audits.audit", object_id=str(audit.pk))

    assert set(AccessRecord.objects.values_list("audit_id", flat=True)) == {audit.pk}


def test_records_written_before_records_named_their_audit_are_found_by_page_or_return(
    client_for, audit, other_audit, auditor
):
    ret = PartAReturn.objects.filter(audit=audit).first()
    other_ret = PartAReturn.objects.filter(audit=other_audit).first()
    for obj in (ret, other_ret):  # as written before: no audit
        AccessRecord.objects.create(
            username="auditor.a", action=AccessAction.VIEW, object_type="audits.partareturn", object_id=str(obj.pk)
        )
    AccessRecord.objects.create(
        username="qa", action=AccessAction.EXPORT, object_type="audits.audit", path=f"/audits/{audit.slug}/export.csv"
    )
    AccessRecord.objects.create(
        username="qa", action=AccessAction.VIEW, object_type="x", path=f"/audits/{audit.slug}-2/findings/"
    )

    found = _log(client_for("qa_manager"), audit=audit.slug)

    assert sorted((r.object_type, r.object_id) for r in found) == [
        ("audits.audit", ""),
        ("audits.partareturn", str(ret.pk)),
    ]


def test_a_number_searched_for_is_matched_whole(client_for, auditor):
    for n, reference in enumerate(("Case 3", "Case 30", "Case 39", "Case 3A")):
        access_record(
            user=auditor,
            action=AccessAction.VIEW,
            object_type="audits.partareturn",
            object_id=str(n),
            summary=f"{reference} — WMP",
        )
    client = client_for("qa_manager")

    assert sorted(r.summary for r in _log(client, q="Case 3")) == ["Case 3 — WMP", "Case 3A — WMP"]
    assert [r.summary for r in _log(client, q="case 30")] == ["Case 30 — WMP"]
    assert len(_log(client, q="Case")) == 4


def test_filters_by_person_kind_of_object_action_and_dates(client_for, auditor, other_auditor):
    import datetime

    from django.utils import timezone

    access_record(user=auditor, action=AccessAction.VIEW, object_type="audits.partareturn", object_id="1")
    access_record(user=auditor, action=AccessAction.CHANGE, object_type="audits.partareturn", object_id="2")
    access_record(user=other_auditor, action=AccessAction.VIEW, object_type="audits.case", object_id="3")
    client = client_for("qa_manager")
    today = timezone.localdate()

    assert sorted(r.object_id for r in _log(client, person=auditor.username)) == ["1", "2"]
    assert [r.object_id for r in _log(client, person=auditor.username, action="change")] == ["2"]
    assert [r.object_id for r in _log(client, object_type="audits.case")] == ["3"]
    assert len(_log(client, since=today.isoformat(), until=today.isoformat())) == 3
    assert _log(client, since=(today + datetime.timedelta(days=1)).isoformat()) == []
    assert _log(client, until=(today - datetime.timedelta(days=1)).isoformat()) == []
    page = client.get(reverse("access_log"), {"since": today.isoformat(), "until": "2000-01-01"}).content.decode()
    assert "The end date cannot be before the start date." in page
    assert 'aria-describedby="id_until-errors"' in page


def test_the_filtered_records_download_as_csv_safe_from_formulas_and_recorded(client_for, audit, auditor, qa_manager):
    ret = PartAReturn.objects.filter(audit=audit).first()
    access_record(user=auditor, action=AccessAction.VIEW, obj=ret, summary='=HYPERLINK("http://x")')
    access_record(user=auditor, action=AccessAction.VIEW, object_type="audits.case", object_id="99", summary="Case 9")
    client = client_for("qa_manager")

    rows = _csv(client, audit=audit.slug, q="HYPERLINK")

    assert rows[0][:3] == ["When", "Who", "Action"]
    assert len(rows) == 2
    assert rows[1][1] == "auditor.a" and rows[1][5] == audit.slug
    assert rows[1][6] == '\'=HYPERLINK("http://x")'  # text, not a formula
    record = AccessRecord.objects.get(action=AccessAction.EXPORT)
    assert record.user == qa_manager and record.object_type == "agencies.accessrecord"
    assert record.summary == f"Access log downloaded as CSV: audit {audit.slug}, a text search"
    assert "HYPERLINK" not in record.path and f"audit={audit.slug}" in record.path


def test_the_administrators_csv_leaves_out_what_records_about_case_content_say(client_for, audit, auditor):
    ret = PartAReturn.objects.filter(audit=audit).first()
    access_record(user=auditor, action=AccessAction.VIEW, obj=ret, summary="Case 1 — notes on the stepfather")
    client = client_for("administrator")

    rows = _csv(client)

    assert not any("stepfather" in cell for row in rows for cell in row)
    assert any(row[3] == "audits.partareturn" and row[5] == audit.slug for row in rows)
    options = client.get(reverse("access_log")).content.decode()
    assert "CSE audit" not in options and audit.slug in options  # audits are chosen by their slug
