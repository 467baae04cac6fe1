"""A withdrawn version is followed up with the people who downloaded it: each is e-mailed once, through
the outbox once the withdrawal commits, to delete their copy (never the reason, which may quote what had
to go); the QA managers and the audit's lead officer are told when somebody else withdrew it; and the
withdrawal page says how many people will be asked, for the same queries however many there are."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from agencies.models import OutboxMessage
from agencies.outbox import outbox_send
from agencies.tests.factories import UserFactory
from briefings import services
from briefings.models import Briefing, BriefingVersion, Edition
from briefings.tasks import notify_version_withdrawn

from .test_views import done_version

pytestmark = pytest.mark.django_db

REASON = "Held a child's identifier: Jayden Smith, 12 Acacia Road."


@pytest.fixture
def practitioners(findings_audit, qa_manager) -> Briefing:
    return services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)


def download(client, user, version: BriefingVersion) -> None:
    client.force_login(user)
    assert client.get(reverse("briefings:download", args=[version.pk])).status_code == 200


def withdraw_url(version: BriefingVersion) -> str:
    return reverse("briefings:version_withdraw", args=[version.pk])


def withdraw(version: BriefingVersion, user, capture) -> BriefingVersion:
    with capture(execute=True):
        services.briefing_version_withdraw(version=version, user=user, reason=REASON)
    version.refresh_from_db()
    return version


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def body_of(message) -> str:
    return " ".join(message.body.split())


def withdrawn_line(version: BriefingVersion) -> str:
    when = date_format(timezone.localtime(version.withdrawn_at), "j F Y")
    return f"Version {version.number} of “{version.briefing.title}” was withdrawn on {when}"


def test_everyone_who_downloaded_it_is_asked_once_to_delete_their_copy(
    client, practitioners, qa_manager, lead_officer, manager, practitioner, django_capture_on_commit_callbacks
):
    version = done_version(practitioners, user=qa_manager)
    download(client, manager, version)
    download(client, practitioner, version)
    download(client, practitioner, version)  # twice: still one e-mail
    gone = UserFactory(username="left.c", agency=manager.agency, role="practitioner")
    download(client, gone, version)
    gone.is_active = False  # has left since: not e-mailed
    gone.save()
    no_address = UserFactory(username="no.mail", agency=manager.agency, role="practitioner")
    download(client, no_address, version)
    no_address.email = ""
    no_address.save()

    version = withdraw(version, qa_manager, django_capture_on_commit_callbacks)

    addresses = sorted(m.to[0] for m in mail.outbox)
    # The readers, once each; the lead officer's copy; the QA manager withdrew it, so no copy to them.
    assert addresses == sorted([manager.email, practitioner.email, lead_officer.email])
    for reader in (manager, practitioner):
        [message] = sent_to(reader.email)
        body = body_of(message)
        assert f"{withdrawn_line(version)}: please delete your copy (and any you passed on)." in body
        assert message.subject.endswith(f"Version 1 of “{practitioners.title}” was withdrawn: please delete your copy")
        assert "Jayden" not in body and "Acacia" not in body and "identifier" not in body  # never the reason
        # No version left standing: the library, not the briefing's page (which would be refused).
        assert body.endswith(f"{settings.SITE_URL}{reverse('briefings:library')}")

    [copy] = sent_to(lead_officer.email)
    body = body_of(copy)
    assert f"{withdrawn_line(version)}." in body and "please delete your copy" not in body
    assert f"It was withdrawn by {qa_manager.get_full_name()}, and its PDF deleted." in body
    assert "4 people downloaded it: 2 have been asked by e-mail to delete their copies" in body
    assert "(2 could not be e-mailed: their accounts are closed or have no e-mail address)" in body
    assert "Jayden" not in body and "Acacia" not in body
    composer = reverse("briefings:composer", args=[practitioners.audit.slug, Edition.PRACTITIONERS])
    assert body.endswith(f"{settings.SITE_URL}{composer}#versions")


def test_a_reader_is_sent_to_the_briefing_page_while_a_version_still_stands(
    client, practitioners, qa_manager, practitioner, django_capture_on_commit_callbacks
):
    done_version(practitioners, 1, user=qa_manager)
    second = done_version(practitioners, 2, user=qa_manager)
    download(client, practitioner, second)

    withdraw(second, qa_manager, django_capture_on_commit_callbacks)

    [message] = sent_to(practitioner.email)
    assert body_of(message).endswith(
        f"{settings.SITE_URL}{reverse('briefings:briefing_page', args=[practitioners.pk])}"
    )


def test_the_qa_manager_gets_a_copy_when_the_lead_officer_withdraws_it(
    client, practitioners, qa_manager, lead_officer, practitioner, django_capture_on_commit_callbacks
):
    version = done_version(practitioners, user=qa_manager)
    download(client, practitioner, version)
    download(client, lead_officer, version)  # the withdrawer's own copy: asked like everyone else's

    version = withdraw(version, lead_officer, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([qa_manager.email, practitioner.email, lead_officer.email])
    [lead] = sent_to(lead_officer.email)
    assert "please delete your copy" in body_of(lead) and "It was withdrawn by" not in body_of(lead)
    [copy] = sent_to(qa_manager.email)
    body = body_of(copy)
    assert f"It was withdrawn by {lead_officer.get_full_name()}" in body
    assert "2 people downloaded it: 2 have been asked by e-mail to delete their copies." in body


def test_an_overseer_who_downloaded_it_gets_one_email(
    client, practitioners, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    version = done_version(practitioners, user=qa_manager)
    download(client, qa_manager, version)

    withdraw(version, lead_officer, django_capture_on_commit_callbacks)

    [message] = sent_to(qa_manager.email)
    body = body_of(message)
    assert "please delete your copy (and any you passed on)." in body and "1 person downloaded it" in body


def test_nothing_is_sent_for_a_version_nobody_downloaded_withdrawn_by_its_lead_officer_and_qa_managers_alone(
    practitioners, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    version = done_version(practitioners, user=qa_manager)
    withdraw(version, qa_manager, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[lead_officer.email]]
    assert "Nobody had downloaded it." in body_of(mail.outbox[0])


def test_the_emails_go_only_once_the_withdrawal_commits_and_once_however_often_delivered(
    client, practitioners, qa_manager, practitioner, django_capture_on_commit_callbacks
):
    version = done_version(practitioners, user=qa_manager)
    download(client, practitioner, version)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.briefing_version_withdraw(version=version, user=qa_manager, reason=REASON)
    assert mail.outbox == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):  # the commit: what it queues runs too
        for callback in callbacks:
            callback()
    assert len(mail.outbox) == 2  # the practitioner, and the lead officer's copy

    fan_out = OutboxMessage.objects.get(task="briefings.tasks.notify_version_withdrawn")
    assert fan_out.done_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        notify_version_withdrawn.apply(args=[version.pk], task_id=f"outbox-{fan_out.pk}")  # redelivered
        for message in OutboxMessage.objects.filter(task="briefings.tasks.email_version_withdrawn"):
            OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
            assert outbox_send(message_id=message.pk) is True  # published again
    assert len(mail.outbox) == 2
    assert OutboxMessage.objects.filter(task="briefings.tasks.email_version_withdrawn").count() == 2


# --- The withdrawal page ---------------------------------------------------------------------------


def test_the_page_says_how_many_downloaded_it_and_will_be_emailed(
    client, client_for, practitioners, qa_manager, manager, practitioner
):
    version = done_version(practitioners, user=qa_manager)
    page = client_for("qa_manager").get(withdraw_url(version)).content.decode()
    assert "Nobody has downloaded this version." in page

    download(client, manager, version)
    download(client, practitioner, version)
    download(client, practitioner, version)
    page = client_for("qa_manager").get(withdraw_url(version)).content.decode()
    assert "2 people downloaded this version: they will be asked by e-mail to delete their copies." in page
    assert "cannot be e-mailed" not in page
    practitioner.is_active = False
    practitioner.save()
    page = client_for("qa_manager").get(withdraw_url(version)).content.decode()
    assert "1 of them cannot be e-mailed (their account is closed or has no e-mail address)." in page

    response = client_for("qa_manager").post(withdraw_url(version), {"reason": "Wrong edition published."}, follow=True)
    html = response.content.decode()
    assert "readers no longer see it" not in html
    assert "Whoever downloaded it is being asked by e-mail to delete their copy." in html


def test_the_page_and_the_withdrawal_cost_the_same_queries_however_many_downloaded_it(
    client, client_for, practitioners, qa_manager, manager
):
    def queries(version: BriefingVersion, method: str) -> int:
        client = client_for("qa_manager")
        client.get(reverse("briefings:library"))  # warm the session
        with CaptureQueriesContext(connection) as captured:
            if method == "get":
                assert client.get(withdraw_url(version)).status_code == 200
            else:
                assert client.post(withdraw_url(version), {"reason": "Wrong edition published."}).status_code == 302
        return len(captured)

    one = done_version(practitioners, 1, user=qa_manager)
    many = done_version(practitioners, 2, user=qa_manager)
    download(client, manager, one)
    for n in range(6):
        download(client, UserFactory(username=f"reader.{n}", agency=manager.agency, role="practitioner"), many)
    assert queries(one, "get") == queries(many, "get")
    assert queries(one, "post") == queries(many, "post")
