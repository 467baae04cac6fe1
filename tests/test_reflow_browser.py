"""Reflow (WCAG 2.2, 1.4.10): at 320 CSS pixels wide, which is a 1280-pixel laptop screen zoomed to
400 %, no page scrolls sideways. A wide table scrolls inside its own region (`.table-responsive`,
which must be positioned, or the visually hidden text in its cells widens the page); everything else
wraps. Every role's pages, on the demo's data, in Chromium."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import Page

from agencies.models import Agency, User
from audits.models import PartAReturn
from briefings.models import Briefing
from briefings.services import feedback_add
from tests.fixtures_browser import login

BH, DUDLEY = "bh-cse-2015", "dudley-cse-2017"


def pages_of(username: str) -> list[str]:
    if username == "auditor.police":
        draft = PartAReturn.objects.get(audit__slug=BH, agency__name="Sussex Police", case__reference="Case 2")
        return [
            reverse("audits:my_returns"),
            reverse("audits:return_detail", args=[draft.pk]),
            reverse("audits:return_history", args=[draft.pk]),
        ]
    if username == "qa.manager":
        return [
            reverse("audits:audit_list"),
            reverse("audits:dashboard", args=[DUDLEY]),
            reverse("audits:audit_returns", args=[BH]),
            reverse("audits:session", args=[DUDLEY]),
            reverse("audits:boards", args=[DUDLEY]),
            reverse("audits:heatmap", args=[DUDLEY]),
            reverse("audits:findings", args=[DUDLEY]),
            reverse("audits:recommendations", args=[DUDLEY]),
            reverse("audits:recommendations_all"),
            reverse("briefings:audit_briefings", args=[DUDLEY]),
            reverse("briefings:composer", args=[DUDLEY, "practitioners"]),
            reverse("audits:insights_trends"),
            reverse("audits:insights_agencies"),
            reverse("audits:insights_agency", args=[Agency.objects.order_by("pk").first().pk]),
            reverse("access_log"),
            reverse("briefings:feedback_list", args=[DUDLEY, "practitioners"]),
        ]
    return [reverse("briefings:library")]


@pytest.mark.browser
@override_settings(DEMO=True)
def test_no_page_scrolls_sideways_at_320_pixels(transactional_db, live_server, page: Page, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    # A reader's feedback, so that the feedback list has its table.
    briefing = Briefing.objects.get(audit__slug=DUDLEY, edition="practitioners")
    reader = User.objects.get(username="practitioner")
    feedback_add(briefing=briefing, version=None, user=reader, rating=4, comment="Useful " * 30, request=None)
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = []
    for username in ("auditor.police", "qa.manager", "manager"):
        page.context.clear_cookies()
        login(page, live_server, username, "demo")
        for path in pages_of(username):
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                too_wide.append(f"{username} {path}: {width} px")
    assert not too_wide, "pages wider than the 320-pixel screen:\n" + "\n".join(too_wide)
