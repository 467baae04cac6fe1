"""In Chromium: the demo administrator marks a support contact as for neglect audits only, in the
partnership settings (Django's admin); axe-core checks the settings page with its theme checkboxes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import SupportContact
from audits.models import AuditTheme
from tests.fixtures_browser import login
from tests.test_planning_browser import axe_check_admin


@pytest.mark.browser
@override_settings(DEMO=True)
def test_administrator_ticks_the_audit_themes_of_a_support_contact(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    contact = SupportContact.objects.order_by("order", "pk").first()
    neglect = AuditTheme.objects.get(slug="neglect")
    login(page, live_server, "admin", "demo")

    page.goto(f"{live_server.url}/admin/agencies/partnership/")
    box = page.locator(f"#support_contacts-group input[name='support_contacts-0-themes'][value='{neglect.pk}']")
    expect(box).not_to_be_checked()
    axe_check_admin(page, browser_console)
    page.locator("#support_contacts-group").get_by_label("Neglect").first.check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    assert list(contact.themes.all()) == [neglect]
