"""A real Celery worker renders briefings: through Redis, into the test database and private storage.

Run through scripts/test_services.py (make test): PostgreSQL, Redis and the worker are real.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from audits.models import AuditStatus
from briefings import services
from briefings.models import BriefingSection, BriefingVersion, Edition, RenderStatus
from briefings.tasks import render_briefing_version
from briefings.tests.support import add_findings, configure_partnership
from tests.fixtures_services import CeleryWorker, wait_for

pytestmark = pytest.mark.worker


def status_of(version: BriefingVersion) -> str:
    return BriefingVersion.objects.values_list("status", flat=True).get(pk=version.pk)


@pytest.fixture
def worker_storage(celery_worker_process: CeleryWorker, settings, tmp_path) -> Iterator[Path]:
    """The worker and this test share a throwaway PRIVATE_MEDIA_ROOT (never var/private)."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = root
    celery_worker_process.restart({"PRIVATE_MEDIA_ROOT": str(root)})
    yield root
    celery_worker_process.restart()  # back to the session's environment for the tests after this one


@pytest.fixture
def briefing(transactional_db, audit, agency_a, agency_b, qa_manager):
    configure_partnership()
    add_findings(audit, agency_a, agency_b)
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    return services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa_manager)


def publish(briefing, user) -> BriefingVersion:
    # A real commit: the render goes on the queue only once it has happened.
    with transaction.atomic():
        version = services.briefing_publish(briefing=briefing, user=user)
        assert status_of(version) == RenderStatus.QUEUED
    return version


def test_the_worker_renders_a_published_briefing(briefing, qa_manager, worker_storage, celery_worker_process):
    version = publish(briefing, qa_manager)
    assert wait_for(lambda: status_of(version) == RenderStatus.DONE), celery_worker_process.log()
    version.refresh_from_db()
    path = worker_storage / version.file.name
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) == version.file_size
    reader = PdfReader(BytesIO(pdf))
    assert reader.metadata.title == briefing.title
    assert len(reader.pages) == version.pages >= 2
    assert version.attempts == 1
    assert "briefings.tasks.render_briefing_version" in celery_worker_process.log()

    # Sent again (a duplicate delivery, a double click on Retry): nothing happens to a done version.
    stamp = path.stat().st_mtime_ns
    result = render_briefing_version.delay(version.pk)
    assert wait_for(lambda: f"render_briefing_version[{result.id}] succeeded" in celery_worker_process.log())
    version.refresh_from_db()
    assert version.attempts == 1 and path.stat().st_mtime_ns == stamp


def test_a_worker_killed_mid_render_leaves_no_done_version_and_the_render_is_recovered(
    briefing, qa_manager, worker_storage, celery_worker_process
):
    # Long enough to render that the kill lands mid-render.
    body = "\n".join(f"- **Point {n}:** " + "Share information with the agencies involved. " * 6 for n in range(60))
    for section in BriefingSection.objects.filter(briefing=briefing, hidden=False):
        services.briefing_section_update(
            section=section, heading=section.heading, body=body, hidden=False, user=qa_manager
        )
    version = publish(briefing, qa_manager)
    assert wait_for(lambda: status_of(version) == RenderStatus.RENDERING, timeout=60), celery_worker_process.log()
    celery_worker_process.kill()

    version.refresh_from_db()
    assert version.status == RenderStatus.RENDERING and not version.file
    final = worker_storage / "briefings" / str(briefing.audit_id) / "managers-v1.pdf"
    assert not final.exists()  # at most a temporary file was being written

    # The periodic requeue picks up a render whose worker died (here: aged past the time limit).
    BriefingVersion.objects.filter(pk=version.pk).update(started_at=timezone.now() - timedelta(hours=1))
    celery_worker_process.start({"PRIVATE_MEDIA_ROOT": str(worker_storage)})
    assert services.requeue_stalled_versions() == [version.pk]
    assert wait_for(lambda: status_of(version) == RenderStatus.DONE, timeout=120), celery_worker_process.log()
    version.refresh_from_db()
    assert version.attempts == 2
    assert final.read_bytes().startswith(b"%PDF")
    # Besides the finished file, at most the killed render's temporary file: never a partial PDF under the real name.
    assert all(p.name == "managers-v1.pdf" or p.name.startswith(".render-") for p in final.parent.iterdir())
