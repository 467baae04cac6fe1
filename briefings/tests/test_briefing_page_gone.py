"""The page of a briefing with no version left to read, opened from the e-mail that said it was published
(every version withdrawn since, or its PDF taken away to be made again by the retention purge), is no longer
a bare 'Not found': the reader is told what happened, on the library (its composers on the composer's
versions), and the attempt is still recorded as refused. Somebody who may not read the edition, a
practitioner on the managers' briefing, still gets the 404 and learns nothing of it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord
from briefings import services
from briefings.models import BriefingVersion, Edition

from .test_download_gone import purged
from .test_views import done_version

pytestmark = pytest.mark.django_db


def refusals(user):
    return AccessRecord.objects.filter(action=AccessAction.REFUSED, user=user, summary="library page")


def test_a_briefing_withdrawn_since_the_email_says_so_on_the_library(client_for, findings_audit, qa_manager, cast):
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    first = done_version(briefing, 1, user=qa_manager)
    second = done_version(briefing, 2, user=qa_manager)
    page_url = reverse("briefings:briefing_page", args=[briefing.pk])
    client = client_for("practitioner")
    assert client.get(page_url).status_code == 200
    for version in (second, first):
        services.briefing_version_withdraw(version=version, user=qa_manager, reason="Wrong edition published.")

    response = client.get(page_url, follow=True)
    assert response.redirect_chain == [(reverse("briefings:library"), 302)]
    html = response.content.decode()
    withdrawn_on = timezone.localtime(BriefingVersion.objects.get(pk=second.pk).withdrawn_at)
    assert (
        f"The briefing you opened was withdrawn on {withdrawn_on.day} {withdrawn_on:%B %Y}: there is no version of it "
        "to read now." in html
    )
    assert "Wrong edition published." not in html  # the reason is for the composers
    assert refusals(cast["practitioner"]).count() == 1

    # Its composers are shown its versions, withdrawn ones with why.
    response = client_for("qa_manager").get(page_url)
    assert response.status_code == 302 and response["Location"].endswith("#versions")

    # Somebody who may not read the edition learns nothing of it.
    assert client_for("administrator").get(page_url).status_code == 404
    assert refusals(cast["administrator"]).count() == 1


def test_a_practitioner_on_a_withdrawn_managers_briefing_still_gets_not_found(
    client_for, findings_audit, qa_manager, cast
):
    managers = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)
    only = done_version(managers, 1, user=qa_manager)
    page_url = reverse("briefings:briefing_page", args=[managers.pk])
    assert client_for("practitioner").get(page_url).status_code == 404
    services.briefing_version_withdraw(version=only, user=qa_manager, reason="Wrong edition published.")
    response = client_for("practitioner").get(page_url)
    assert response.status_code == 404 and "withdrawn" not in response.content.decode()
    assert client_for("manager").get(page_url).status_code == 302
    assert refusals(cast["practitioner"]).count() == 2


def test_a_briefing_whose_pdf_is_being_made_again_says_so(
    client_for, findings_audit, make_briefing, publish_rendered, django_capture_on_commit_callbacks
):
    full = publish_rendered(make_briefing(Edition.FULL_REPORT))
    page_url = reverse("briefings:briefing_page", args=[full.briefing_id])
    client = client_for("lead_officer")  # reads the full report of the audit they lead
    assert client.get(page_url).status_code == 200

    # The retention purge takes the case detail out: the PDF goes, and is queued to be made again.
    purged(findings_audit, full, django_capture_on_commit_callbacks)

    response = client.get(page_url, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0].endswith("#versions")
    assert "The briefing you opened is being made just now: try again in a few minutes." in response.content.decode()
