"""In Chromium: the demo administrator pastes three people from a spreadsheet into Administration →
Users → Add people from a spreadsheet, reads the check (one row wrong), adds the two ready and gets the
third back to put right; then uploads an Excel workbook (.xlsx), whose sheet the check puts in the box as
text, and adds from it; axe-core checks the page with its check table."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page, expect

from agencies.models import Agency, User
from agencies.tests.test_sheet_xlsx import workbook
from tests.fixtures_browser import login
from tests.test_planning_browser import axe_check_admin


@pytest.mark.browser
@override_settings(DEMO=True)
def test_administrator_adds_people_from_cells_pasted_from_a_spreadsheet(
    transactional_db, live_server, page: Page, browser_console
):
    call_command("load_demo", stdout=StringIO())
    agency = Agency.objects.order_by("name").first()
    login(page, live_server, "admin", "demo")

    page.goto(f"{live_server.url}/admin/agencies/user/")
    page.get_by_role("link", name="Add people from a spreadsheet").click()
    axe_check_admin(page, browser_console)
    sheet = (
        "First name\tLast name\tE-mail\tRole\tAgency\n"
        f"Nia\tBowen\tnia.bowen@example.org\tPractitioner\t{agency.short_name}\n"
        f"Owen\tPrice\towen.price@example.org\tManager\t{agency.name}\n"
        "Rhys\tMorgan\trhys.morgan@example.org\tManager\t\n"
    )
    page.get_by_label("Or paste the spreadsheet's cells").fill(sheet)
    page.get_by_role("button", name="Check").click()

    expect(page.get_by_text("2 people are ready to add.")).to_be_visible()
    table = page.get_by_role("table", name="Each row of the sheet, and its check")
    expect(table.get_by_role("row").filter(has_text="Rhys")).to_contain_text("work for an agency")
    axe_check_admin(page, browser_console)
    assert not User.objects.filter(email="nia.bowen@example.org").exists()

    page.get_by_role("button", name="Add the 2 people ready").click()
    expect(page.get_by_text("2 people added.")).to_be_visible()
    expect(page.get_by_label("Or paste the spreadsheet's cells")).to_have_value(
        "First name,Last name,E-mail,Role,Agency\nRhys,Morgan,rhys.morgan@example.org,Manager,\n"
    )
    assert set(User.objects.filter(agency=agency, email__endswith="@example.org").values_list("email", flat=True)) >= {
        "nia.bowen@example.org",
        "owen.price@example.org",
    }
    assert not User.objects.filter(email="rhys.morgan@example.org").exists()

    # An Excel workbook: a blank first row (the box keeps it, through the browser's <textarea>), then the sheet.
    data = workbook(
        (
            "People",
            [
                [None],
                ["First name", "Last name", "E-mail", "Role", "Agency", "Job title"],
                ["Cai", "Jones", "cai.jones@example.org", "Practitioner", agency.short_name, 2026],
            ],
        )
    )
    page.get_by_label("Or paste the spreadsheet's cells").fill("")
    page.get_by_label("An Excel workbook (.xlsx) or a CSV file").set_input_files(
        files=[{"name": "people.xlsx", "mimeType": "application/octet-stream", "buffer": data}]
    )
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("1 person is ready to add.")).to_be_visible()
    table = page.get_by_role("table", name="Each row of the sheet, and its check")
    expect(table.get_by_role("row").filter(has_text="Cai").get_by_role("cell").first).to_have_text("3")  # its row
    expect(page.get_by_label("Or paste the spreadsheet's cells")).to_have_value(
        "\nFirst name,Last name,E-mail,Role,Agency,Job title\n"
        f"Cai,Jones,cai.jones@example.org,Practitioner,{agency.short_name},2026\n"
    )
    axe_check_admin(page, browser_console)
    page.get_by_role("button", name="Add the 1 person ready").click()
    expect(page.get_by_text("1 person added.")).to_be_visible()
    assert User.objects.get(email="cai.jones@example.org").job_title == "2026"
