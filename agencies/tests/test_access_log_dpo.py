"""The questions the partnership's data protection officer asks of the access log, answered with the
log's own filters and its CSV: what one account saw, changed and downloaded over some days and from
where (a suspected misuse of the account), what came from one address, and who read or changed one
case's returns and judgement, or an audit's pages and exports that list every case."""

import csv
import datetime
import io
import json

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus, Grade, PartAReturn

pytestmark = pytest.mark.django_db

HOME, AWAY = "192.0.2.10", "203.0.113.9"  # the auditor's usual address, and another


def _csv(client, **params):
    response = client.get(reverse("access_log"), {**params, "download": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    header, *rows = csv.reader(io.StringIO(text))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def part_b(audit):
    audit.status = AuditStatus.PART_B
    audit.save()
    return audit


@pytest.fixture
def used_by_someone_else(client, audit, auditor, other_auditor):
    """The auditor reads their return from their usual address; then, from another, their account reads
    it again, saves a change to it and, in Part B, reads an evidence board. The other auditor reads theirs
    from there."""
    ret = PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 1")
    case_2 = audit.cases.get(reference="Case 2")
    client.force_login(auditor)
    assert client.get(reverse("audits:return_detail", args=[ret.pk]), REMOTE_ADDR=HOME).status_code == 200
    assert client.get(reverse("audits:return_detail", args=[ret.pk]), REMOTE_ADDR=AWAY).status_code == 200
    body = json.dumps({"version": ret.version, "fields": {"strengths": "Typed by whoever it was"}})
    autosave = reverse("audits:return_autosave", args=[ret.pk])
    assert client.post(autosave, body, content_type="application/json", REMOTE_ADDR=AWAY).status_code == 200
    audit.status = AuditStatus.PART_B
    audit.save()
    board = reverse("audits:evidence_board", args=[audit.slug, case_2.pk])
    assert client.get(board, REMOTE_ADDR=AWAY).status_code == 200
    other = PartAReturn.objects.filter(audit=audit, agency=other_auditor.agency).first()
    client.force_login(other_auditor)
    assert client.get(reverse("audits:return_detail", args=[other.pk]), REMOTE_ADDR=AWAY).status_code == 200
    return ret


def test_what_one_account_saw_and_changed_over_some_days_and_from_where(client_for, used_by_someone_else, auditor):
    today = timezone.localdate()
    client = client_for("qa_manager")

    rows = _csv(client, person=auditor.username, since=(today - datetime.timedelta(days=7)).isoformat(), until=today)

    assert [(row["Action"], row["Kind of object"], row["From"]) for row in rows] == [
        ("Viewed", "audits.case", AWAY),
        ("Changed", "audits.partareturn", AWAY),
        ("Viewed", "audits.partareturn", AWAY),
        ("Viewed", "audits.partareturn", HOME),
    ]
    assert all(row["Who"] == auditor.username and row["Audit"] == "cse-audit" for row in rows)
    assert rows[0]["What"] == "Evidence board: CSE audit — Case 2"
    assert rows[1]["What"].startswith("Case 1 — ")
    # The days before are not in it.
    assert _csv(client, person=auditor.username, until=(today - datetime.timedelta(days=1)).isoformat()) == []


@pytest.mark.parametrize("reader", ["qa_manager", "administrator"])
def test_what_came_from_one_address_whoever_was_signed_in(
    client_for, used_by_someone_else, auditor, other_auditor, reader
):
    client = client_for(reader)

    found = list(client.get(reverse("access_log"), {"q": AWAY}).context["page"])

    assert [record.ip_address for record in found] == [AWAY] * 4
    assert {record.username for record in found} == {auditor.username, other_auditor.username}
    assert [row["From"] for row in _csv(client, q=HOME)] == [HOME]
    # Not an address: searched as text, in no address.
    assert list(client.get(reverse("access_log"), {"q": "203.0.113"}).context["page"]) == []


def test_who_read_or_changed_one_case_and_who_read_or_exported_every_case(client_for, part_b, auditor, qa_manager):
    from audits.services.partb import judgement_record

    case_1 = part_b.cases.select_related("audit__tool_version").get(reference="Case 1")
    ret = PartAReturn.objects.get(case=case_1, agency=auditor.agency)
    case_2_ret = PartAReturn.objects.get(case__reference="Case 2", agency=auditor.agency)
    client = client_for("auditor")
    for pk in (ret.pk, case_2_ret.pk):
        assert client.get(reverse("audits:return_detail", args=[pk])).status_code == 200
    assert client.get(reverse("audits:return_history", args=[ret.pk])).status_code == 200
    client = client_for("qa_manager")
    assert client.get(reverse("audits:evidence_board", args=[part_b.slug, case_1.pk])).status_code == 200
    grade = Grade.objects.filter(scale_id=part_b.tool_version.scale_id).first()
    judgement_record(user=qa_manager, case=case_1, section=None, grade=grade, reasons="")
    assert client.get(reverse("audits:heatmap", args=[part_b.slug])).status_code == 200
    assert client.get(reverse("audits:export_csv", args=[part_b.slug])).status_code == 200

    about_case_1 = _csv(client, audit=part_b.slug, q="Case 1")
    every_case = _csv(client, audit=part_b.slug, object_type="audits.audit")

    assert [(row["Who"], row["Action"], row["What"]) for row in about_case_1] == [
        (qa_manager.username, "Changed", "Consensus judgement recorded for Case 1 (overall)"),
        (qa_manager.username, "Viewed", "Evidence board: CSE audit — Case 1"),
        (auditor.username, "Viewed", f"{ret}: history"),
        (auditor.username, "Viewed", str(ret)),
    ]
    assert [(row["Action"], row["What"]) for row in every_case] == [
        ("Exported", "CSV export of CSE audit"),
        ("Viewed", "Grade heatmap: CSE audit"),
    ]
    assert AccessRecord.objects.filter(action=AccessAction.EXPORT, object_type="agencies.accessrecord").count() == 2


def test_nobody_changes_or_deletes_a_record_in_the_admin_not_even_a_superuser(client, auditor):
    from agencies.models import Role
    from agencies.tests.factories import UserFactory

    record = AccessRecord.objects.create(username=auditor.username, action=AccessAction.VIEW, object_type="x")
    root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    change = reverse("admin:agencies_accessrecord_change", args=[record.pk])
    delete = reverse("admin:agencies_accessrecord_delete", args=[record.pk])
    changelist = reverse("admin:agencies_accessrecord_changelist")

    assert client.get(change).status_code == 200  # read only
    assert client.post(change, {"username": "someone.else"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:agencies_accessrecord_add")).status_code == 403
    listing = client.get(changelist)
    assert "delete_selected" not in listing.content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    assert AccessRecord.objects.filter(pk=record.pk, username=auditor.username).exists()


def test_an_authenticator_app_set_up_for_the_account_is_in_its_records_with_the_address(client, client_for, auditor):
    """Whoever has the password of an account whose app was removed sets up their own: the account's
    records say so, and from where."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies.tests.test_account_journeys import current_code, sign_in

    with override_settings(MFA_REQUIRED=True):
        sign_in(client, REMOTE_ADDR=AWAY)
        assert client.get(reverse("mfa_setup"), REMOTE_ADDR=AWAY).status_code == 200
        device = TOTPDevice.objects.get(user=auditor, confirmed=False)
        assert client.post(reverse("mfa_setup"), {"code": current_code(device)}, REMOTE_ADDR=AWAY).status_code == 302

    rows = _csv(client_for("qa_manager"), person=auditor.username)

    assert [(row["Action"], row["Kind of object"], row["Object"], row["What"], row["From"]) for row in rows] == [
        # The app set up is the second factor of this sign-in, which completes it.
        ("Signed in", "agencies.user", str(auditor.pk), "Signed in with password and authenticator app", AWAY),
        (
            "Changed",
            "agencies.user",
            str(auditor.pk),
            f"Sign-in of {auditor.username} changed: authenticator app set up, new recovery codes issued",
            AWAY,
        ),
    ]


def test_an_address_with_a_zone_is_searched_for_as_the_log_keeps_it(client_for, audit, auditor):
    """An IPv6 address copied with its zone ("%eth0", which the log never keeps) finds what came from the
    address, and one with a zone too long for PostgreSQL's address type is not a server error."""
    ret = PartAReturn.objects.filter(audit=audit, agency=auditor.agency).first()
    response = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk]), REMOTE_ADDR="fe80::1")
    assert response.status_code == 200
    client = client_for("qa_manager")

    assert [r.ip_address for r in client.get(reverse("access_log"), {"q": "fe80::1%eth0"}).context["page"]] == [
        "fe80::1"
    ]
    response = client.get(reverse("access_log"), {"q": "fe80::1%" + "x" * 40})
    assert response.status_code == 200
    assert [r.ip_address for r in response.context["page"]] == ["fe80::1"]
