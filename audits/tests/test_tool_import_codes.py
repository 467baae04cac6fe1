"""Add stages and standards from a spreadsheet (audits.tool_import.check): codes are compared without case or
spaces but with their dots, so 1.11 and 11.1 are two codes (both were read as "111": the second was refused as
on another line); and the code a standard is numbered by its stage (1.1) is checked as a typed one is, against
the version's codes and the sheet's, so that a sheet never adds two standards with one code."""

import pytest

from audits.models import Section, Standard
from audits.tool_import import check

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(empty_version):
    """Here, a new tool's empty first version (the sheets fill it)."""
    return empty_version


HEAD = "Stage,Code,Standard\n"


def test_codes_differing_by_their_dots_are_two_codes(version):
    sheet = check(HEAD + "Response,1.11,One.\nResponse,11.1,Two.\nResponse, r 2 ,Three.\nResponse,R2,Four.\n", version)
    assert [row.errors for row in sheet.rows[:2]] == [[], []]
    assert sheet.rows[3].errors == ["Code R2 is also on line 4."]


def test_a_code_numbered_by_its_stage_is_checked_as_a_typed_one(version):
    response = Section.objects.create(version=version, order=1, title="Response")
    assessment = Section.objects.create(version=version, order=2, title="Assessment")
    Standard.objects.create(section=assessment, order=1, code="1.1", text="Typed by hand as 1.1.")
    sheet = check(HEAD + "Response,,Would be 1.1.\nAssessment,,Is 2.2.\nAssessment,2.2,Typed 2.2.\n", version)
    said = [row.errors for row in sheet.rows]
    assert said[0] == [
        "Code: numbered 1.1 by its stage, which is already a standard's in this version (stage “Assessment”): "
        "give the row a code of its own."
    ]
    assert said[1] == [] and sheet.rows[1].code == "2.2"
    assert said[2] == ["Code 2.2 is also on line 3."]

    sheet = check(HEAD + "Assessment,2.3,Typed 2.3.\nAssessment,,Would be 2.3.\n", version)
    assert sheet.rows[1].errors == [
        "Code: numbered 2.3 by its stage, which is also on line 2: give the row a code of its own."
    ]
    assert not Standard.objects.filter(section=response).exists()
