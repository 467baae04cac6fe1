"""The library marks what a reader has not read yet: a briefing whose newest version standing they have not
downloaded is "New", or "Corrected since you downloaded it" when they downloaded an earlier version of it, and
"Not yet read by you" lists only those. Read from the reader's own downloads in the access log (briefings:download
records each), never anybody else's; in the queries the library already makes, however many briefings and
records there are."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
from audits.models import AuditStatus
from audits.tests.factories import AuditFactory
from briefings import services
from briefings.models import Briefing, Edition

from .test_views import QUERIES, done_version

pytestmark = pytest.mark.django_db

NEW = "New"
CORRECTED = "Corrected since you downloaded it"
MARK = re.compile(r'<span class="badge read-badge[^"]*" data-testid="read-mark">([^<]*)</span>')


def marks(client, **params) -> dict[int, str]:
    """Each listed briefing's mark ("" for none), by the briefing's pk, as the library's page shows them."""
    html = client.get(reverse("briefings:library"), params).content.decode()
    rows = re.findall(r'<tr role="row" data-testid="library-row">(.*?)</tr>', html, flags=re.S)
    found = {}
    for row in rows:
        pk = int(re.search(r'href="/[^"]*?/(\d+)/"', row).group(1))
        mark = MARK.search(row)
        found[pk] = unescape(mark.group(1)) if mark else ""
    return found


def download(client, version) -> None:
    response = client.get(reverse("briefings:download", args=[version.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)


@pytest.fixture
def practitioners(findings_audit, qa_manager) -> Briefing:
    return services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)


@pytest.fixture
def managers(findings_audit, qa_manager) -> Briefing:
    return services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)


def test_a_briefing_never_downloaded_is_new(client_for, practitioners, qa_manager):
    done_version(practitioners, user=qa_manager)
    client = client_for("practitioner")
    assert marks(client) == {practitioners.pk: NEW}
    html = client.get(reverse("briefings:library")).content.decode()
    assert 'data-testid="read-mark">New</span>' in html  # the word, not a colour alone


def test_a_briefing_downloaded_is_not_marked(client_for, practitioners, qa_manager):
    version = done_version(practitioners, user=qa_manager)
    client = client_for("practitioner")
    assert marks(client) == {practitioners.pk: NEW}
    download(client, version)
    assert marks(client) == {practitioners.pk: ""}
    assert marks(client, unread="on") == {}


def test_a_version_published_after_the_reader_downloaded_the_first_is_a_correction(
    client_for, practitioners, qa_manager
):
    first = done_version(practitioners, 1, user=qa_manager)
    client = client_for("practitioner")
    download(client, first)
    second = done_version(practitioners, 2, user=qa_manager)
    assert marks(client) == {practitioners.pk: CORRECTED}
    download(client, second)
    assert marks(client) == {practitioners.pk: ""}


def test_a_correction_of_a_withdrawn_version_the_reader_downloaded(client_for, practitioners, qa_manager):
    first = done_version(practitioners, 1, user=qa_manager)
    client = client_for("practitioner")
    download(client, first)
    services.briefing_version_withdraw(version=first, user=qa_manager, reason="A child's name in section 2.")
    done_version(practitioners, 2, user=qa_manager)
    assert marks(client) == {practitioners.pk: CORRECTED}


def test_downloading_an_earlier_version_again_leaves_the_correction_unread(client_for, practitioners, qa_manager):
    first = done_version(practitioners, 1, user=qa_manager)
    done_version(practitioners, 2, user=qa_manager)
    client = client_for("practitioner")
    download(client, first)  # from "Earlier versions": not the corrected one
    assert marks(client) == {practitioners.pk: CORRECTED}


def test_not_yet_read_by_you_lists_only_what_the_reader_has_not_downloaded(
    client_for, findings_audit, practitioners, managers, qa_manager
):
    other = services.briefing_create(
        audit=AuditFactory(status=AuditStatus.REPORTING), edition=Edition.PRACTITIONERS, user=qa_manager
    )
    read = done_version(practitioners, 1, user=qa_manager)
    managers_first = done_version(managers, 1, user=qa_manager)
    done_version(other, 1, user=qa_manager)
    client = client_for("manager")
    download(client, read)
    download(client, managers_first)
    done_version(managers, 2, user=qa_manager)
    assert marks(client) == {practitioners.pk: "", managers.pk: CORRECTED, other.pk: NEW}
    assert marks(client, unread="on") == {managers.pk: CORRECTED, other.pk: NEW}
    response = client.get(reverse("briefings:library"), {"unread": "on"})
    assert re.search(r'<input type="checkbox" name="unread"[^>]* checked', response.content.decode())
    assert "Not yet read by you" in response.content.decode()
    # With every one read, the filter lists none and says why.
    download(client, Briefing.objects.get(pk=managers.pk).versions.get(number=2))
    download(client, other.versions.get())
    assert marks(client, unread="on") == {}
    html = client.get(reverse("briefings:library"), {"unread": "on"}).content.decode()
    assert "You have downloaded the newest version of every published briefing" in html
    # With another filter too, nothing matches it (the other briefings may not be read).
    html = client.get(reverse("briefings:library"), {"unread": "on", "q": "nothing like this"}).content.decode()
    assert "No published briefing matches" in html


def test_another_readers_download_does_not_count(client_for, practitioners, qa_manager):
    version = done_version(practitioners, user=qa_manager)
    download(client_for("manager"), version)
    client = client_for("practitioner")
    assert marks(client) == {practitioners.pk: NEW}
    assert marks(client, unread="on") == {practitioners.pk: NEW}
    assert marks(client_for("manager")) == {practitioners.pk: ""}


def test_other_records_of_the_version_are_not_downloads(client_for, practitioners, qa_manager, cast):
    """A view or a refusal naming the version, or a download record of another kind of object with its id,
    is not the reader's download of it."""
    version = done_version(practitioners, user=qa_manager)
    reader = cast["practitioner"]
    for action, object_type in (
        (AccessAction.VIEW, "briefings.briefingversion"),
        (AccessAction.REFUSED, "briefings.briefingversion"),
        (AccessAction.DOWNLOAD, "audits.audit"),
    ):
        AccessRecord.objects.create(user=reader, action=action, object_type=object_type, object_id=str(version.pk))
    assert marks(client_for("practitioner")) == {practitioners.pk: NEW}


def test_the_marks_and_the_filter_cost_no_query_more_however_many_briefings_and_downloads(
    client_for, qa_manager, cast, django_assert_num_queries
):
    client = client_for("manager")
    url = reverse("briefings:library")
    client.get(url)  # warm the session
    read: list[int] = []

    def grow(n: int) -> None:
        for _ in range(n):
            audit = AuditFactory(status=AuditStatus.REPORTING)
            for edition in (Edition.MANAGERS, Edition.PRACTITIONERS):
                briefing = services.briefing_create(audit=audit, edition=edition, user=qa_manager)
                first = done_version(briefing, 1)
                done_version(briefing, 2)
                # Everybody else's downloads of both versions, and the manager's of the managers' first.
                for name in ("practitioner", "qa_manager", "lead_officer"):
                    for version in briefing.versions.all():
                        AccessRecord.objects.create(
                            user=cast[name],
                            action=AccessAction.DOWNLOAD,
                            object_type="briefings.briefingversion",
                            object_id=str(version.pk),
                        )
                if edition == Edition.MANAGERS:
                    download(client, first)
                    read.append(briefing.pk)

    grow(1)
    with django_assert_num_queries(QUERIES):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(QUERIES):
        assert client.get(url, {"unread": "on"}).status_code == 200
    grow(5)
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    with django_assert_num_queries(QUERIES):
        unread = client.get(url, {"unread": "on"})
    assert len(response.context["page"].object_list) == 12
    shown = marks(client)
    assert {pk for pk, mark in shown.items() if mark == CORRECTED} == set(read)
    assert {pk for pk, mark in shown.items() if mark == NEW} == set(shown) - set(read)
    assert len(unread.context["page"].object_list) == 12  # none of them has its newest version downloaded
