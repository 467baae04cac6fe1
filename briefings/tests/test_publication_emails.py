"""An edition's first publication is announced to the audit's named auditors who may read it and to its
lead officer, once its PDF is ready: one e-mail each, through the outbox once the render commits, never
to who published it; a corrected version published over a standing one is not announced again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import OutboxMessage, Partnership, Role
from agencies.outbox import outbox_send
from audits.models import AuditStatus
from audits.services.retention import audit_purge_case_detail
from briefings import services
from briefings.models import BriefingVersion, Edition, RenderStatus
from briefings.tasks import notify_version_published

from .support import publish_post

pytestmark = pytest.mark.django_db

NOTIFY = "briefings.tasks.notify_version_published"
EMAIL = "briefings.tasks.email_version_published"


def addresses() -> list[str]:
    """Who got the auditors' and lead officer's e-mail (the readers' is test_new_briefing_emails')."""
    return sorted(m.to[0] for m in mail.outbox if "is published" in m.subject)


def body_of(message) -> str:
    return " ".join(message.body.split())


def test_the_first_publication_is_announced_once_its_pdf_is_ready(
    make_briefing, publish_rendered, qa_manager, lead_officer, auditor, other_auditor, manager, practitioner
):
    briefing = make_briefing(Edition.PRACTITIONERS)
    version = publish_rendered(briefing)
    assert version.status == RenderStatus.DONE

    # The named auditors and the lead officer, once each; not the QA manager who published it, nor the
    # readers of agency C (not named in the audit), who are sent the readers' e-mail instead.
    assert addresses() == sorted([auditor.email, other_auditor.email, lead_officer.email])
    readers = sorted(m.to[0] for m in mail.outbox if "New learning briefing" in m.subject)
    assert readers == sorted([manager.email, practitioner.email])
    message = next(m for m in mail.outbox if m.to == [auditor.email])
    partnership = Partnership.load()
    assert message.subject == f"{partnership.name}: The practitioners' briefing of CSE audit is published"
    body = body_of(message)
    url = f"{settings.SITE_URL}{reverse('briefings:briefing_page', args=[briefing.pk])}"
    assert f"The practitioners' briefing of CSE audit is published: {url}" in body
    assert f"from the {partnership.name} audit portal" in body
    assert "Case 1" not in body and briefing.title not in body  # no case content


def test_a_corrected_version_is_not_announced_again(make_briefing, publish_rendered, auditor, lead_officer):
    briefing = make_briefing(Edition.PRACTITIONERS)
    publish_rendered(briefing)
    first = len(mail.outbox)
    assert first == 3

    second = publish_rendered(briefing)
    assert second.number == 2 and second.status == RenderStatus.DONE
    assert len(mail.outbox) == first
    assert OutboxMessage.objects.filter(task=NOTIFY).count() == 1


def test_the_first_version_left_standing_after_a_withdrawal_is_announced(
    make_briefing, publish_rendered, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    briefing = make_briefing(Edition.FULL_REPORT)
    first = publish_rendered(briefing)
    assert addresses() == [lead_officer.email]
    with django_capture_on_commit_callbacks(execute=True):
        services.briefing_version_withdraw(version=first, user=qa_manager, reason="Wrong audit.")
    mail.outbox.clear()

    publish_rendered(briefing)
    assert addresses() == [lead_officer.email]
    assert "The full report of CSE audit is published" in mail.outbox[0].subject


def test_only_those_who_may_read_the_edition_are_told(
    make_briefing, publish_rendered, lead_officer, auditor, other_auditor
):
    other_auditor.role = Role.MANAGER
    other_auditor.save()

    publish_rendered(make_briefing(Edition.MANAGERS))
    # The auditor of agency A is a practitioner: the managers' edition is not theirs to read.
    assert addresses() == sorted([other_auditor.email, lead_officer.email])

    mail.outbox.clear()
    publish_rendered(make_briefing(Edition.FULL_REPORT))
    assert addresses() == [lead_officer.email]  # the full report: the lead officer only


def test_not_who_published_it_nor_an_auditor_who_cannot_be_emailed(
    make_briefing, lead_officer, auditor, other_auditor, django_capture_on_commit_callbacks
):
    auditor.email = ""
    auditor.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.briefing_publish(briefing=make_briefing(Edition.PRACTITIONERS), user=lead_officer)
    assert addresses() == [other_auditor.email]


def test_nobody_is_told_until_the_pdf_is_done(make_briefing, qa_manager, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the render is not run
        version = services.briefing_publish(briefing=make_briefing(Edition.PRACTITIONERS), user=qa_manager)
    BriefingVersion.objects.filter(pk=version.pk).update(status=RenderStatus.FAILED, attempts=1, error="It broke.")
    assert mail.outbox == [] and not OutboxMessage.objects.filter(task=NOTIFY).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.briefing_version_retry(version=version, user=qa_manager)
    version.refresh_from_db()
    assert version.status == RenderStatus.DONE
    assert auditor.email in addresses() and len(mail.outbox) == 3


def test_a_version_withdrawn_before_the_emails_go_is_not_announced(
    make_briefing, qa_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as published:
        version = services.briefing_publish(briefing=make_briefing(Edition.PRACTITIONERS), user=qa_manager)
    # The render runs (eager) and queues the announcement, whose publishing waits for this block's commit.
    with django_capture_on_commit_callbacks(execute=False) as rendered:
        for callback in published:
            callback()
    version.refresh_from_db()
    assert version.status == RenderStatus.DONE and OutboxMessage.objects.filter(task=NOTIFY).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.briefing_version_withdraw(version=version, user=qa_manager, reason="Wrong audit.")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in rendered:
            callback()
    assert not [m for m in mail.outbox if "is published" in m.subject]


def test_the_emails_go_once_however_often_the_messages_are_delivered(
    make_briefing, publish_rendered, django_capture_on_commit_callbacks
):
    version = publish_rendered(make_briefing(Edition.PRACTITIONERS))
    assert len(mail.outbox) == 3
    fan_out = OutboxMessage.objects.get(task=NOTIFY)
    assert fan_out.done_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        notify_version_published.apply(args=[version.pk], task_id=f"outbox-{fan_out.pk}")  # redelivered
        for message in OutboxMessage.objects.filter(task=EMAIL):
            OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
            assert outbox_send(message_id=message.pk) is True  # published again
    assert len(mail.outbox) == 3
    assert OutboxMessage.objects.filter(task=EMAIL).count() == 3

    # A redelivered render of a done version does nothing, and queues nothing.
    services.briefing_version_render(version_id=version.pk)
    assert OutboxMessage.objects.filter(task=NOTIFY).count() == 1


def test_a_version_made_again_by_the_retention_purge_is_not_announced_again(
    findings_audit, make_briefing, publish_rendered, lead_officer, django_capture_on_commit_callbacks
):
    version = publish_rendered(make_briefing(Edition.FULL_REPORT))
    assert addresses() == [lead_officer.email]
    mail.outbox.clear()
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    findings_audit.status = AuditStatus.CLOSED
    findings_audit.closed_at = timezone.now() - timedelta(days=25 * 31)
    findings_audit.save()

    with django_capture_on_commit_callbacks(execute=True):  # its reasons taken out, the PDF made again
        assert audit_purge_case_detail(audit=findings_audit).briefing_versions == 1
    version.refresh_from_db()
    assert version.status == RenderStatus.DONE and version.rendered_at is not None
    assert mail.outbox == []
    assert OutboxMessage.objects.filter(task=NOTIFY).count() == 1


def test_an_edition_first_published_after_the_retention_purge_is_announced(
    findings_audit, make_briefing, publish_rendered, lead_officer, auditor, other_auditor, manager, practitioner
):
    # The audit closed and purged before any briefing of it was published: the practitioners' briefing, drafted
    # from the findings the purge keeps and published now, is its first publication, not one made again.
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    findings_audit.status = AuditStatus.CLOSED
    findings_audit.closed_at = timezone.now() - timedelta(days=25 * 31)
    findings_audit.save()
    audit_purge_case_detail(audit=findings_audit)

    version = publish_rendered(make_briefing(Edition.PRACTITIONERS))

    assert version.status == RenderStatus.DONE
    assert addresses() == sorted([auditor.email, other_auditor.email, lead_officer.email])
    readers = sorted(m.to[0] for m in mail.outbox if "New learning briefing" in m.subject)
    assert readers == sorted([manager.email, practitioner.email])


def test_the_publish_page_says_who_will_be_emailed(client_for, make_briefing):
    briefing = make_briefing(Edition.PRACTITIONERS)
    url = reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])
    client = client_for("qa_manager")
    html = publish_post(client, url, {"confirm": "yes", "confirm_issues": "yes"}, follow=True).content.decode()
    assert (
        "The audit&#x27;s auditors and lead officer, and the edition&#x27;s readers who asked for it, will be "
        "e-mailed once the PDF is ready." in html
    )

    services.briefing_version_render(version_id=briefing.versions.get().pk)  # its PDF made (the worker's run)

    html = publish_post(client, url, {"confirm": "yes", "confirm_issues": "yes"}, follow=True).content.decode()
    assert "Version 2 published." in html
    assert "will be e-mailed" not in html
