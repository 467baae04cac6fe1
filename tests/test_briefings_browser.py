"""In Chromium: the QA manager publishes a briefing, the demo manager downloads it from the library, and the
QA manager withdraws it."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from agencies.models import AccessAction, AccessRecord, User
from audits.models import Audit, AuditStatus
from briefings import services
from briefings.models import BriefingSection, BriefingVersion, Edition, RenderStatus
from briefings.tests.support import pdf_text, squash
from tests.fixtures_browser import ARTIFACTS, axe_check, csp_violations, login

SLUG = "dudley-cse-2017"
NEW_TEXT = "This briefing was checked in the browser before it was published."


def shot(page: Page, name: str) -> None:
    """A screenshot in test-artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret would inject a <style>, which the CSP (rightly) blocks.
    page.screenshot(path=str(ARTIFACTS / f"briefings-{name}.png"), caret="initial")


def leaving_asks(page: Page) -> bool:
    """Whether the page's beforeunload guard would ask before leaving (a real dialog is the browser's)."""
    return page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; }"
    )


@pytest.mark.browser
@override_settings(DEMO=True)
def test_qa_manager_publishes_and_the_manager_downloads(
    transactional_db, live_server, page: Page, browser_console, tmp_path, settings
):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    login(page, live_server, "qa.manager", "demo")

    # From the library to the audit's briefings, and a managers' briefing drafted from the findings.
    page.goto(f"{live_server.url}/briefings/")
    expect(
        page.get_by_role("region", name="Compose briefings").get_by_role("link", name="All the audits you run")
    ).to_be_visible()
    axe_check(page)
    page.get_by_role("region", name="Compose briefings").get_by_role("link", name=audit.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Briefings")
    page.get_by_role("region", name="Managers' briefing").get_by_role(
        "button", name="Draft it from the findings"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Managers' briefing")
    expect(page.get_by_test_id("section-strengths")).to_be_visible()
    axe_check(page)
    shot(page, "composer")

    # Leaving with an unsaved title asks first; once saved, it does not.
    page.get_by_label("Title", exact=True).fill("Learning together: CSE")
    assert leaving_asks(page)
    page.get_by_role("button", name="Save title and audience").click()
    expect(page.get_by_text("Title and audience saved.")).to_be_visible()
    assert not leaving_asks(page)

    # Edit one section; htmx saves it in place, and leaving no longer asks.
    card = page.get_by_test_id("section-why")
    card.get_by_label("Text").fill(NEW_TEXT)
    assert leaving_asks(page)
    card.get_by_role("button", name="Save section").click()
    expect(page.get_by_test_id("section-why")).to_contain_text("Saved at")
    assert not leaving_asks(page)

    # The lead officer saves the same section meanwhile: the next save is refused in place, with
    # both texts shown; saving again is a deliberate save over theirs.
    section = BriefingSection.objects.get(briefing__audit=audit, briefing__edition=Edition.MANAGERS, key="why")
    lead = User.objects.get(username="dudley.lead")
    services.briefing_section_update(
        section=section, heading=section.heading, body="The lead officer's words.", hidden=False, user=lead
    )
    card = page.get_by_test_id("section-why")
    card.get_by_label("Text").fill(NEW_TEXT + " Again.")
    card.get_by_role("button", name="Save section").click()
    expect(page.get_by_test_id("section-why")).to_contain_text("Nothing was overwritten")
    expect(page.get_by_test_id("section-why")).to_contain_text("The lead officer's words.")
    assert leaving_asks(page)
    page.get_by_test_id("section-why").get_by_role("button", name="Save section").click()
    expect(page.get_by_test_id("section-why")).to_contain_text("Saved at")
    assert not leaving_asks(page)

    # The preview shows it, then publish (with its confirmation).
    page.get_by_role("link", name="Preview", exact=True).click()
    expect(page.get_by_test_id("briefing-preview")).to_contain_text(NEW_TEXT)
    axe_check(page)
    shot(page, "preview")
    page.get_by_role("link", name="Publish…").first.click()
    page.get_by_label("I have checked the preview: this briefing is ready to publish.").check()
    # The demo audit has open consistency checks (insights): publishing asks to confirm them too.
    expect(page.get_by_test_id("publish-consistency")).to_be_visible()
    page.get_by_label("want to publish anyway").check()

    # Meanwhile the lead officer saves another section: what was checked is no longer what would be
    # published, so nothing is, and the new preview is shown; publishing from it goes through.
    other = (
        BriefingSection.objects.filter(briefing__audit=audit, briefing__edition=Edition.MANAGERS, hidden=False)
        .exclude(key="why")
        .order_by("order")
        .first()
    )
    services.briefing_section_update(
        section=other,
        heading=other.heading,
        body="Added by the lead officer at the last minute.",
        hidden=False,
        user=lead,
    )
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_test_id("publish-refused")).to_contain_text("The draft changed since you checked the preview")
    expect(page.get_by_test_id("publish-refused")).to_contain_text(lead.get_full_name())
    expect(page.get_by_test_id("briefing-preview")).to_contain_text("Added by the lead officer at the last minute.")
    assert not BriefingVersion.objects.filter(briefing__audit=audit, briefing__edition=Edition.MANAGERS).exists()
    axe_check(page)
    page.get_by_role("link", name="Publish…").first.click()
    page.get_by_label("I have checked the preview: this briefing is ready to publish.").check()
    page.get_by_label("want to publish anyway").check()
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_text("Version 1 published.")).to_be_visible()
    status = page.get_by_test_id("version-1").get_by_test_id("version-status")
    expect(status).to_contain_text("Done", timeout=60_000)
    version = BriefingVersion.objects.get(briefing__audit=audit, briefing__edition=Edition.MANAGERS, number=1)
    assert version.status == RenderStatus.DONE and version.pages

    page.get_by_role("button", name="Sign out").click()

    # The demo manager finds it in the library and downloads it.
    login(page, live_server, "manager", "demo")
    page.goto(f"{live_server.url}/briefings/")
    row = page.get_by_test_id("library-row").filter(has_text=version.briefing.title)
    expect(row).to_have_count(1)
    axe_check(page)
    shot(page, "library")
    with page.expect_download() as download_info:
        row.get_by_test_id("download-latest").click()
    download = download_info.value
    assert download.suggested_filename == f"{SLUG}-managers-v1.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert NEW_TEXT in squash(pdf_text(saved))
    manager = User.objects.get(username="manager")
    assert AccessRecord.objects.filter(user=manager, action=AccessAction.DOWNLOAD, object_id=str(version.pk)).exists()

    # The QA manager withdraws it (published by mistake): the confirmation page asks why, the error
    # stands beside the field, and once withdrawn the PDF is gone and the manager no longer finds it.
    page.get_by_role("button", name="Sign out").click()
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    page.get_by_test_id("version-1").get_by_role("link", name="Withdraw…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw version 1")
    expect(page.get_by_test_id("downloads")).to_contain_text(
        "1 person downloaded this version: they will be asked by e-mail to delete their copy."
    )
    axe_check(page)
    page.get_by_role("button", name="Withdraw version 1").click()
    reason = page.get_by_label("Why is this version being withdrawn?")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reason-error")).to_contain_text("Give the reason")
    axe_check(page)
    shot(page, "withdraw")
    # A long paste is kept whole and counted (no maxlength to cut it off without a word).
    reason.fill("x" * 1050)
    assert len(reason.input_value()) == 1050
    expect(page.get_by_text("50 characters too many (the limit is 1,000)", exact=False)).to_be_visible()
    reason.fill("Wrong edition published.")
    page.get_by_role("button", name="Withdraw version 1").click()
    expect(page.get_by_text("Version 1 has been withdrawn")).to_be_visible()
    # The manager who downloaded it is asked to delete their copy (the demo's tasks run in-process).
    # (The demo manager also had the e-mail announcing the edition's first publication.)
    [asked] = [m for m in mail.outbox if m.to == [manager.email] and "delete your copy" in " ".join(m.body.split())]
    assert "please delete your copy (and any you passed on)" in " ".join(asked.body.split())
    expect(page.get_by_test_id("version-1")).to_contain_text("Wrong edition published.")
    name = version.file.name
    version.refresh_from_db()
    assert version.is_withdrawn and not (settings.PRIVATE_MEDIA_ROOT / name).exists()
    page.get_by_role("button", name="Sign out").click()
    login(page, live_server, "manager", "demo")
    page.goto(f"{live_server.url}/briefings/")
    expect(page.get_by_test_id("library-row").filter(has_text=version.briefing.title)).to_have_count(0)

    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))


def _drop_cookie(page: Page, name: str) -> None:
    page.context.clear_cookies(name=name)
    assert not [c for c in page.context.cookies() if c["name"] == name]


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_section_saved_after_the_session_ended_keeps_its_text(
    transactional_db, live_server, page: Page, browser_console
):
    """Signed out while typing: Save section swaps nothing in (no sign-in page in the card), the text
    and the unsaved mark stay, and the card says what to do; after signing in again in another tab,
    saving again works. A save the server refuses (no CSRF cookie: 403) keeps the text too."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    briefing = services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa)
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    card = page.get_by_test_id("section-why")
    typed = "Typed just before the session ended, and not to be lost."
    card.get_by_label("Text").fill(typed)
    expect(card.locator(".save-status")).to_have_text("Not saved yet")
    expect(card.get_by_test_id("save-problem")).to_be_hidden()

    _drop_cookie(page, "sessionid")
    with page.expect_response(lambda r: r.request.method == "POST" and "/sections/why/" in r.url) as answer:
        card.get_by_role("button", name="Save section").click()
    assert answer.value.status == 401  # not the redirect to the sign-in page
    problem = card.get_by_test_id("save-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("you have been signed out")
    expect(problem).to_contain_text("your text is kept here")
    # Said in the composer's one live region too (WCAG 4.1.3), in the same words as the card's box.
    expect(page.get_by_test_id("composer-announcer")).to_have_text(problem.inner_text().strip())
    expect(card.get_by_label("Text")).to_have_value(typed)
    expect(card.locator(".save-status")).to_have_text("Not saved: see the message above.")
    expect(page.locator("#id_username")).to_have_count(0)  # no sign-in form swapped into the card
    assert leaving_asks(page)
    section = BriefingSection.objects.get(briefing=briefing, key="why")
    assert section.body != typed
    axe_check(page, context="[data-testid=section-why]")
    shot(page, "signed-out-save")

    # Signing in again in another tab (a new CSRF cookie) and saving again here saves the text.
    other = page.context.new_page()
    login(other, live_server, "qa.manager", "demo")
    other.close()
    card.get_by_role("button", name="Save section").click()
    expect(page.get_by_test_id("section-why")).to_contain_text("Saved at")
    expect(page.get_by_test_id("section-why").get_by_test_id("save-problem")).to_be_hidden()
    assert not leaving_asks(page)
    section.refresh_from_db()
    assert section.body == typed

    # Refused by the CSRF check (403): nothing swapped, the text kept, a message that says so.
    card = page.get_by_test_id("section-why")
    card.get_by_label("Text").fill(typed + " More.")
    _drop_cookie(page, "csrftoken")
    with page.expect_response(lambda r: r.request.method == "POST" and "/sections/why/" in r.url) as answer:
        card.get_by_role("button", name="Save section").click()
    assert answer.value.status == 403
    expect(card.get_by_test_id("save-problem")).to_contain_text("the save was refused")
    expect(page.get_by_test_id("composer-announcer")).to_have_text(card.get_by_test_id("save-problem").inner_text())
    expect(card.get_by_label("Text")).to_have_value(typed + " More.")
    assert leaving_asks(page)
    section.refresh_from_db()
    assert section.body == typed

    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))


def _focused_text(page: Page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.textContent.trim() : ''")


@pytest.mark.browser
@override_settings(DEMO=True)
def test_the_retry_button_keeps_the_focus_while_the_status_is_polled(
    transactional_db, live_server, page: Page, browser_console
):
    """A render waiting to be retried offers "Retry now" in its status line, which is polled every 2 s: the
    poll is answered "no change" and the focused button stays. When the line does change, the focus goes to
    its new control, or to the line, and the live region around it (never replaced) says what it now is."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    briefing = services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa)
    version = BriefingVersion.objects.create(
        briefing=briefing,
        number=1,
        content={},
        status=RenderStatus.QUEUED,
        error="The render queue could not be reached; the render will be retried.",
        published_by=qa,
    )
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if f"/versions/{version.pk}/status/" in r.url else None)
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    line = page.get_by_test_id("version-1").get_by_test_id("version-status")
    expect(line).to_contain_text("Queued, will retry")
    # The live region is around the polled line: mark it, to tell whether a swap replaced it.
    line.evaluate("el => { el.closest('[role=status]').dataset.kept = 'yes'; }")

    retry = page.get_by_role("button", name="Retry now")
    retry.focus()
    page.wait_for_timeout(4500)
    expect(retry).to_be_focused()
    assert _focused_text(page).startswith("Retry now")
    assert len(polls) >= 2 and set(polls) == {204}, polls  # polled, and answered "no change"

    # It fails for good: the line changes, the focus goes to its Retry button, the region says so.
    BriefingVersion.objects.filter(pk=version.pk).update(status=RenderStatus.FAILED, error="The PDF could not be made.")
    expect(line).to_contain_text("Failed", timeout=10_000)
    retry = page.get_by_test_id("version-1").get_by_role("button", name="Retry", exact=False)
    expect(retry).to_be_focused()
    region = page.get_by_test_id("version-1").locator("[role=status]")
    expect(region).to_have_attribute("data-kept", "yes")
    expect(region).to_contain_text("The PDF could not be made.")
    # Failed: the polling has stopped, and the button stays focused.
    page.wait_for_timeout(4500)
    expect(retry).to_be_focused()
    axe_check(page, context="#versions")

    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_section_saved_after_the_audit_was_cancelled_keeps_its_text(
    transactional_db, live_server, page: Page, browser_console
):
    """The audit cancelled while the text was typed: Save section is refused, and the card comes back
    read-only with the refusal and the text typed, labelled, to select and copy; the focus on it, the
    refusal said in the composer's live region, and leaving the page asks first."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa)
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    card = page.get_by_test_id("section-why")
    typed = "Typed as the audit was cancelled, and not to be lost."
    card.get_by_label("Text", exact=True).fill(typed)

    # Cancelled meanwhile (as audit_cancel leaves it: the demo audit's published briefing would stop it).
    Audit.objects.filter(pk=audit.pk).update(
        status=AuditStatus.CANCELLED, cancelled_at=timezone.now(), cancelled_by=qa, cancel_reason="Merged"
    )
    with page.expect_response(lambda r: r.request.method == "POST" and "/sections/why/" in r.url) as answer:
        card.get_by_role("button", name="Save section").click()
    assert answer.value.status == 409
    kept = card.get_by_test_id("kept-text")
    expect(kept).to_be_focused()
    expect(kept).to_have_accessible_name(re.compile(r"^Your text, not saved: the section"))
    expect(page.get_by_test_id("composer-announcer")).to_contain_text("This audit was cancelled")
    field = kept.get_by_label("Text, not saved")
    expect(field).to_have_value(typed)
    expect(field).to_be_enabled()  # not in a disabled fieldset: selectable to copy
    expect(field).not_to_be_editable()
    assert field.evaluate("el => { el.select(); return el.value.slice(el.selectionStart, el.selectionEnd); }") == typed
    expect(card.get_by_role("button", name="Save section")).to_be_disabled()
    assert leaving_asks(page)
    assert (
        BriefingSection.objects.get(briefing__audit=audit, briefing__edition=Edition.MANAGERS, key="why").body != typed
    )
    axe_check(page, context="[data-testid=section-why]")
    shot(page, "cancelled-save-kept")
    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_section_saved_with_the_keyboard_keeps_the_focus_and_is_said(
    transactional_db, live_server, page: Page, browser_console
):
    """Save section replaces the card: the focus comes back to its Save button (to the field in error, or to
    the other editor's text when the save was refused for it), and the outcome is said in the composer's one
    live region, which was in the page from the start (the card has none of its own)."""
    call_command("load_demo", stdout=StringIO())
    audit = Audit.objects.get(slug=SLUG)
    qa = User.objects.get(username="qa.manager")
    services.briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa)
    login(page, live_server, "qa.manager", "demo")
    page.goto(f"{live_server.url}/briefings/audit/{SLUG}/managers/")
    announcer = page.get_by_test_id("composer-announcer")
    expect(announcer).to_have_attribute("role", "status")
    expect(announcer).to_have_text("")
    announcer.evaluate("el => { el.dataset.kept = 'yes'; }")  # to tell whether it was replaced
    card = page.get_by_test_id("section-why")
    expect(card.locator("[role=status]")).to_have_count(0)

    # Saved: the focus is on the new card's Save button; Shift+Tab goes back through the same card.
    card.get_by_label("Text").fill(NEW_TEXT)
    save = card.get_by_role("button", name="Save section")
    save.focus()
    with page.expect_response(lambda r: r.request.method == "POST" and "/sections/why/" in r.url):
        page.keyboard.press("Enter")
    expect(card.get_by_test_id("save-status")).to_contain_text("Saved at")
    expect(save).to_be_focused()
    expect(announcer).to_contain_text("Saved at")
    expect(announcer).to_have_attribute("data-kept", "yes")
    page.keyboard.press("Shift+Tab")
    expect(card.get_by_label("Hide this section")).to_be_focused()

    # Saved again in the same minute: said again (emptied, then filled).
    said: list[str] = []
    page.expose_function("heard", lambda text: said.append(text))
    announcer.evaluate(
        "el => new MutationObserver(() => el.textContent && window.heard(el.textContent)).observe(el, {childList: true})"
    )
    save.focus()
    page.keyboard.press("Enter")
    expect(save).to_be_focused()
    page.wait_for_function("() => document.getElementById('composer-announcer').textContent.includes('Saved at')")
    page.wait_for_timeout(300)
    assert said and "Saved at" in said[-1], said

    # A heading of spaces only is refused: the focus is on it, its error read with it, and "Not saved" said.
    heading = card.get_by_label("Heading")
    heading.fill("   ")
    save.focus()
    page.keyboard.press("Enter")
    expect(heading).to_be_focused()
    expect(heading).to_have_attribute("aria-invalid", "true")
    expect(heading).to_have_accessible_description("This field is required.")
    expect(announcer).to_contain_text("Not saved")
    heading.fill("Why this audit")
    heading.press("Enter")  # Enter in the field saves too: the focus stays in it
    expect(card.get_by_test_id("save-status")).to_contain_text("Saved at")
    expect(heading).to_be_focused()

    # Saved meanwhile by the lead officer: the focus is on their text, which says what happened.
    section = BriefingSection.objects.get(briefing__audit=audit, briefing__edition=Edition.MANAGERS, key="why")
    lead = User.objects.get(username="dudley.lead")
    services.briefing_section_update(
        section=section, heading=section.heading, body="The lead officer's words.", hidden=False, user=lead
    )
    card.get_by_label("Text").fill(NEW_TEXT + " Again.")
    save.focus()
    page.keyboard.press("Enter")
    conflict = card.get_by_test_id("section-conflict")
    expect(conflict).to_be_focused()
    expect(conflict).to_have_accessible_name("The text saved by the other editor:")
    expect(conflict).to_have_accessible_description(re.compile("Nothing was overwritten"))
    expect(announcer).to_contain_text("Nothing was overwritten")
    expect(announcer).to_have_attribute("data-kept", "yes")
    axe_check(page, context="[data-testid=section-why]")

    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))
