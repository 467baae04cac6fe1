"""Browser fixtures and helpers: headless Debian Chromium driven by Playwright.

Loaded as a pytest plugin (the root conftest.py's `pytest_plugins`, or `-p tests.fixtures_browser`).

    @pytest.mark.browser
    def test_something(live_server, page, browser_console):
        login(page, live_server, "qa.manager", "a password")
        axe_check(page)
        assert not csp_violations(browser_console)

The browser is Debian's chromium package (never a Playwright download); axe-core comes from
node_modules (`make assets`). A failing test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

# Playwright's sync API runs an asyncio loop in the test thread, and Django then refuses ORM
# calls from it (SynchronousOnlyOperation). Nothing async really runs here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium not found: install Debian's chromium package (make system-deps)")
    return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report, so that the page fixture knows whether its test failed.
    report: pytest.TestReport = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@dataclass(frozen=True)
class ConsoleEntry:
    type: str  # "error", "warning", "log"... or "pageerror" for an uncaught exception
    text: str
    url: str = ""

    def __str__(self) -> str:
        return f"[{self.type}] {self.text}" + (f" ({self.url})" if self.url else "")


@pytest.fixture
def browser_console() -> list[ConsoleEntry]:
    """What the test's page wrote to its console (filled by the `page` fixture)."""
    return []


@pytest.fixture
def page(browser: Browser, browser_console: list[ConsoleEntry], request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        browser_console.append(ConsoleEntry(message.type, message.text, message.location.get("url", "")))

    page.on("console", on_console)
    page.on("pageerror", lambda error: browser_console.append(ConsoleEntry("pageerror", str(error))))
    try:
        yield page
    finally:
        reports = request.node.stash.get(_reports, {})
        if any(report.failed for report in reports.values()):
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
                print(f"could not save a screenshot: {exc}")
        context.close()


def csp_violations(console: list[ConsoleEntry]) -> list[ConsoleEntry]:
    """The console entries that report a Content-Security-Policy violation."""
    return [entry for entry in console if "content security policy" in entry.text.lower()]


def axe_check(page: Page, *, context: str | dict[str, Any] | None = None) -> dict[str, Any]:
    """Run axe-core on the page (or a part of it: a selector or an axe context object) and fail
    on any serious or critical WCAG 2.2 AA violation. Returns axe's full results."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(REPO_ROOT)} is missing: run `make assets`")
    # A button just clicked is still fading into its hover colours: axe would measure the contrast
    # of a frame half-way (what a person sees settles a fraction of a second later). Let it settle.
    page.wait_for_function(
        "() => document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running')",
        timeout=5000,
    )
    # evaluate() goes through the DevTools protocol, so the page's CSP does not block it.
    page.evaluate(AXE_JS.read_text())
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results: dict[str, Any] = page.evaluate(
        "([context, options]) => axe.run(context ?? document, options)", [context, options]
    )
    serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    if serious:
        lines = [f"axe-core: {len(serious)} serious or critical accessibility violation(s) on {page.url}"]
        for violation in serious:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            for node in violation["nodes"][:10]:
                lines.append(f"    at {' '.join(map(str, node['target']))}")
        pytest.fail("\n".join(lines), pytrace=False)
    return results


def login(page: Page, live_server: Any, username: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    base = getattr(live_server, "url", live_server)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


# WCAG 1.4.12's text spacing, as a reader's style sheet sets it: line height 1.5, paragraphs 2 em apart,
# letters 0.12 em, words 0.16 em.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
# A constructed style sheet: the page's Content-Security-Policy (style-src 'self') refuses a <style>
# element, as it would a bookmarklet's.
_ADD_SHEET = """(css) => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}"""


def text_spacing(page: Page) -> None:
    """Apply WCAG 1.4.12's text spacing to the page open (again after each navigation)."""
    page.evaluate(_ADD_SHEET, TEXT_SPACING)


def tab_to(page: Page, selector: str, *, most: int = 120) -> None:
    """Move the focus to what the selector matches with the Tab key, as a keyboard user does (so
    :focus-visible applies); fail if `most` presses never reach it."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")
