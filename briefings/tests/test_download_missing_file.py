"""A standing version marked done whose PDF is not in storage (lost from the portal's files) gets one
answer whichever of the download's two refusals finds it — refused by the check, or its file gone when
it is opened: the briefing's page saying its PDF cannot be found, not 'it is being made, try again'
(nothing is making it) from the one and a bare 'Not found' from the other."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from briefings import access, services
from briefings.models import Edition

from .test_views import done_version

pytestmark = pytest.mark.django_db

MISSING = "The PDF of version 2 cannot be found on the portal, so it cannot be downloaded."
BEING_MADE = "it is being made"


@pytest.fixture
def lost(findings_audit, qa_manager):
    """Version 2 of the practitioners' briefing, marked done, its file gone from storage; version 1 standing."""
    practitioners = services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)
    first = done_version(practitioners, 1, user=qa_manager)
    second = done_version(practitioners, 2, user=qa_manager)
    default_storage.delete(second.file.name)
    return first, second


def download(client, version):
    return client.get(reverse("briefings:download", args=[version.pk]), follow=True)


def answer(response) -> tuple[str, list[str]]:
    return response.redirect_chain[-1][0], [str(m) for m in response.context["messages"]]


def test_its_file_gone_when_opened_is_said_to_be_missing(client_for, lost, caplog):
    first, second = lost
    response = download(client_for("practitioner"), second)
    assert response.status_code == 200  # not the 404 of 'The file is missing.'
    where, said = answer(response)
    assert where == reverse("briefings:briefing_page", args=[second.briefing_id])
    assert len(said) == 1 and said[0].startswith(MISSING) and BEING_MADE not in said[0]
    assert reverse("briefings:download", args=[first.pk]) in response.content.decode()  # what stands
    assert "is marked done but its PDF" in caplog.text  # for the administrator


def test_refused_by_the_check_it_gets_the_same_answer(client_for, lost, monkeypatch):
    """The check refuses a version marked done without its PDF (the database keeps a done, standing version
    from having no file's name, so the refusal is made here as the check makes it): the same answer."""
    _, second = lost
    opened = answer(download(client_for("practitioner"), second))

    def check_refuses(request, pk):
        raise access.refuse(request, object_type="briefings.briefingversion", object_id=str(pk), summary="download")

    monkeypatch.setattr(access, "readable_version", check_refuses)
    checked = answer(download(client_for("practitioner"), second))
    assert checked == opened
    assert checked[1][0].startswith(MISSING)


def test_the_composers_are_told_on_the_published_versions(client_for, lost):
    _, second = lost
    response = download(client_for("qa_manager"), second)
    where, said = answer(response)
    assert where.endswith("#versions")
    assert said[0].startswith(MISSING)
