"""A recommendation whose due date was moved (more time given to its owner) shows the first due date it was
given beside the new one, on the tracker and in the board report: the board sees the slippage."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import AuditStatus, InsightReport
from audits.selectors.insights import board_report_items
from audits.services.insights import insight_report_render, insight_report_request
from audits.services.partb import recommendation_update
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in
from audits.tests.test_insights_tracker import _pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


def _moved(rec, qa_manager, due: dt.date):
    return recommendation_update(
        user=qa_manager, recommendation=rec, text=rec.text, owner=rec.owner, owner_agency=None, due_date=due
    )


def test_the_tracker_and_board_report_show_the_first_due_date_of_one_moved(client, qa_manager, media):
    today = timezone.localdate()
    audit = audit_in(today.year - 1, status=AuditStatus.REPORTING, title="CSE audit")
    first, later, latest = (today + dt.timedelta(days=d) for d in (10, 70, 100))
    moved = RecommendationFactory(audit=audit, text="Moved twice", due_date=first)
    _moved(moved, qa_manager, later)
    _moved(moved, qa_manager, latest)
    kept = RecommendationFactory(audit=audit, text="Kept", due_date=later)
    _moved(kept, qa_manager, later)  # saved again without moving its date

    client.force_login(qa_manager)
    page = client.get(reverse("audits:insights_tracker")).content.decode()
    assert page.count('data-testid="first-due"') == 1
    assert f"moved: first due {first:%-d %b %Y}" in page

    _, still_open, _ = board_report_items(qa_manager, today=today)
    assert {i.rec.text: i.first_due for i in still_open} == {"Moved twice": first, "Kept": None}
    report = insight_report_request(user=qa_manager, kind="board")
    insight_report_render(report_id=report.pk)
    text = _pdf_text(InsightReport.objects.get(pk=report.pk))
    assert f"moved: first due {first:%-d %b %Y}" in text and text.count("moved: first due") == 1


def test_the_audits_spreadsheet_gives_the_first_due_date_of_one_moved(client, qa_manager):
    today = timezone.localdate()
    audit = audit_in(today.year - 1, status=AuditStatus.REPORTING, title="CSE audit")
    first, later = today + dt.timedelta(days=10), today + dt.timedelta(days=70)
    moved = RecommendationFactory(audit=audit, text="Moved", due_date=first)
    _moved(moved, qa_manager, later)
    RecommendationFactory(audit=audit, text="Kept", due_date=later)
    client.force_login(qa_manager)
    response = client.get(reverse("audits:export_xlsx", args=[audit.slug]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Recommendations"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "First due date (moved since)"
    moved_row, kept_row = rows[1], rows[2]
    assert (moved_row[1], moved_row[3].date(), moved_row[-1].date()) == ("Moved", later, first)
    assert (kept_row[1], kept_row[-1]) == ("Kept", None)


def test_the_audits_recommendations_page_gives_the_first_due_date_of_one_moved(client, qa_manager):
    today = timezone.localdate()
    audit = audit_in(today.year - 1, status=AuditStatus.REPORTING, title="CSE audit")
    first, later = today + dt.timedelta(days=10), today + dt.timedelta(days=70)
    moved = RecommendationFactory(audit=audit, text="Moved", due_date=first)
    _moved(moved, qa_manager, later)
    RecommendationFactory(audit=audit, text="Kept", due_date=later)
    client.force_login(qa_manager)
    page = client.get(reverse("audits:recommendations", args=[audit.slug])).content.decode()
    assert page.count('data-testid="first-due"') == 1
    row = page[page.index(f'id="rec-{moved.pk}"') :].split("</tr>")[0]
    assert f"moved: first due {first:%-d %b %Y}" in row
