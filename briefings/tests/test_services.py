"""Drafting, editing, publishing and rendering briefings through the services."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord, Partnership
from briefings import prefill, services
from briefings.models import BriefingVersion, Edition, Feedback, RenderStatus
from briefings.tasks import render_briefing_version

from .support import RECOMMENDATIONS, STRENGTHS

pytestmark = pytest.mark.django_db

FULL_ONLY = {"agency_findings", "case_judgements"}


@pytest.mark.parametrize("edition", Edition.values)
def test_a_draft_holds_every_section_of_its_edition_in_order(make_briefing, edition):
    briefing = make_briefing(edition)
    keys = list(briefing.sections.order_by("order").values_list("key", flat=True))
    assert keys == [spec.key for spec in prefill.specs_for(edition)]
    # Restricted sections exist in the full report only.
    assert bool(FULL_ONLY & set(keys)) == (edition == Edition.FULL_REPORT)
    shown = set(briefing.sections.filter(hidden=False).values_list("key", flat=True))
    expected = {spec.key for spec in prefill.CATALOGUE if edition in spec.shown_in and edition in spec.only_in}
    assert shown == expected


def test_managers_and_practitioners_defaults_follow_the_seeds(make_briefing):
    managers = make_briefing(Edition.MANAGERS)
    practitioners = make_briefing(Edition.PRACTITIONERS)
    hidden_m = set(managers.sections.filter(hidden=True).values_list("key", flat=True))
    hidden_p = set(practitioners.sections.filter(hidden=True).values_list("key", flat=True))
    assert hidden_m == {"practitioner_points"}
    assert {"manager_points", "recommendations", "audit_team", "heatmap", "what_next"} <= hidden_p
    assert "practitioner_points" not in hidden_p


def test_prefill_writes_structure_into_the_text(make_briefing):
    briefing = make_briefing(Edition.FULL_REPORT)
    body = {s.key: s.body for s in briefing.sections.all()}
    for heading, text in STRENGTHS:
        assert f"## {heading}\n{text}" in body["strengths"]
    for n, (text, owner) in enumerate(RECOMMENDATIONS, start=1):
        assert f"{n}. {text}\n   **Owner:** {owner}; due 31 March 2026" in body["recommendations"]
    assert "**Promote** the guide to good multi-agency working" in body["key_messages"]
    assert "**Supervision:** Ensure staff receive quality supervision." in body["manager_points"]
    assert "## Sussex Police" in body["agency_findings"] and "**Strengths**" in body["agency_findings"]
    assert "## Children's Social Work" in body["agency_findings"]
    assert "**Areas for improvement**" in body["agency_findings"]
    assert (
        "Two cases were selected for the audit from a cohort of young people known to Operation Kite."
        in (body["methodology"])
    )
    assert "13 June 2025 at Council House" in body["methodology"]
    assert "- Sussex Police" in body["audit_team"] and "- Children's Social Work" in body["audit_team"]
    assert "**MASH** – If you are worried about a child Call **01273 290400**." in body["local_support"]
    assert "[Barnardo's](https://example.org/x)" in body["useful_links"]
    assert "lscb@example.org" in body["feedback"]


def test_edit_hide_move_and_refresh_a_section(make_briefing, qa_manager):
    briefing = make_briefing(Edition.MANAGERS)
    section = briefing.sections.get(key="strengths")
    services.briefing_section_update(
        section=section, heading="What went well", body="- edited", hidden=True, user=qa_manager
    )
    section.refresh_from_db()
    assert (section.heading, section.body, section.hidden, section.updated_by) == (
        "What went well",
        "- edited",
        True,
        qa_manager,
    )
    keys = lambda: list(briefing.sections.order_by("order").values_list("key", flat=True))  # noqa: E731
    before = keys()
    index = before.index("strengths")
    services.briefing_section_move(section=section, direction="up", user=qa_manager)
    after = keys()
    assert after[index - 1] == "strengths" and after[index] == before[index - 1]
    first = briefing.sections.order_by("order").first()
    services.briefing_section_move(section=first, direction="up", user=qa_manager)
    assert keys() == after  # the first cannot move further up

    services.briefing_section_refresh(section=section, user=qa_manager)
    section.refresh_from_db()
    assert section.heading == "What went well"  # kept
    assert section.body.startswith(f"## {STRENGTHS[0][0]}")
    assert AccessRecord.objects.filter(action=AccessAction.CHANGE, object_id=str(briefing.pk)).count() >= 4


def test_a_section_has_a_length_limit(make_briefing, qa_manager):
    section = make_briefing().sections.first()
    with pytest.raises(services.BriefingError):
        services.briefing_section_update(
            section=section, heading="x", body="x" * (services.SECTION_MAX_CHARS + 1), hidden=False, user=qa_manager
        )


def test_publish_numbers_versions_and_freezes_their_content(make_briefing, publish_rendered, qa_manager):
    briefing = make_briefing(Edition.MANAGERS)
    first = publish_rendered(briefing)
    assert first.number == 1
    assert first.status == RenderStatus.DONE
    assert first.published_by == qa_manager
    assert [s["key"] for s in first.content["sections"]] == list(
        briefing.sections.filter(hidden=False).order_by("order").values_list("key", flat=True)
    )
    # The draft moves on; version 1 does not.
    section = briefing.sections.get(key="why")
    services.briefing_section_update(
        section=section, heading="Why", body="A new reason.", hidden=False, user=qa_manager
    )
    second = publish_rendered(briefing)
    first.refresh_from_db()
    assert second.number == 2
    assert "A new reason." not in str(first.content)
    assert "A new reason." in str(second.content)
    assert first.file.name != second.file.name
    assert default_storage.exists(first.file.name) and default_storage.exists(second.file.name)
    assert first.pages >= 1 and first.file_size == default_storage.size(first.file.name)


def test_the_render_is_queued_only_after_the_commit(make_briefing, qa_manager, django_capture_on_commit_callbacks):
    briefing = make_briefing()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = services.briefing_publish(briefing=briefing, user=qa_manager)
    assert len(callbacks) == 1
    version.refresh_from_db()
    assert version.status == RenderStatus.QUEUED  # nothing ran inside the transaction
    callbacks[0]()
    version.refresh_from_db()
    assert version.status == RenderStatus.DONE


def test_a_done_version_is_not_rendered_again(make_briefing, publish_rendered):
    version = publish_rendered(make_briefing())
    path = Path(default_storage.path(version.file.name))
    stamp = path.stat().st_mtime_ns
    render_briefing_version.apply(args=[version.pk])
    services.briefing_version_render(version_id=version.pk)
    version.refresh_from_db()
    assert version.attempts == 1
    assert path.stat().st_mtime_ns == stamp
    [record] = AccessRecord.objects.filter(object_id=str(version.pk), summary__startswith="PDF rendered: ")
    assert record.summary.startswith(f"PDF rendered: {version} ({version.pages} pages, ")
    assert record.summary.endswith(" ms)")


def test_a_failed_render_says_why_and_can_be_retried(make_briefing, publish_rendered, qa_manager):
    briefing = make_briefing()
    version = publish_rendered(briefing)
    good_content = version.content
    # A version whose content cannot be rendered (a template needing a key it lacks).
    broken = BriefingVersion.objects.create(
        briefing=briefing, number=2, content={"edition": "managers"}, published_by=qa_manager
    )
    render_briefing_version.apply(args=[broken.pk])
    broken.refresh_from_db()
    assert broken.status == RenderStatus.FAILED
    assert "The PDF could not be made: KeyError" in broken.error
    assert not broken.file

    BriefingVersion.objects.filter(pk=broken.pk).update(content=good_content)
    services.briefing_version_retry(version=broken, user=qa_manager)
    broken.refresh_from_db()
    assert broken.status == RenderStatus.QUEUED and broken.error == ""
    services.briefing_version_render(version_id=broken.pk)
    broken.refresh_from_db()
    # The Retry gave it a fresh set of attempts: this render is the first of them.
    assert broken.status == RenderStatus.DONE and broken.attempts == 1


def test_a_retry_after_the_last_attempt_is_requeued_by_the_sweep_when_its_message_is_lost(
    make_briefing, qa_manager, dead_broker, django_capture_on_commit_callbacks
):
    """A render that failed after MAX_ATTEMPTS is retried by a person while the broker is down: the sweep
    queues it again when the broker is back, instead of failing it at once for the attempts before the
    Retry; the access log says the attempts started again."""
    briefing = make_briefing()
    with django_capture_on_commit_callbacks(execute=False):
        version = services.briefing_publish(briefing=briefing, user=qa_manager)
    BriefingVersion.objects.filter(pk=version.pk).update(
        status=RenderStatus.FAILED, attempts=services.MAX_ATTEMPTS, error="The render did not finish after 3 attempts."
    )
    with dead_broker(), django_capture_on_commit_callbacks(execute=True):
        services.briefing_version_retry(version=version, user=qa_manager)
    version.refresh_from_db()
    assert (version.status, version.attempts) == (RenderStatus.QUEUED, 0)
    assert "will be retried" in version.error  # the enqueue failed
    [record] = AccessRecord.objects.filter(object_id=str(version.pk), summary__startswith="Render retried:")
    assert record.summary == f"Render retried: {version} (after 3 attempts; attempts start again)"

    BriefingVersion.objects.filter(pk=version.pk).update(queued_at=timezone.now() - timedelta(minutes=3))
    assert services.requeue_stalled_versions() == [version.pk]  # rendered (eagerly here)
    version.refresh_from_db()
    assert (version.status, version.attempts) == (RenderStatus.DONE, 1), version.error


def test_retry_leaves_a_done_version_alone(make_briefing, publish_rendered, qa_manager):
    version = publish_rendered(make_briefing())
    again = services.briefing_version_retry(version=version, user=qa_manager)
    assert again.status == RenderStatus.DONE and again.attempts == 1


def test_broker_down_leaves_the_version_queued_with_a_note(make_briefing, qa_manager, dead_broker):
    briefing = make_briefing()
    with dead_broker():
        version = services.briefing_publish(briefing=briefing, user=qa_manager)
        assert services.enqueue_render(version.pk) is False
    version.refresh_from_db()
    assert version.status == RenderStatus.QUEUED
    assert "will be retried" in version.error


def test_stalled_versions_are_queued_again_then_given_up(make_briefing, qa_manager):
    briefing = make_briefing()
    old = timezone.now() - timedelta(hours=1)
    queued = BriefingVersion.objects.create(
        briefing=briefing, number=1, content={}, status=RenderStatus.QUEUED, queued_at=old, published_by=qa_manager
    )
    hopeless = BriefingVersion.objects.create(
        briefing=briefing,
        number=2,
        content={},
        status=RenderStatus.RENDERING,
        started_at=old,
        attempts=services.MAX_ATTEMPTS,
        published_by=qa_manager,
    )
    fresh = BriefingVersion.objects.create(
        briefing=briefing, number=3, content={}, status=RenderStatus.QUEUED, queued_at=timezone.now()
    )
    assert services.requeue_stalled_versions() == [queued.pk]
    hopeless.refresh_from_db()
    assert hopeless.status == RenderStatus.FAILED and "did not finish" in hopeless.error
    fresh.refresh_from_db()
    assert fresh.status == RenderStatus.QUEUED and fresh.attempts == 0
    # The requeued one ran (eagerly here) and failed on its empty content: it shows why.
    queued.refresh_from_db()
    assert queued.status == RenderStatus.FAILED and queued.attempts == 1


def test_atomic_write_replaces_in_one_step_and_leaves_no_partial_file(private_media):
    name = "briefings/9/managers-v1.pdf"
    services.write_file_atomically(name, b"%PDF-first")
    path = Path(default_storage.path(name))
    assert path.read_bytes() == b"%PDF-first"
    # A write that fails half-way (here: data that cannot be written) leaves the old file whole.
    with pytest.raises(TypeError):
        services.write_file_atomically(name, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"%PDF-first"
    services.write_file_atomically(name, b"%PDF-second")
    assert path.read_bytes() == b"%PDF-second"
    assert os.listdir(path.parent) == ["managers-v1.pdf"]


def test_feedback_is_rated_one_to_five(make_briefing, publish_rendered, manager):
    briefing = make_briefing()
    version = publish_rendered(briefing)
    services.feedback_add(briefing=briefing, version=version, user=manager, rating=4, comment=" Useful. ")
    assert Feedback.objects.get().comment == "Useful."
    with pytest.raises(services.BriefingError):
        services.feedback_add(briefing=briefing, version=version, user=manager, rating=6, comment="")


def test_the_periodic_sweep_removes_temporary_files_of_killed_renders_only_when_old(private_media, settings):
    """A render killed while writing (SIGKILL, OOM) leaves write_file_atomically's temporary file;
    the two-minute task removes it once no live render can own it, and nothing else."""
    from briefings.tasks import requeue_stalled_versions

    root = Path(default_storage.path(""))
    folder = root / "briefings" / "x"
    folder.mkdir(parents=True)
    orphan, fresh = folder / ".render-abc.pdf.tmp", folder / ".render-def.pdf.tmp"
    report_orphan = root / "insights" / "1" / ".render-ghi.pdf.tmp"
    report_orphan.parent.mkdir(parents=True)
    finished = folder / "managers-v1.pdf"
    for path in (orphan, fresh, report_orphan, finished):
        path.write_bytes(b"%PDF-1.7 partial")
    long_ago = timezone.now().timestamp() - settings.CELERY_TASK_TIME_LIMIT - 301
    for path in (orphan, report_orphan, finished):
        os.utime(path, (long_ago, long_ago))

    requeue_stalled_versions()  # the periodic task, run here in-process

    assert not orphan.exists() and not report_orphan.exists()
    assert fresh.exists() and finished.exists()
    assert services.remove_orphan_render_files() == []


def test_a_lead_in_keeps_the_writers_dash_and_runs_on_a_lower_case_body():
    assert prefill._lead_in("Keep the child in education", "– the less time…") == (
        "**Keep the child in education** – the less time…"
    )
    assert prefill._lead_in("Promote", "the guide") == "**Promote** the guide"
    assert prefill._lead_in("Supervision", "Ensure staff…") == "**Supervision:** Ensure staff…"


def test_why_does_not_ask_the_scope_question_twice(make_briefing, findings_audit):
    question = " ".join(findings_audit.scope_question.split())
    findings_audit.context = f"National concern about CSE grew in 2014.\n\nThe audit asked: {question}"
    findings_audit.save(update_fields=["context"])
    body = make_briefing(Edition.MANAGERS).sections.get(key="why").body
    assert body.count(question.rstrip("?")) == 1


def test_the_feedback_section_gives_the_address_once(make_briefing):
    body = make_briefing(Edition.PRACTITIONERS).sections.get(key="feedback").body
    assert body.count("lscb@example.org") == 1
    partnership = Partnership.load()
    partnership.feedback_invitation = "Tell us what you think at lscb@example.org."
    partnership.save()
    services.briefing_section_refresh(
        section=make_briefing(Edition.PRACTITIONERS).sections.get(key="feedback"), user=None
    )
    body = make_briefing(Edition.PRACTITIONERS).sections.get(key="feedback").body
    assert body.startswith("Tell us what you think") and body.count("lscb@example.org") == 1
