"""The password journeys in Chromium: "Forgotten your password?" from the sign-in page, the e-mailed
link, a new password and signing in with it; then changing it again from the menu. Every page passes
axe-core and breaks no Content-Security-Policy rule."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import Page, expect

from agencies.passwords import rate_keys
from agencies.tests.factories import UserFactory
from tests.fixtures_browser import axe_check, csp_violations, login

NEW = "a brand new long passphrase 7"
NEWER = "another long passphrase 8"
NEW_PASSWORD = re.compile(r"^\s*New password[\s*]*$")  # its label, marked required


@pytest.mark.browser
def test_a_forgotten_password_is_reset_and_changed_again(
    transactional_db, live_server, page: Page, browser_console, settings
):
    settings.SITE_URL = live_server.url
    cache.delete_many(rate_keys(email="pat@example.org", ip="127.0.0.1"))
    UserFactory(username="pat.auditor", email="pat@example.org")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Forgotten your password?")).to_be_visible()
    axe_check(page)
    page.get_by_label("E-mail address").fill("pat@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    axe_check(page)

    [message] = mail.outbox
    [link] = re.findall(r"http\S+/accounts/password/set/\S+/", message.body)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label(NEW_PASSWORD).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    with page.expect_navigation():
        page.get_by_role("button", name="Save password").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()
    axe_check(page)
    page.get_by_label(NEW_PASSWORD).fill(NEW)
    page.get_by_label("New password confirmation").fill(NEW)
    with page.expect_navigation():
        page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    axe_check(page)

    login(page, live_server, "pat.auditor", NEW)
    assert not page.url.endswith("/accounts/login/")
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    axe_check(page)
    page.get_by_label("Old password").fill(NEW)
    page.get_by_label(NEW_PASSWORD).fill(NEWER)
    page.get_by_label("New password confirmation").fill(NEWER)
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed.")
    assert not csp_violations(browser_console), browser_console


@pytest.mark.browser
def test_the_administrator_adds_a_person_who_is_invited_to_choose_a_password(
    transactional_db, live_server, page: Page, browser_console, settings
):
    from django.contrib.auth.models import Permission

    from agencies.models import Role
    from agencies.tests.factories import AdministratorFactory, AgencyFactory
    from audits.demo import ADMIN_PERMISSIONS
    from tests.test_planning_browser import axe_check_admin

    settings.SITE_URL = live_server.url
    agency = AgencyFactory(name="Sussex Police", short_name="Police")
    admin = AdministratorFactory(username="it.admin")
    admin.user_permissions.set(
        Permission.objects.filter(content_type__app_label="agencies", codename__in=ADMIN_PERMISSIONS)
    )
    login(page, live_server, "it.admin", "correct horse battery staple")

    page.goto(f"{live_server.url}/admin/agencies/user/add/")
    expect(page.get_by_text("Password-based authentication")).to_have_count(0)
    page.get_by_label("Username:").fill("sam.rowe")
    page.get_by_label("First name:").fill("Sam")
    page.get_by_label("Last name:").fill("Rowe")
    page.get_by_label("Email address:").fill("sam.rowe@example.org")
    expect(page.get_by_label("Role:")).to_have_value(Role.PRACTITIONER)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("work for an agency: choose theirs.")).to_be_visible()
    axe_check_admin(page, browser_console)
    page.get_by_label("Agency:").select_option(str(agency.pk))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    [invitation] = mail.outbox
    [link] = re.findall(r"http\S+/accounts/password/set/\S+/", invitation.body)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    axe_check(page)
    page.get_by_label(NEW_PASSWORD).fill(NEW)
    page.get_by_label("New password confirmation").fill(NEW)
    with page.expect_navigation():
        page.get_by_role("button", name="Save password").click()
    login(page, live_server, "sam.rowe", NEW)
    assert not page.url.endswith("/accounts/login/")
    assert not csp_violations(browser_console), browser_console
