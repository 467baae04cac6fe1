"""Retention reaches the briefing drafts: the text of an audit's briefing drafts that was never published (a draft
never published, edits made after publishing, a hidden section's text) goes with the audit's case-level detail, on
the purge's real run (the command, on PostgreSQL), which says how much it removed. Each draft is left as its newest
standing version printed it; the published versions themselves, their content and PDFs, are not touched."""

import copy
import html
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessRecord, Partnership
from audits.models import AuditStatus
from audits.services.retention import audit_purge_case_detail
from briefings import services
from briefings.models import BriefingSection, Edition, RenderStatus

pytestmark = pytest.mark.django_db

QUOTE = "Seen at 14 Elm Road on 3 March by the duty team; the mother refused them entry."


def edit(section: BriefingSection, body: str, user, *, hidden: bool | None = None) -> None:
    services.briefing_section_update(
        section=section,
        heading=section.heading,
        body=body,
        hidden=section.hidden if hidden is None else hidden,
        user=user,
    )


def close_past_retention(audit) -> None:
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    audit.status = AuditStatus.CLOSED
    audit.closed_at = timezone.now() - timedelta(days=25 * 31)
    audit.save()


def drafted(briefing) -> dict[str, tuple[str, str]]:
    return {s.key: (s.heading, s.body) for s in BriefingSection.objects.filter(briefing=briefing)}


def test_the_purge_removes_what_drafts_hold_unpublished_and_leaves_every_published_version_as_published(
    findings_audit, make_briefing, publish_rendered, qa_manager, django_capture_on_commit_callbacks, capsys
):
    # Published, then edited: case detail added to a section printed, and written into a hidden one.
    managers = make_briefing(Edition.MANAGERS)
    published = publish_rendered(managers)
    assert published.status == RenderStatus.DONE
    as_published = copy.deepcopy(published.content)
    file_name, rendered_at = published.file.name, published.rendered_at
    printed = {section["key"]: section for section in as_published["sections"]}
    sections = list(managers.sections.order_by("order"))
    shown = next(s for s in sections if s.key in printed and s.body)
    hidden = next(s for s in sections if s.key not in printed)
    edit(shown, f"{shown.body}\n\n{QUOTE}", qa_manager)
    edit(hidden, QUOTE, qa_manager, hidden=True)
    # Never published: case detail in a section of a draft.
    practitioners = make_briefing(Edition.PRACTITIONERS)
    edit(practitioners.sections.filter(hidden=False).first(), QUOTE, qa_manager)
    practitioners_headings = {key: heading for key, (heading, _body) in drafted(practitioners).items()}
    # What the purge is to remove: every section of the draft never published that holds text, and every section of
    # the published one that is not as its version printed it.
    written = sum(1 for _heading, body in drafted(practitioners).values() if body)
    unpublished = sum(
        1
        for key, (heading, body) in drafted(managers).items()
        if (heading, body) != ((printed[key]["heading"], printed[key]["body"]) if key in printed else (heading, ""))
    )
    assert unpublished >= 2 and written >= 1
    expected = written + unpublished
    close_past_retention(findings_audit)

    call_command("purge_expired", "--dry-run")

    said = capsys.readouterr().out
    assert f"Briefing drafts: the unpublished text of {expected} section(s) to be removed." in said
    assert BriefingSection.objects.filter(briefing__audit=findings_audit, body__contains=QUOTE).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired")

    said = capsys.readouterr().out
    assert f"Purged {findings_audit.slug}: " in said
    assert f"Briefing drafts: the unpublished text of {expected} section(s) removed." in said
    assert not BriefingSection.objects.filter(briefing__audit=findings_audit, body__contains=QUOTE).exists()
    # The draft never published keeps its sections and their headings, without their text.
    assert drafted(practitioners) == {key: (heading, "") for key, heading in practitioners_headings.items()}
    # The published one's draft is as its version printed it: what readers have.
    assert drafted(managers) == {
        key: (printed[key]["heading"], printed[key]["body"]) if key in printed else (heading, "")
        for key, (heading, _body) in drafted(managers).items()
    }
    # The published version is as published: its content, its PDF.
    published.refresh_from_db()
    assert published.content == as_published
    assert (published.status, published.file.name, published.rendered_at) == (RenderStatus.DONE, file_name, rendered_at)
    [record] = AccessRecord.objects.filter(action="purge", object_id=str(findings_audit.pk))
    assert f"the unpublished text of {expected} briefing draft section(s)" in record.summary


def test_a_published_draft_left_as_published_is_not_changed_and_a_withdrawn_ones_text_goes(
    findings_audit, make_briefing, publish_rendered, qa_manager
):
    """A draft whose every section is as its standing version printed it is left as it is; a draft whose every
    version was withdrawn (published with an identifier, say) has no text readers have, and loses it all."""
    practitioners = make_briefing(Edition.PRACTITIONERS)
    for section in practitioners.sections.filter(hidden=True):  # nothing hidden: everything printed
        edit(section, section.body, qa_manager, hidden=False)
    publish_rendered(practitioners)
    left_alone = drafted(practitioners)
    managers = make_briefing(Edition.MANAGERS)
    withdrawn = publish_rendered(managers)
    services.briefing_version_withdraw(version=withdrawn, user=qa_manager, reason="Published with a child's name.")
    withdrawn_text = sum(1 for _heading, body in drafted(managers).values() if body)
    close_past_retention(findings_audit)

    result = audit_purge_case_detail(audit=findings_audit)

    assert result.draft_sections == withdrawn_text > 0
    assert drafted(practitioners) == left_alone
    assert {body for _heading, body in drafted(managers).values()} == {""}


@pytest.mark.parametrize("htmx", [False, True])
def test_a_save_or_refresh_from_a_composer_opened_before_the_purge_says_the_purge_removed_the_text(
    client, findings_audit, make_briefing, qa_manager, htmx
):
    """The composer was open on a draft (the audit closed) when the purge ran: its save, with the text it still shows,
    is refused as a save over someone else's is, but saying the retention purge removed the text, not that "someone
    else" saved and that it is to be merged; the section stays as the purge left it. A refresh likewise."""
    briefing = make_briefing(Edition.PRACTITIONERS)
    section = briefing.sections.filter(hidden=False).order_by("order").first()
    edit(section, QUOTE, qa_manager)
    section.refresh_from_db()
    opened = services.section_version(section)  # what the open page's form holds
    close_past_retention(findings_audit)
    audit_purge_case_detail(audit=findings_audit)
    assert BriefingSection.objects.get(pk=section.pk).body == ""

    client.force_login(qa_manager)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    save = client.post(
        reverse("briefings:section_update", args=[findings_audit.slug, briefing.edition, section.key]),
        {"heading": section.heading, "body": QUOTE, "based_on": opened},
        **headers,
    )
    assert save.status_code == 409
    page = html.unescape(save.content.decode())
    assert "the retention purge removed the text of “" in page
    assert "Do not put back what was removed" in page
    assert "The section as the retention purge left it:" in page
    assert "someone else" not in page.lower() and "the other editor" not in page
    assert BriefingSection.objects.get(pk=section.pk).body == ""

    refresh = client.post(
        reverse("briefings:section_refresh", args=[findings_audit.slug, briefing.edition, section.key]),
        {"section_version": opened},
    )
    assert refresh.status_code in (302, 409)
    shown = html.unescape(client.get(refresh.url).content.decode()) if refresh.status_code == 302 else ""
    said = shown or html.unescape(refresh.content.decode())
    assert "the retention purge removed the text of “" in said and "Someone else" not in said
    assert BriefingSection.objects.get(pk=section.pk).body == ""
