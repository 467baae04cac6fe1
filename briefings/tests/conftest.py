import pytest

from audits.models import AuditStatus
from briefings import services
from briefings.models import Edition

from .support import add_findings, configure_partnership


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Rendered PDFs go to a throwaway PRIVATE_MEDIA_ROOT, never to var/private."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT
    return settings.MEDIA_ROOT


@pytest.fixture
def findings_audit(audit, agency_a, agency_b):
    """The cast's audit (led by lead_officer), at Reporting, with Part B findings of every kind and the
    partnership's settings."""
    configure_partnership()
    add_findings(audit, agency_a, agency_b)
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    return audit


@pytest.fixture
def graded(findings_audit):
    """Case 1 graded by both agencies (Police: Outstanding, CSW: Good), Case 2 by Police (Requires improvement)."""
    from audits.models import PartAReturn
    from audits.tests.partb_support import complete_return

    for ret in PartAReturn.objects.filter(audit=findings_audit, case__reference="Case 1"):
        complete_return(ret, ranks=1 if ret.agency.short_name == "Police" else 2)
    complete_return(
        PartAReturn.objects.get(audit=findings_audit, case__reference="Case 2", agency__short_name="Police"), ranks=3
    )
    return findings_audit


@pytest.fixture
def make_briefing(findings_audit, qa_manager):
    def make(edition: str = Edition.MANAGERS):
        return services.briefing_create(audit=findings_audit, edition=edition, user=qa_manager)

    return make


@pytest.fixture
def publish_rendered(qa_manager, django_capture_on_commit_callbacks):
    """Publish a briefing and run the render the commit queued (tasks run eagerly in these tests)."""

    def publish(briefing):
        with django_capture_on_commit_callbacks(execute=True):
            version = services.briefing_publish(briefing=briefing, user=qa_manager)
        version.refresh_from_db()
        return version

    return publish


@pytest.fixture
def dead_broker():
    """While active, Celery publishes to a broker on a closed loopback port: a real connection refusal."""
    import contextlib
    import socket

    from tests.celery_broker import publish_to

    @contextlib.contextmanager
    def activate():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with publish_to(f"redis://127.0.0.1:{port}/0"):
            yield

    return activate
