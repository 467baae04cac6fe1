"""A download from a page that listed a version before it was withdrawn, or before its PDF was taken
away to be made again (the retention purge removed the case detail it printed), is no longer a bare
'Not found': the reader is told what happened to that version, on the briefing's page (or the
library, or the composer), and the attempt is still recorded as refused. Somebody who may not read the
briefing still gets the 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord, Partnership
from audits.models import AuditStatus
from audits.services.retention import audit_purge_case_detail
from briefings import services
from briefings.models import Edition, RenderStatus

from .test_views import done_version

pytestmark = pytest.mark.django_db


def refusals(user):
    return AccessRecord.objects.filter(action=AccessAction.REFUSED, user=user, summary="download")


def purged(audit, full, django_capture_on_commit_callbacks) -> None:
    """The retention purge run on `audit`, closed 25 months ago with a 24-month period: its full report's
    version `full` loses its PDF and is queued to be made again (its render left unrun)."""
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    audit.status = AuditStatus.CLOSED
    audit.closed_at = timezone.now() - timedelta(days=25 * 31)
    audit.save()
    with django_capture_on_commit_callbacks(execute=False):
        audit_purge_case_detail(audit=audit)
    full.refresh_from_db()
    assert full.status == RenderStatus.QUEUED


def test_a_version_withdrawn_since_the_page_listed_it_is_said_to_be_withdrawn(
    client_for, findings_audit, qa_manager, cast
):
    practitioners = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    first = done_version(practitioners, 1, user=qa_manager)
    second = done_version(practitioners, 2, user=qa_manager)
    client = client_for("practitioner")
    page = client.get(reverse("briefings:briefing_page", args=[practitioners.pk])).content.decode()
    assert reverse("briefings:download", args=[second.pk]) in page

    # Withdrawn while the reader's page still offers it.
    services.briefing_version_withdraw(version=second, user=qa_manager, reason="Wrong edition published.")
    response = client.get(reverse("briefings:download", args=[second.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("briefings:briefing_page", args=[practitioners.pk])
    html = response.content.decode()
    assert "Version 2 of this briefing was withdrawn on" in html and "it can no longer be downloaded" in html
    assert "Wrong edition published." not in html  # the reason is for the composers
    assert reverse("briefings:download", args=[first.pk]) in html  # the version standing now
    assert refusals(cast["practitioner"]).count() == 1

    # Somebody who may not read the edition learns nothing of it.
    assert client_for("administrator").get(reverse("briefings:download", args=[second.pk])).status_code == 404
    assert refusals(cast["administrator"]).count() == 1


def test_a_version_whose_pdf_is_being_made_again_says_so(
    client_for, findings_audit, make_briefing, publish_rendered, cast, django_capture_on_commit_callbacks
):
    full = publish_rendered(make_briefing(Edition.FULL_REPORT))
    assert full.is_done
    client = client_for("lead_officer")  # reads the full report of the audit they lead
    assert (
        reverse("briefings:download", args=[full.pk])
        in client.get(reverse("briefings:briefing_page", args=[full.briefing_id])).content.decode()
    )

    # The retention purge takes the case detail out: the PDF goes, and is queued to be made again.
    purged(findings_audit, full, django_capture_on_commit_callbacks)

    response = client.get(reverse("briefings:download", args=[full.pk]), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no PDF of version 1 to download just now: it is being made." in html
    assert refusals(cast["lead_officer"]).count() == 1


def test_a_version_withdrawn_between_the_check_and_the_opening_of_its_file_is_said_to_be_withdrawn(
    client_for, findings_audit, qa_manager, monkeypatch
):
    """The withdrawal commits, and deletes the file, after the download's check found the version
    readable and before it opened the file: told it was withdrawn, not 'The file is missing.'"""
    from django.core.files.storage import default_storage

    from briefings import access

    practitioners = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    first = done_version(practitioners, 1, user=qa_manager)
    second = done_version(practitioners, 2, user=qa_manager)
    checked = access.readable_version

    def check_then_withdraw(request, pk):
        version = checked(request, pk)  # readable when checked
        withdrawn = services.briefing_version_withdraw(version=version, user=qa_manager, reason="Wrong edition.")
        default_storage.delete(version.file.name)  # what the withdrawal's commit does
        assert withdrawn.is_withdrawn
        return version

    monkeypatch.setattr(access, "readable_version", check_then_withdraw)
    response = client_for("practitioner").get(reverse("briefings:download", args=[second.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("briefings:briefing_page", args=[practitioners.pk])
    assert "Version 2 of this briefing was withdrawn on" in response.content.decode()
    assert reverse("briefings:download", args=[first.pk]) in response.content.decode()
