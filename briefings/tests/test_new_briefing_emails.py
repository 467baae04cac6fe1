"""An edition's first publication is e-mailed to every reader of it too, not only to the audit's auditors
and lead officer: each active person the library lets read that edition (editions_readable_by), who kept
"E-mail me when a new learning briefing is published" on, once, after the render commits, through the
outbox, one task per person; never twice to somebody the auditors' e-mail tells, never for a corrected
version. The publish request does not grow with the number of readers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import OutboxMessage, Partnership, Role
from agencies.outbox import outbox_send
from agencies.tests.factories import AdministratorFactory, QAManagerFactory, UserFactory
from briefings import services
from briefings.models import BriefingVersion, Edition
from briefings.selectors import version_readers_to_tell
from briefings.tasks import email_new_briefing

from .support import publish_post

pytestmark = pytest.mark.django_db

READERS = "briefings.tasks.email_new_briefing"
AUDITORS = "briefings.tasks.email_version_published"


def new_briefing_to() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox if "New learning briefing" in m.subject)


def announced_to() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox if "is published" in m.subject)


@pytest.fixture
def readers(cast, agency_a):
    """Besides the cast: a second QA manager, a board member, and an administrator with and without board access."""
    return {
        "qa_manager_2": QAManagerFactory(username="qa.two"),
        "board": UserFactory(username="board.member", agency=agency_a, board_access=True),
        "admin_board": AdministratorFactory(username="it.board", board_access=True),
        "admin": cast["administrator"],
    }


def test_the_practitioners_edition_is_emailed_to_every_reader_once(
    make_briefing, publish_rendered, cast, readers, lead_officer, auditor, other_auditor
):
    briefing = make_briefing(Edition.PRACTITIONERS)
    publish_rendered(briefing)

    # The audit's auditors and lead officer get the auditors' e-mail, and only that one.
    assert announced_to() == sorted([auditor.email, other_auditor.email, lead_officer.email])
    # Every other reader of the edition (agency staff of any agency, the other QA manager, board access),
    # once each; not the QA manager who published it, not an administrator without board access.
    expected = sorted(
        [cast[w].email for w in ("colleague", "manager", "practitioner", "other_lead")]
        + [readers["qa_manager_2"].email, readers["board"].email, readers["admin_board"].email]
    )
    assert new_briefing_to() == expected
    everyone = [m.to[0] for m in mail.outbox]
    assert len(everyone) == len(set(everyone))  # nobody twice
    assert cast["qa_manager"].email not in everyone and readers["admin"].email not in everyone
    assert OutboxMessage.objects.filter(task=READERS).count() == len(expected)  # one task per person


def test_the_managers_edition_goes_to_managers_only(make_briefing, publish_rendered, cast, readers):
    publish_rendered(make_briefing(Edition.MANAGERS))
    assert new_briefing_to() == sorted(
        [cast["manager"].email, cast["other_lead"].email]
        + [readers["qa_manager_2"].email, readers["board"].email, readers["admin_board"].email]
    )


def test_the_full_report_goes_to_board_access_and_qa_managers_only(make_briefing, publish_rendered, readers):
    publish_rendered(make_briefing(Edition.FULL_REPORT))
    assert new_briefing_to() == sorted(
        [readers["qa_manager_2"].email, readers["board"].email, readers["admin_board"].email]
    )


def test_people_who_turned_it_off_or_are_inactive_are_not_emailed(make_briefing, publish_rendered, cast):
    cast["manager"].new_briefing_emails = False
    cast["manager"].save()
    cast["practitioner"].is_active = False
    cast["practitioner"].save()
    cast["colleague"].email = ""
    cast["colleague"].save()
    publish_rendered(make_briefing(Edition.PRACTITIONERS))
    assert new_briefing_to() == [cast["other_lead"].email]


def test_turning_it_off_after_it_was_queued_stops_it(
    make_briefing, qa_manager, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as published:
        services.briefing_publish(briefing=make_briefing(Edition.MANAGERS), user=qa_manager)
    with django_capture_on_commit_callbacks(execute=False) as rendered:
        for callback in published:
            callback()  # the render runs, and queues the fan-out
    with django_capture_on_commit_callbacks(execute=False) as fanned_out:
        for callback in rendered:
            callback()  # the fan-out runs, and queues one e-mail per person
    cast["manager"].new_briefing_emails = False
    cast["manager"].save()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in fanned_out:
            callback()
    assert new_briefing_to() == [cast["other_lead"].email]


def test_the_email_gives_title_audience_and_library_link_and_no_case_content(
    make_briefing, publish_rendered, practitioner
):
    briefing = make_briefing(Edition.PRACTITIONERS)
    briefing.title = "Learning from the CSE audit"
    briefing.audience = "Front-line practitioners in every agency"
    briefing.save()
    publish_rendered(briefing)
    [message] = [m for m in mail.outbox if m.to == [practitioner.email]]
    partnership = Partnership.load()
    assert message.subject == f"{partnership.name}: New learning briefing: Learning from the CSE audit"
    body = " ".join(message.body.split())
    url = f"{settings.SITE_URL}{reverse('briefings:briefing_page', args=[briefing.pk])}"
    assert "Learning from the CSE audit" in body
    assert "For: Front-line practitioners in every agency" in body
    assert url in body
    assert "E-mail me when a new learning briefing is published" in body  # how to stop them
    assert f"{settings.SITE_URL}{reverse('profile')}" in body  # and where
    assert "Case 1" not in body and "Case 2" not in body


def test_a_corrected_version_sends_nothing_new(make_briefing, publish_rendered, cast):
    briefing = make_briefing(Edition.PRACTITIONERS)
    publish_rendered(briefing)
    first = len(mail.outbox)
    assert new_briefing_to()
    second = publish_rendered(briefing)
    assert second.number == 2
    assert len(mail.outbox) == first


def test_a_redelivered_email_is_sent_once(make_briefing, publish_rendered, practitioner):
    version = publish_rendered(make_briefing(Edition.PRACTITIONERS))
    before = len(mail.outbox)
    message = OutboxMessage.objects.get(task=READERS, args__1=practitioner.pk)
    assert message.done_at is not None
    email_new_briefing.apply(args=message.args, task_id=f"outbox-{message.pk}")  # Redis redelivers it
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_send(message_id=message.pk) is True  # the outbox publishes it again
    assert len(mail.outbox) == before
    # And somebody the auditors' e-mail tells is never sent this one, even if asked directly.
    assert services.email_new_briefing(version_id=version.pk, user_id=version.briefing.audit.lead_officer_id) is False


def test_the_readers_are_found_in_one_query_however_many(make_briefing, publish_rendered, agency_a):
    published = publish_rendered(make_briefing(Edition.PRACTITIONERS))
    version = BriefingVersion.objects.select_related("briefing__audit").get(pk=published.pk)  # as the task loads it
    with CaptureQueriesContext(connection) as few:
        small = version_readers_to_tell(version)
    UserFactory.create_batch(30, agency=agency_a, role=Role.MANAGER)
    with CaptureQueriesContext(connection) as many:
        large = version_readers_to_tell(version)
    assert len(large) == len(small) + 30
    assert len(few.captured_queries) == len(many.captured_queries) == 1


def test_the_publish_request_does_not_grow_with_the_readers(
    client_for, make_briefing, agency_a, agency_b, django_assert_num_queries
):
    """The publish POST queues the render only: the readers are looked for by the worker, after the PDF."""
    briefing = make_briefing(Edition.PRACTITIONERS)
    url = reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])
    client = client_for("qa_manager")
    data = {"confirm": "yes", "confirm_issues": "yes"}

    assert publish_post(client, url, data).status_code == 302  # version 1, warming the session
    with CaptureQueriesContext(connection) as few:
        assert publish_post(client, url, data).status_code == 302  # version 2
    for agency in (agency_a, agency_b):
        UserFactory.create_batch(40, agency=agency, role=Role.PRACTITIONER)
    with django_assert_num_queries(len(few.captured_queries)):
        assert publish_post(client, url, data).status_code == 302  # version 3, with 80 more readers
    assert briefing.versions.count() == 3
    assert not OutboxMessage.objects.filter(task=READERS).exists()  # nothing per reader in the request
