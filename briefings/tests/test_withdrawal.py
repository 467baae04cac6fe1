"""Withdrawing a published version: its PDF and text are gone at once, nothing renders it again, readers
no longer see it (the version before it is offered instead), and only the audit's composers may do it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.middleware import AUTH_AT
from agencies.models import AccessAction, AccessRecord
from briefings import services
from briefings.models import Briefing, BriefingVersion, Edition, Feedback, RenderStatus, briefing_upload_to
from briefings.tests.support import render_version_with
from conftest import CAST

from .test_views import COMPOSERS, QUERIES, check, done_version, refused_recorded

pytestmark = pytest.mark.django_db

REASON = "Held a child's identifier in the strengths."
CASE_REASON = "Good multi-agency response overall."  # the case judgement's reasons (support.add_findings)


def withdraw(version: BriefingVersion, user, reason: str = REASON) -> BriefingVersion:
    return services.briefing_version_withdraw(version=version, user=user, reason=reason)


def withdrawal_records(version: BriefingVersion):
    return AccessRecord.objects.filter(object_id=str(version.pk), summary__startswith="Withdrawn: ")


def rendered_records(version: BriefingVersion):
    return AccessRecord.objects.filter(object_id=str(version.pk), summary__startswith="PDF rendered: ")


# --- The service --------------------------------------------------------------------------------


def test_withdrawing_deletes_the_pdf_blanks_the_text_and_records_who(
    graded, make_briefing, publish_rendered, lead_officer, django_capture_on_commit_callbacks
):
    briefing = make_briefing(Edition.FULL_REPORT)
    version = publish_rendered(briefing)
    name = version.file.name
    assert version.is_done and default_storage.exists(name)
    headings = [s["heading"] for s in version.content["sections"]]
    assert CASE_REASON in str(version.content) and version.content["heatmap_svg"] and version.content["heatmap_table"]

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(version, lead_officer)

    version.refresh_from_db()
    assert not default_storage.exists(name)
    assert version.file.name == "" and not version.is_done and version.is_withdrawn
    assert version.status == RenderStatus.DONE  # over for good: see the model's constraints
    assert version.withdrawn_by == lead_officer and version.withdrawal_reason == REASON
    assert version.withdrawn_at is not None
    # The text is gone (it may be what had to be taken back); headings and metadata stay for the record.
    assert [s["heading"] for s in version.content["sections"]] == headings
    assert all(s["body"] == "" for s in version.content["sections"])
    assert version.content["case_judgements"]["rows"] == [] and version.content["heatmap_svg"] == ""
    assert version.content["heatmap_table"] is None
    assert CASE_REASON not in str(version.content)
    assert version.content["title"] == briefing.title and version.content["version"] == 1
    [record] = withdrawal_records(version)
    assert record.user == lead_officer and record.action == AccessAction.CHANGE
    assert record.summary == f"Withdrawn: {briefing} version 1"


def test_a_reason_is_required(make_briefing, qa_manager):
    version = done_version(make_briefing(), user=qa_manager)
    with pytest.raises(services.BriefingError, match="Give the reason"):
        withdraw(version, qa_manager, reason=" \n ")
    version.refresh_from_db()
    assert version.is_done and not version.is_withdrawn and not withdrawal_records(version).exists()


def test_withdrawing_twice_changes_nothing(make_briefing, qa_manager, lead_officer, django_capture_on_commit_callbacks):
    version = done_version(make_briefing(), user=qa_manager)
    first = withdraw(version, lead_officer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = withdraw(version, qa_manager, reason="Another reason.")
    assert callbacks == []
    again.refresh_from_db()
    assert again.withdrawn_by == lead_officer and again.withdrawal_reason == REASON
    assert again.withdrawn_at == first.withdrawn_at
    assert withdrawal_records(version).count() == 1


def test_a_queued_version_withdrawn_is_never_rendered_retried_or_requeued(
    make_briefing, qa_manager, django_capture_on_commit_callbacks
):
    briefing = make_briefing()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        version = services.briefing_publish(briefing=briefing, user=qa_manager)
    withdraw(version, qa_manager)

    def unchanged() -> None:
        version.refresh_from_db()
        assert version.is_withdrawn and version.status == RenderStatus.DONE and version.file.name == ""
        assert version.attempts == 0 and not rendered_records(version).exists()
        assert not default_storage.exists(briefing_upload_to(version, "briefing.pdf"))

    queued[0]()  # the render the publish put on the queue, arriving after the withdrawal (eager here)
    unchanged()
    services.briefing_version_render(version_id=version.pk)
    unchanged()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.briefing_version_retry(version=version, user=qa_manager)
    assert callbacks == []
    unchanged()
    old = timezone.now() - timedelta(hours=1)
    BriefingVersion.objects.filter(pk=version.pk).update(queued_at=old, started_at=old)
    assert services.requeue_stalled_versions() == []
    services.remove_orphan_render_files()
    unchanged()


def test_a_render_running_when_the_version_is_withdrawn_writes_no_file(make_briefing, qa_manager):
    version = services.briefing_publish(briefing=make_briefing(), user=qa_manager)

    @dataclass
    class Rendered:
        pdf: bytes = b"%PDF-1.7\n% rendered while it was withdrawn\n"
        pages: int = 1
        seconds: float = 0.1

    def render(obj: BriefingVersion) -> Rendered:
        # The worker has claimed the version and is rendering it when the lead officer withdraws it.
        assert obj.status == RenderStatus.RENDERING
        withdraw(obj, qa_manager)
        return Rendered()

    render_version_with(version, render)
    version.refresh_from_db()
    assert version.is_withdrawn and version.file.name == ""
    assert not default_storage.exists(briefing_upload_to(version, "briefing.pdf"))
    assert not rendered_records(version).exists()


def test_the_retention_purge_never_queues_a_withdrawn_version_again(
    make_briefing, qa_manager, findings_audit, django_capture_on_commit_callbacks
):
    briefing = make_briefing(Edition.FULL_REPORT)
    standing = services.briefing_publish(briefing=briefing, user=qa_manager)
    withdrawn = services.briefing_publish(briefing=briefing, user=qa_manager)
    withdraw(withdrawn, qa_manager)
    # Whatever its content held (its rows are blanked, but a version withdrawn another way might not be).
    BriefingVersion.objects.filter(pk=withdrawn.pk).update(content=standing.content)
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        changed = services.versions_remove_case_detail(audit=findings_audit)
    assert changed == [standing.pk]
    withdrawn.refresh_from_db()
    assert withdrawn.is_withdrawn and withdrawn.status == RenderStatus.DONE and withdrawn.file.name == ""


@pytest.mark.parametrize(
    "change",
    [{"status": RenderStatus.QUEUED}, {"status": RenderStatus.FAILED}, {"file": "briefings/1/managers-v1.pdf"}],
)
def test_the_database_refuses_a_withdrawn_version_queued_again_or_given_a_file(make_briefing, qa_manager, change):
    version = done_version(make_briefing(), user=qa_manager)
    withdraw(version, qa_manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        BriefingVersion.objects.filter(pk=version.pk).update(**change)


# --- Who may withdraw ------------------------------------------------------------------------------


@pytest.fixture
def practitioners(findings_audit, qa_manager) -> Briefing:
    return services.briefing_create(audit=findings_audit, edition=Edition.PRACTITIONERS, user=qa_manager)


def withdraw_url(version: BriefingVersion) -> str:
    return reverse("briefings:version_withdraw", kwargs={"pk": version.pk})


@pytest.mark.parametrize("who", CAST)
def test_only_the_qa_manager_and_the_lead_officer_may_withdraw(client_for, practitioners, qa_manager, cast, who):
    version = done_version(practitioners, user=qa_manager)
    client = client_for(who)
    page = client.get(withdraw_url(version))
    check(page, who, who in COMPOSERS)
    if who in COMPOSERS:
        assert 'name="reason"' in page.content.decode()
    elif who != "anonymous":
        assert refused_recorded(who, cast)
    response = client.post(withdraw_url(version), {"reason": REASON})
    check(response, who, who in COMPOSERS, ok_status=302)
    version.refresh_from_db()
    assert version.is_withdrawn == (who in COMPOSERS)
    if who in COMPOSERS:
        assert response["Location"].endswith("#versions")
        assert version.withdrawn_by == cast[who]


def test_an_old_sign_in_is_asked_for_the_password_first(client, practitioners, qa_manager, settings):
    version = done_version(practitioners, user=qa_manager)
    client.force_login(qa_manager)
    client.get(reverse("briefings:library"))
    session = client.session
    session[AUTH_AT] = time.time() - settings.RECENT_LOGIN_SECONDS - 1
    session.save()
    response = client.post(withdraw_url(version), {"reason": REASON})
    assert response.status_code == 302 and response["Location"].startswith(reverse("reauthenticate"))
    version.refresh_from_db()
    assert not version.is_withdrawn


@pytest.mark.parametrize(
    "reason,error",
    [
        ("", "Give the reason for withdrawing this version"),
        ("   ", "Give the reason for withdrawing this version"),
        ("It printed her NHS number 943 476 5919", "an NHS number"),
    ],
)
def test_the_reason_is_required_and_must_not_identify_a_child(client_for, practitioners, qa_manager, reason, error):
    version = done_version(practitioners, user=qa_manager)
    response = client_for("qa_manager").post(withdraw_url(version), {"reason": reason})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and 'id="reason-error"' in html and 'aria-describedby="reason-help reason-error"' in html
    version.refresh_from_db()
    assert version.is_done and not version.is_withdrawn


def test_a_long_reason_is_counted_not_cut_and_refused_with_the_text_kept(client_for, practitioners, qa_manager):
    """No maxlength on the reason (a long paste would be cut off without a word): the counter's
    attributes, and the server refuses an over-long reason next to the box, keeping all of it."""
    from briefings.services import WITHDRAWAL_REASON_MAX_CHARS

    version = done_version(practitioners, user=qa_manager)
    client = client_for("qa_manager")
    page = client.get(withdraw_url(version)).content.decode()
    box = page[page.index('<textarea name="reason"') :][:600]
    assert " maxlength=" not in box and f'data-maxlength="{WITHDRAWAL_REASON_MAX_CHARS}"' in box

    reason = "Wrong edition published. " * (WITHDRAWAL_REASON_MAX_CHARS // 20)
    response = client.post(withdraw_url(version), {"reason": reason})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="reason-error"' in html
    assert f"over the limit of {WITHDRAWAL_REASON_MAX_CHARS}" in html
    assert reason.strip() in html
    version.refresh_from_db()
    assert version.is_done and not version.is_withdrawn


# --- What readers and composers see afterwards -----------------------------------------------------


def test_readers_are_offered_the_version_before_and_never_the_withdrawn_one(
    client_for, practitioners, qa_manager, cast
):
    first = done_version(practitioners, 1, user=qa_manager)
    second = done_version(practitioners, 2, user=qa_manager)
    client_for("lead_officer").post(withdraw_url(second), {"reason": REASON})
    second.refresh_from_db()
    assert second.is_withdrawn

    client = client_for("practitioner")
    library = client.get(reverse("briefings:library"))
    [listed] = library.context["page"].object_list
    assert [v.pk for v in listed.done_versions] == [first.pk]
    html = library.content.decode()
    assert reverse("briefings:download", args=[first.pk]) in html
    assert reverse("briefings:download", args=[second.pk]) not in html and "Earlier versions" not in html

    page = client.get(reverse("briefings:briefing_page", args=[practitioners.pk]))
    assert [v.pk for v in page.context["versions"]] == [first.pk]
    assert reverse("briefings:download", args=[second.pk]) not in page.content.decode()
    assert REASON.replace("'", "&#x27;") not in page.content.decode()  # the reason is for the composers

    # Told it was withdrawn, on the briefing's page (test_download_gone.py); the attempt is recorded.
    response = client.get(reverse("briefings:download", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "briefings:briefing_page", args=[practitioners.pk]
    )
    refusal = AccessRecord.objects.get(action=AccessAction.REFUSED, user=cast["practitioner"])
    assert refusal.object_id == str(second.pk) and refusal.summary == "download"
    # Nor can the composers download it: there is nothing left to download.
    response = client_for("qa_manager").get(reverse("briefings:download", args=[second.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#versions")

    client = client_for("practitioner")
    client.post(reverse("briefings:feedback_create", args=[practitioners.pk]), {"rating": "4", "comment": ""})
    assert Feedback.objects.get().version == first

    # With every version withdrawn, the briefing leaves the library and its page is gone: it says so on the
    # library (test_briefing_page_gone.py).
    client_for("qa_manager").post(withdraw_url(first), {"reason": "Wrong edition published."})
    client = client_for("practitioner")
    assert list(client.get(reverse("briefings:library")).context["page"].object_list) == []
    gone = client.get(reverse("briefings:briefing_page", args=[practitioners.pk]))
    assert gone.status_code == 302 and gone["Location"] == reverse("briefings:library")


def test_the_composer_shows_who_withdrew_it_when_and_why(client_for, practitioners, qa_manager, lead_officer):
    first = done_version(practitioners, 1, user=qa_manager)
    second = done_version(practitioners, 2, user=qa_manager)
    Feedback.objects.create(briefing=practitioners, version=second, user=qa_manager, rating=3)
    withdraw(second, lead_officer)
    client = client_for("qa_manager")

    composer = client.get(reverse("briefings:composer", args=[practitioners.audit.slug, Edition.PRACTITIONERS]))
    html = composer.content.decode()
    when = timezone.localtime(BriefingVersion.objects.get(pk=second.pk).withdrawn_at).strftime("%-d %b %Y")
    assert f"Withdrawn on {when} by {lead_officer}: {REASON}".replace("'", "&#x27;") in html
    assert reverse("briefings:download", args=[second.pk]) not in html
    assert reverse("briefings:version_withdraw", args=[second.pk]) not in html
    assert reverse("briefings:download", args=[first.pk]) in html
    assert reverse("briefings:version_withdraw", args=[first.pk]) in html

    status = client.get(reverse("briefings:version_status", args=[second.pk])).content.decode()
    assert "Withdrawn" in status and "hx-trigger" not in status and "/download/" not in status

    overview = client.get(reverse("briefings:audit_briefings", args=[practitioners.audit.slug])).content.decode()
    assert "Version 2: withdrawn" in overview

    feedback = client.get(reverse("briefings:feedback_list", args=[practitioners.audit.slug, Edition.PRACTITIONERS]))
    assert "withdrawn" in feedback.content.decode()

    again = client.get(withdraw_url(second)).content.decode()
    assert 'data-testid="already-withdrawn"' in again and 'name="reason"' not in again
    response = client.post(withdraw_url(second), {"reason": "Again."})
    assert response.status_code == 302
    assert BriefingVersion.objects.get(pk=second.pk).withdrawal_reason == REASON

    retry = client.post(reverse("briefings:version_retry", args=[second.pk]), follow=True)
    assert "has been withdrawn: its PDF is not made again" in retry.content.decode()


def test_the_library_costs_the_same_queries_with_withdrawn_versions(
    client_for, findings_audit, qa_manager, django_assert_num_queries
):
    for edition in (Edition.MANAGERS, Edition.PRACTITIONERS):
        briefing = services.briefing_create(audit=findings_audit, edition=edition, user=qa_manager)
        done_version(briefing, 1)
        withdraw(done_version(briefing, 2), qa_manager)
    client = client_for("manager")
    url = reverse("briefings:library")
    client.get(url)  # warm the session
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    assert [[v.number for v in b.done_versions] for b in response.context["page"].object_list] == [[1], [1]]
