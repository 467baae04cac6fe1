"""Recommendation tracker, owners' reminders (14 days before the due date, one digest a week per address,
recorded per recommendation),
the owner e-mail on Part B's form, and the PDF reports rendered through the task."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from agencies.models import AccessAction, AccessRecord, Partnership
from agencies.tests.factories import AgencyFactory
from audits.models import (
    AuditStatus,
    InsightReport,
    InsightReportKind,
    InsightReportStatus,
    Recommendation,
    RecommendationReminder,
    RecommendationReminderKind,
    RecommendationStatus,
)
from audits.selectors.insights import recommendation_tracker
from audits.services.insights import (
    email_recommendation_digest,
    insight_report_render,
    recommendation_digests_due,
    recommendation_digests_queue,
)
from audits.tasks import send_recommendation_reminders
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


def rec(audit, *, due_in: int | None, status=RecommendationStatus.OPEN, email="group@example.org", **kwargs):
    due = TODAY + dt.timedelta(days=due_in) if due_in is not None else None
    return RecommendationFactory(audit=audit, due_date=due, status=status, owner_email=email, **kwargs)


# --- Reminders ---------------------------------------------------------------------------------


def test_who_is_due_a_reminder():
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    soon = rec(audit, due_in=14)  # exactly 14 days ahead: due soon
    later = rec(audit, due_in=15)  # not yet
    overdue = rec(audit, due_in=-30)
    rec(audit, due_in=3, status=RecommendationStatus.COMPLETE)  # complete: no reminder
    rec(audit, due_in=None)  # no due date
    rec(audit, due_in=3, email="")  # no address at all
    lead = AgencyFactory(name="Police", lead_email="lead@police.example.org")
    by_agency = rec(audit, due_in=2, email="", owner="", owner_agency=lead, status=RecommendationStatus.IN_PROGRESS)

    due = recommendation_digests_due(today=TODAY)
    assert {address: [r.pk for r in recs] for address, recs in due.items()} == {
        "group@example.org": [overdue.pk, soon.pk],
        "lead@police.example.org": [by_agency.pk],
    }
    assert later.pk not in [r.pk for recs in due.values() for r in recs]


def digests(today, capture) -> list[str]:
    with capture(execute=True):
        return send_recommendation_reminders(today.isoformat())


def test_one_digest_per_address_recorded_per_recommendation_and_at_most_weekly(
    qa_manager, django_capture_on_commit_callbacks
):
    one = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    two = audit_in(2025, theme_slug="neglect", status=AuditStatus.CLOSED, title="Neglect audit 2025")
    items = [
        rec(one, due_in=10, text="Review the screening tool."),
        rec(one, due_in=-4, text="Train the front door.", status=RecommendationStatus.IN_PROGRESS),
        rec(two, due_in=3, text="Audit the neglect toolkit.", email="Group@Example.org"),  # the same address
        *[rec(one, due_in=day, text=f"Item {day}") for day in (1, 2, 5)],
    ]
    other = rec(two, due_in=-1, email="other@example.org", text="Someone else's")
    rec(one, due_in=40, text="Not yet due")

    assert digests(TODAY, django_capture_on_commit_callbacks) == ["group@example.org", "other@example.org"]

    assert len(mail.outbox) == 2  # six recommendations of one address: one e-mail, not six
    message = next(m for m in mail.outbox if m.to == ["group@example.org"])
    assert message.subject == f"{Partnership.load().name}: 6 recommendations due soon or overdue"
    body = message.body
    # Each listed by its audit, due date and status, never by what it says: the address may be outside
    # the partnership (audits/tests/test_partb_identifier_guard.py).
    assert all(item.text not in body for item in items)
    assert "\n6. " in body and "\n7. " not in body
    # Someone else's; not yet due.
    assert "Due: Sunday 14 June 2026" not in body and "Due: Saturday 25 July 2026" not in body
    assert "CSE audit 2026" in body and "Neglect audit 2025" in body
    assert "Due: Thursday 25 June 2026" in body and "Due: Thursday 11 June 2026 — overdue by 4 days" in body
    assert "Status: In progress" in body and "Status: Open" in body
    # Each recommendation listed is recorded: the tracker's "last reminded".
    assert RecommendationReminder.objects.filter(sent_on=TODAY).count() == 7
    assert RecommendationReminder.objects.get(recommendation=items[1]).kind == RecommendationReminderKind.OVERDUE
    assert RecommendationReminder.objects.get(recommendation=items[0]).kind == RecommendationReminderKind.DUE_SOON
    assert {i.rec.pk for i in recommendation_tracker(qa_manager).items if i.last_reminder} == {
        r.pk for r in [*items, other]
    }

    # Again the same day, or six days later: nothing; seven days later: the next digest.
    assert digests(TODAY, django_capture_on_commit_callbacks) == []
    assert digests(TODAY + dt.timedelta(days=6), django_capture_on_commit_callbacks) == []
    assert len(mail.outbox) == 2
    assert digests(TODAY + dt.timedelta(days=7), django_capture_on_commit_callbacks) == [
        "group@example.org",
        "other@example.org",
    ]
    assert len(mail.outbox) == 4


def test_agency_lead_gets_the_digest_when_the_recommendation_has_no_email(django_capture_on_commit_callbacks):
    lead = AgencyFactory(name="Police", lead_email="lead@police.example.org")
    rec(audit_in(2026), due_in=-1, email="", owner="", owner_agency=lead)
    digests(TODAY, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["lead@police.example.org"]]


def test_a_digest_leaves_out_what_was_completed_before_it_went():
    audit = audit_in(2026)
    done, still = rec(audit, due_in=1, text="Done meanwhile"), rec(audit, due_in=2, text="Still open")
    # Recorded and queued: its message is not published (no commit here).
    assert recommendation_digests_queue(today=TODAY) == ["group@example.org"]
    Recommendation.objects.filter(pk=done.pk).update(status=RecommendationStatus.COMPLETE)
    assert email_recommendation_digest(address="group@example.org", day=TODAY.isoformat())
    # Listed by due date, not by what it says (the digest holds no recommendation text).
    assert (
        "Due: Wednesday 17 June 2026" in mail.outbox[0].body and "Due: Tuesday 16 June 2026" not in mail.outbox[0].body
    )
    Recommendation.objects.filter(pk=still.pk).update(status=RecommendationStatus.COMPLETE)
    assert not email_recommendation_digest(address="group@example.org", day=TODAY.isoformat())
    assert len(mail.outbox) == 1


# --- The tracker -------------------------------------------------------------------------------


def test_tracker_overdue_first_with_contact_and_last_reminder(lead_officer, other_lead):
    today = timezone.localdate()
    mine = audit_in(2026, status=AuditStatus.REPORTING, lead_officer=lead_officer)
    theirs = audit_in(2026, status=AuditStatus.REPORTING, lead_officer=other_lead)
    later = RecommendationFactory(audit=mine, due_date=today + dt.timedelta(days=90), text="later")
    late = RecommendationFactory(audit=mine, due_date=today - dt.timedelta(days=3), text="late", owner_email="a@b.org")
    soon = RecommendationFactory(audit=mine, due_date=today + dt.timedelta(days=5), text="soon")
    RecommendationFactory(audit=theirs, due_date=today - dt.timedelta(days=30), text="not mine")
    RecommendationReminder.objects.create(
        recommendation=late, kind="overdue", sent_to="a@b.org", sent_on=today, sent_at=timezone.now()
    )

    tracker = recommendation_tracker(lead_officer)

    assert [i.rec.text for i in tracker.items] == ["late", "soon", "later"]
    assert [i.rec.rag for i in tracker.items] == ["red", "amber", "green"]
    assert (tracker.items[0].overdue, tracker.items[0].days_overdue, tracker.items[0].contact) == (True, 3, "a@b.org")
    assert tracker.items[0].last_reminder is not None and tracker.items[1].last_reminder is None
    assert [i.rec.text for i in recommendation_tracker(lead_officer, rag="amber").items] == ["soon"]
    assert recommendation_tracker(lead_officer, rag="amber").total == 3
    assert later.pk and soon.pk


def test_tracker_page(client, qa_manager):
    audit = audit_in(2026, status=AuditStatus.REPORTING)
    item = RecommendationFactory(audit=audit, due_date=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(qa_manager)
    html = client.get(reverse("audits:insights_tracker")).content.decode()
    assert f'data-rec="{item.pk}"' in html and "2 days overdue" in html
    assert "No e-mail for reminders: add one" in html
    assert reverse("audits:insights_board_report") in html


def test_owner_email_on_part_b_recommendation_form(client, qa_manager):
    audit = audit_in(2026, status=AuditStatus.PART_B)
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[audit.slug])
    due = timezone.localdate() + dt.timedelta(days=30)  # every new recommendation has a due date
    response = client.post(
        url, {"text": "Do better", "owner": "CSE group", "owner_email": "cse@example.org", "due_date": due}
    )
    assert response.status_code == 302
    item = Recommendation.objects.get(audit=audit)
    assert item.owner_email == "cse@example.org"
    edit = reverse("audits:recommendation_edit", args=[audit.slug, item.pk])
    client.post(edit, {"text": "Do better", "owner": "CSE group", "owner_email": "new@example.org", "due_date": due})
    item.refresh_from_db()
    assert item.owner_email == "new@example.org"


# --- Reports -----------------------------------------------------------------------------------


def _pdf_text(report: InsightReport) -> str:
    with report.file.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_board_report_is_queued_rendered_and_downloaded(client, qa_manager, media, django_capture_on_commit_callbacks):
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    RecommendationFactory(audit=audit, text="Overdue thing", due_date=timezone.localdate() - dt.timedelta(days=9))
    RecommendationFactory(audit=audit, text="Open thing", due_date=timezone.localdate() + dt.timedelta(days=40))
    RecommendationFactory(audit=audit, text="Closed thing", status="closed", impact_evidence="Audit showed it")
    client.force_login(qa_manager)

    # The request only queues: the task (eager here, a worker in production) renders after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:insights_board_report"))
    report = InsightReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audits:insights_report", args=[report.pk])
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE, report.error
    assert report.kind == InsightReportKind.BOARD and report.pages >= 1
    text = _pdf_text(report)
    assert "Overdue thing" in text and "Open thing" in text and "Closed thing" not in text
    assert "9 days overdue" in text and "Theme trends across audits" in text

    page = client.get(reverse("audits:insights_report", args=[report.pk])).content.decode()
    assert "Download the PDF" in page
    download = client.get(reverse("audits:insights_report_download", args=[report.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AccessRecord.objects.filter(action=AccessAction.DOWNLOAD, object_type="audits.insightreport").count() == 1


def test_agency_report_holds_the_profile(qa_manager, media):
    from audits.tests.factories import AuditAgencyFactory

    police = AgencyFactory(name="Sussex Police")
    AuditAgencyFactory(audit=audit_in(2015), agency=police)
    report = InsightReport.objects.create(kind=InsightReportKind.AGENCY, agency=police, requested_by=qa_manager)
    insight_report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE, report.error
    text = _pdf_text(report)
    assert "Agency profile: Sussex Police" in text and "on time, late and missing" in text


def test_report_of_someone_who_lost_access_fails_cleanly(lead_officer, media):
    police = AgencyFactory(name="Police")
    report = InsightReport.objects.create(kind=InsightReportKind.AGENCY, agency=police, requested_by=lead_officer)
    assert insight_report_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == InsightReportStatus.FAILED and "ReportNotAllowed" in report.error
    assert not report.file


def test_status_poll_stops_when_done(client, qa_manager):
    audit_in(2026)  # there is an audit to run: the board report is the QA manager's to see
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=qa_manager)
    client.force_login(qa_manager)
    url = reverse("audits:insights_report_status", args=[report.pk])
    assert 'hx-trigger="every 2s"' in client.get(url).content.decode()
    InsightReport.objects.filter(pk=report.pk).update(status=InsightReportStatus.FAILED, error="Broken")
    html = client.get(url).content.decode()
    assert "hx-trigger" not in html and "Broken" in html


def test_a_failed_report_can_be_retried_by_the_person_who_asked(
    client, qa_manager, lead_officer, media, django_capture_on_commit_callbacks
):
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    RecommendationFactory(audit=audit, text="Open thing", due_date=timezone.localdate() + dt.timedelta(days=40))
    report = InsightReport.objects.create(
        kind=InsightReportKind.BOARD, requested_by=qa_manager, status=InsightReportStatus.FAILED, error="Worker died"
    )
    client.force_login(qa_manager)
    retry = reverse("audits:insights_report_retry", args=[report.pk])
    # The failure says so and offers the retry.
    status = client.get(reverse("audits:insights_report_status", args=[report.pk])).content.decode()
    assert "Worker died" in status and f'action="{retry}"' in status and ">Retry<" in status

    # Nobody else may retry it (nor learn that it exists).
    other = Client()
    other.force_login(lead_officer)
    assert other.post(retry).status_code == 404
    report.refresh_from_db()
    assert report.status == InsightReportStatus.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.status_code == 302 and response["Location"] == reverse("audits:insights_report", args=[report.pk])
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE and report.error == "" and report.attempts == 1
    assert "Open thing" in _pdf_text(report)
    assert AccessRecord.objects.filter(summary__startswith="Report retried:", object_id=str(report.pk)).count() == 1
    # A done report is left as it is.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry)
    assert InsightReport.objects.get(pk=report.pk).attempts == 1


def test_board_report_of_someone_who_no_longer_runs_an_audit_fails_cleanly(lead_officer, media):
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=lead_officer)
    assert insight_report_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == InsightReportStatus.FAILED and "ReportNotAllowed" in report.error
