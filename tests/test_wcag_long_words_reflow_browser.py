"""Reflow (WCAG 2.2, 1.4.10) of what people typed, in Chromium: a web address is a word with nowhere to
wrap, and in a scope question, a finding or the evidence board it widened the
page at 320 CSS pixels (a 1280-pixel screen zoomed to 400 %) by the rest of its length. It wraps now,
whatever it is in (a flex item, a checkbox's label); tables keep their columns and scroll in their own
region (tests/test_reflow_browser.py)."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import Page

from audits.models import Audit
from tests.fixtures_browser import login

DUDLEY = "dudley-cse-2017"
ADDRESS = " See https://www.dudleysafeguarding.org.uk/children/child-sexual-exploitation/guidance-for-practitioners"


def with_address_everywhere() -> None:
    """The address at the end of every text typed in the demo's audits and briefings (not their history)."""
    for app in ("audits", "briefings"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    model.objects.exclude(**{field.name: ""}).update(**{field.name: Concat(field.name, Value(ADDRESS))})


@pytest.mark.browser
@override_settings(DEMO=True)
def test_a_web_address_typed_wraps_at_320_pixels(transactional_db, live_server, page: Page, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"
    call_command("load_demo", stdout=StringIO())
    with_address_everywhere()
    audit = Audit.objects.get(slug=DUDLEY)
    case = audit.cases.order_by("pk").first()
    recommendation = audit.recommendations.order_by("pk").first()
    paths = [
        reverse("audits:dashboard", args=[DUDLEY]),  # the scope question, beside the audit's stage
        reverse("audits:evidence_board", args=[DUDLEY, case.pk]),
        reverse("audits:findings", args=[DUDLEY]),  # each finding beside its buttons
        reverse("audits:recommendation_edit", args=[DUDLEY, recommendation.pk]),  # the findings it may cite
    ]
    login(page, live_server, "qa.manager", "demo")
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "guidance-for-practitioners" in page.content(), f"{path} shows no address"
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide.append(f"{path}: {width} px")
    assert not too_wide, "pages wider than the 320-pixel screen:\n" + "\n".join(too_wide)
