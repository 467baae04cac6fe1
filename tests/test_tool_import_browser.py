"""In Chromium: the demo QA manager makes a new tool with an empty version, pastes its stages and standards
from a spreadsheet, reads the check and adds them; downloads the version's sheet as an Excel workbook, and
uploads a workbook of one more stage, whose codes typed as text (3.10) stay as typed; axe-core checks the
page with its check table."""

from io import BytesIO, StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.tests.test_sheet_xlsx import workbook
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

    # The version's sheet to start from, as a workbook: its codes are text.
    page.goto(f"{live_server.url}/admin/audits/toolversion/{version.pk}/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this version's stages and standards as a sheet (Excel, .xlsx)").click()
    assert download.value.suggested_filename == "neglectaudittool-v1.xlsx"
    sheet = openpyxl.load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["R1", "R2", "A1"]

    data = workbook(
        (
            "Tool",
            [
                ["Stage", "Code", "Standard"],
                ["Review", "3.10", "The plan was reviewed with the family."],
                ["Review", 3.2, "The review was on time."],
            ],
        )
    )
    page.get_by_label("An Excel workbook (.xlsx) or a CSV file").set_input_files(
        files=[{"name": "review.xlsx", "mimeType": "application/octet-stream", "buffer": data}]
    )
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Every row is ready to add.")).to_be_visible()
    axe_check_admin(page, browser_console)
    page.get_by_role("button", name="Add 1 new stage and 2 standards").click()
    expect(page.get_by_text("1 stage and 2 standards added to")).to_be_visible()
    assert list(
        Standard.objects.filter(section__version=version, section__title="Review")
        .order_by("order")
        .values_list("code", flat=True)
    ) == ["3.10", "3.2"]
