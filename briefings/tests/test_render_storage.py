"""A PDF that is made but cannot be stored is shown as failed, with a retry, and leaves no file behind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from audits.models import InsightReport, InsightReportKind, InsightReportStatus, insight_report_upload_to
from audits.services.insights import insight_report_render
from briefings import services
from briefings.models import BriefingVersion, RenderStatus, briefing_upload_to
from briefings.tasks import render_briefing_version

pytestmark = pytest.mark.django_db


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_version_whose_file_cannot_be_written_is_failed_with_a_retry(
    client_for, make_briefing, qa_manager, private_media
):
    version = services.briefing_publish(briefing=make_briefing(), user=qa_manager)
    target = Path(default_storage.path(briefing_upload_to(version, "briefing.pdf")))
    target.mkdir(parents=True)  # the PDF cannot be moved into place: a directory is in the way

    render_briefing_version.apply(args=[version.pk])
    version.refresh_from_db()
    assert version.status == RenderStatus.FAILED and not version.file
    assert "could not be stored: IsADirectoryError" in version.error
    assert str(private_media) not in version.error  # no server path shown
    assert files_under(Path(private_media)) == []  # the temporary file is gone too
    status = client_for("qa_manager").get(reverse("briefings:version_status", args=[version.pk])).content.decode()
    assert "Failed" in status and "could not be stored" in status and "Retry" in status
    assert "hx-trigger" not in status  # the poll stops

    # Once the way is clear, the retry stores it.
    target.rmdir()
    services.briefing_version_retry(version=version, user=qa_manager)
    services.briefing_version_render(version_id=version.pk)
    version.refresh_from_db()
    assert version.status == RenderStatus.DONE and default_storage.exists(version.file.name)


def test_a_file_stored_for_a_row_that_cannot_be_saved_is_removed(make_briefing, qa_manager, private_media):
    """The file is in place when saving the row fails (here: a name longer than the column): the row is
    failed, and the file, which no row points to, is deleted."""
    version = services.briefing_publish(briefing=make_briefing(), user=qa_manager)
    long_name = f"briefings/{'x' * 120}.pdf"

    @dataclass
    class Rendered:
        pdf: bytes = b"%PDF-1.7\n% made\n"
        pages: int = 1
        seconds: float = 0.1

    result = services.render_to_file(
        BriefingVersion,
        version.pk,
        statuses=RenderStatus,
        render=lambda obj: Rendered(),
        file_name=lambda obj: long_name,
        done_label="PDF rendered",
        too_long="too long",
        select_related=("briefing",),
    )
    assert result is None
    version.refresh_from_db()
    assert version.status == RenderStatus.FAILED and "could not be stored: DataError" in version.error
    assert not default_storage.exists(long_name) and files_under(Path(private_media)) == []


def test_an_insight_report_whose_file_cannot_be_written_is_failed_with_a_retry(
    findings_audit, qa_manager, private_media
):
    report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=qa_manager)
    target = Path(default_storage.path(insight_report_upload_to(report, "report.pdf")))
    target.mkdir(parents=True)
    assert insight_report_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == InsightReportStatus.FAILED and "could not be stored: IsADirectoryError" in report.error
    assert files_under(Path(private_media)) == []
