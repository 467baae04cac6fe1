"""The banner offering back answers kept on this device names when they were typed as the status line's "Saved …"
does: the time alone today, with the day another day ("20 Nov 2026, 23:50"), in the browser's time."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from audits.models import PartAReturn
from tests.demo_support import demo_police_return
from tests.fixtures_browser import login

LONDON = ZoneInfo("Europe/London")

KEEP_ON_DEVICE = """([name, at]) => {
  const form = document.querySelector("form[data-parta-form]");
  const base = Number(form.querySelector("input[name=version]").value);
  const fields = { [name]: { value: "Typed late last night, never sent.", at, base } };
  localStorage.setItem(`parta:${form.dataset.userId}:${form.dataset.returnId}`, JSON.stringify({ fields }));
}"""


@pytest.mark.browser
def test_the_restore_banner_names_the_day_when_not_today(transactional_db, settings, live_server, browser: Browser):
    ret = demo_police_return(settings)
    # The browser's morning of 21 November: saved at 07:55 that day, an answer typed at 23:50 the night before
    # (within the hours a copy on the device is kept) and never sent.
    now = datetime.datetime(2026, 11, 21, 8, 0, tzinfo=LONDON)
    PartAReturn.objects.filter(pk=ret.pk).update(updated_at=datetime.datetime(2026, 11, 21, 7, 55, tzinfo=LONDON))
    typed = datetime.datetime(2026, 11, 20, 23, 50, tzinfo=LONDON)
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.clock.set_fixed_time(now)
        login(page, live_server, "auditor.police", "demo")
        page.goto(f"{live_server.url}/audits/returns/{ret.pk}/")
        name = page.locator("fieldset.standard").nth(0).get_by_label("Evidence", exact=True).get_attribute("name")
        page.evaluate(KEEP_ON_DEVICE, [name, typed.timestamp() * 1000])
        page.reload()
        expect(page.locator("#parta-restore")).to_be_visible()
        expect(page.locator("#parta-restore-text")).to_have_text(
            "This device holds an answer you typed at 20 Nov 2026, 23:50 that differs from the saved version "
            "(saved later, at 07:55)."
        )
        assert not errors, errors
    finally:
        context.close()
