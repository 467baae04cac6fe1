"""In Chromium: the demo QA manager makes a new tool with an empty version, pastes its stages and standards
from a spreadsheet, reads the check and adds them; axe-core checks the page with its check table."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from audits.models import AuditTool, Standard, ToolVersion
from tests.fixtures_browser import login
from tests.test_planning_browser import axe_check_admin


@pytest.mark.browser
@override_settings(DEMO=True)
def test_qa_manager_adds_a_tools_stages_and_standards_from_pasted_cells(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    scale = ToolVersion.objects.order_by("pk").first().scale
    version = ToolVersion.objects.create(
        tool=AuditTool.objects.create(name="Neglect audit tool"), number=1, scale=scale
    )
    login(page, live_server, "qa.manager", "demo")

    page.goto(f"{live_server.url}/admin/audits/toolversion/{version.pk}/change/")
    page.get_by_role("link", name="Add stages and standards from a spreadsheet").click()
    axe_check_admin(page, browser_console)
    page.get_by_label("Or paste the spreadsheet's cells").fill(
        "Stage\tCode\tStandard\tGuidance\n"
        "Response\tR1\tThe referral was responded to on the day.\tLook at the first contact.\n"
        "Response\tR2\tNeglect was recognised.\t\n"
        "Assessment\tA1\tThe assessment looked at the child's daily life.\t\n"
    )
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Every row is ready to add.")).to_be_visible()
    axe_check_admin(page, browser_console)
    assert not Standard.objects.filter(section__version=version).exists()

    page.get_by_role("button", name="Add 2 new stages and 3 standards").click()
    expect(page.get_by_text("2 stages and 3 standards added to")).to_be_visible()
    assert list(
        Standard.objects.filter(section__version=version)
        .order_by("section__order", "order")
        .values_list("section__title", "code")
    ) == [("Response", "R1"), ("Response", "R2"), ("Assessment", "A1")]
