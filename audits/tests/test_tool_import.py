"""Planning → a tool version → Add stages and standards from a spreadsheet (audits.tool_import): the
partnership's existing tool pasted or uploaded, checked row by row against the version and the sheet,
added whole in the sheet's order, never into a version Part A returns were made with."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from agencies.models import AccessRecord
from audits.models import AnswerType, Section, Standard, ToolVersion
from audits.tests.admin_support import page_text
from audits.tool_import import check

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(empty_version):
    """Here, a new tool's empty first version (the sheets fill it)."""
    return empty_version


HEAD = "Stage,Code,Standard,Guidance,Answer\n"


def url(version) -> str:
    return reverse("admin:audits_toolversion_import", args=[version.pk])


def test_the_sheet_is_read_into_stages_in_its_order_with_codes_by_stage(version):
    sheet = check(
        "Journey stage\tStandard\tGuidance for the auditor\tAnswer type\n"
        "Response\tThe first response was timely.\tLook at the first contact.\t\n"
        "Response\tRisk was recognised.\t\tGrade and evidence\n"
        "Assessment\tThe assessment was holistic.\t\tevidence only\n",
        version,
    )
    assert not sheet.bad
    assert [(r.stage.title, r.stage.order, r.code, r.answer) for r in sheet.rows] == [
        ("Response", 1, "1.1", AnswerType.GRADE),
        ("Response", 1, "1.2", AnswerType.GRADE),
        ("Assessment", 2, "2.1", AnswerType.TEXT),
    ]


def test_each_row_is_checked_against_the_version_and_the_sheet(version):
    response = Section.objects.create(version=version, order=1, title="Response", description="First contact")
    Standard.objects.create(section=response, order=1, code="R1", text="Existing.")
    sheet = check(
        HEAD
        + "response,R2,Added to the existing stage.,,\n"  # the version's stage, in any case: added after R1
        + "Response,r1,Its code is taken.,,\n"
        + "Planning,P1,One.,,\n"
        + "Planning,P1,Two with the same code.,,\n"
        + ",P3,No stage.,,\n"
        + "Planning,P4,,,\n"
        + "Planning,P5,Answer unknown.,,Yes/No\n"
        + f"Planning,{'X' * 13},Code too long.,,\n",
        version,
    )
    said = [" ".join(row.errors) for row in sheet.rows]
    assert said[0] == "" and sheet.rows[0].stage.section == response and sheet.rows[0].order == 2
    assert said[1] == "Code R1 is already a standard's in this version (stage “Response”)."
    assert said[2] == "" and sheet.rows[2].stage.new and sheet.rows[2].stage.order == 2
    assert said[3] == "Code P1 is also on line 4."
    assert said[4] == "Stage: give the stage of the child's journey the standard belongs to."
    assert said[5] == "Standard: the standard's text is empty."
    assert said[6].startswith("Answer “Yes/No” is not one of Grade and evidence, Evidence only")
    assert said[7] == "Code: at most 12 characters."


def test_check_then_add_adds_the_whole_sheet_recorded(client, qa_manager, version):
    client.force_login(qa_manager)
    text = (
        HEAD
        + "Response,,The first response was timely.,Look at the first contact.,\n"
        + "Protection,,The child was protected.,,Evidence only\n"
    )
    response = client.post(url(version), {"text": text, "check": "Check"})
    assert "Every row is ready to add." in page_text(response)
    assert 'value="Add 2 new stages and 2 standards"' in page_text(response)
    assert not Section.objects.filter(version=version).exists()  # checking adds nothing

    checked = response.context["form"]["checked"].value()
    response = client.post(url(version), {"text": text, "add": "Add", "checked": checked}, follow=True)
    assert "2 stages and 2 standards added to" in page_text(response)
    stages = list(version.sections.order_by("order").values_list("order", "title"))
    assert stages == [(1, "Response"), (2, "Protection")]
    standards = Standard.objects.filter(section__version=version).order_by("section__order", "order")
    assert [(s.code, s.text, s.guidance, s.answer_type) for s in standards] == [
        ("1.1", "The first response was timely.", "Look at the first contact.", AnswerType.GRADE),
        ("2.1", "The child was protected.", "", AnswerType.TEXT),
    ]
    assert AccessRecord.objects.filter(
        user=qa_manager, summary=f"Planning: 2 stages and 2 standards added from a spreadsheet to {version}"
    ).exists()
    assert LogEntry.objects.filter(object_id=str(version.pk)).exists()


def test_nothing_is_added_while_a_row_is_wrong_nor_from_a_check_overtaken(client, qa_manager, version):
    client.force_login(qa_manager)
    bad = HEAD + "Response,R1,Fine.,,\nResponse,R2,,,\n"
    response = client.post(url(version), {"text": bad, "check": "Check"})
    assert "1 row needs putting right before anything is added" in page_text(response)
    assert 'name="add"' not in response.content.decode()
    checked = response.context["form"]["checked"].value()
    client.post(url(version), {"text": bad, "add": "Add", "checked": checked})
    assert not Standard.objects.filter(section__version=version).exists()

    good = HEAD + "Response,R1,Fine.,,\n"
    checked = client.post(url(version), {"text": good, "check": "Check"}).context["form"]["checked"].value()
    # Meanwhile somebody adds a stage called Response on the version's page: the sheet now adds to it.
    Section.objects.create(version=version, order=1, title="Response")
    response = client.post(url(version), {"text": good, "add": "Add", "checked": checked})
    assert "Nothing was added: the sheet, or its check, is not the one you saw" in page_text(response)
    assert not Standard.objects.exists() and version.sections.count() == 1


def test_not_into_an_answered_version_nor_by_an_administrator(client, qa_manager, administrator, audit):
    answered = audit.tool_version
    client.force_login(qa_manager)
    change = reverse("admin:audits_toolversion_change", args=[answered.pk])
    assert url(answered) not in client.get(change).content.decode()
    response = client.post(url(answered), {"text": HEAD + "Response,Z9,New.,,\n", "check": "Check"}, follow=True)
    assert "is read-only: Part A returns were made with it" in page_text(response)
    assert not Standard.objects.filter(code="Z9").exists()

    from audits.services.tools import tool_version_copy

    copy = tool_version_copy(version=answered, user=qa_manager)
    assert url(copy) in client.get(reverse("admin:audits_toolversion_change", args=[copy.pk])).content.decode()

    client.force_login(administrator)  # no case content, and Planning is not theirs
    assert client.get(url(copy)).status_code == 403


def test_a_versions_standards_download_as_a_sheet_that_adds_them_to_an_empty_version(client, qa_manager, audit):
    from audits.services.tools import tool_version_copy

    source = tool_version_copy(version=audit.tool_version, user=qa_manager)  # a version that may be imported into
    empty = ToolVersion.objects.create(tool=source.tool, number=source.number + 1, scale=source.scale)
    client.force_login(qa_manager)
    assert "Download this version's stages and standards as a sheet" in client.get(url(source)).content.decode()

    response = client.get(url(source) + "?example")
    assert response["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffStage,Code,Standard,Guidance,Answer,Stage description\r\n")

    response = client.post(url(empty), {"text": text.lstrip("\ufeff"), "check": "Check"})
    checked = response.context["form"]["checked"].value()
    client.post(url(empty), {"text": text.lstrip("\ufeff"), "add": "Add", "checked": checked})

    def tool(version):
        return list(
            Standard.objects.filter(section__version=version)
            .order_by("section__order", "order")
            .values_list(
                "section__order",
                "section__title",
                "section__description",
                "code",
                "text",
                "guidance",
                "answer_type",
            )
        )

    assert tool(empty) == tool(source) and len(tool(source)) > 1


def test_an_empty_versions_sheet_to_start_from_shows_the_columns(client, qa_manager, version):
    client.force_login(qa_manager)
    assert "Download a sheet to start from (CSV)" in client.get(url(version)).content.decode()
    text = client.get(url(version) + "?example").content.decode().lstrip("\ufeff")
    sheet = check(text, version)
    assert not sheet.bad and [row.code for row in sheet.rows] == ["1.1", "1.2"]
