"""A tool version's sheet to start from (audits.tool_import.example) writes a cell a spreadsheet would read as a
formula with an apostrophe first, as text; added back as it stands (or saved from the spreadsheet, which keeps
the apostrophe it showed), the apostrophe is no longer added to the standard: "- the child was seen" stays
"- the child was seen", not "'- the child was seen"."""

import pytest
from django.urls import reverse

from audits.models import AnswerType, Section, Standard, ToolVersion
from audits.tests.factories import make_scale

pytestmark = pytest.mark.django_db


def test_cells_written_as_text_add_back_as_they_were(client, qa_manager):
    from audits.models import AuditTool

    tool = AuditTool.objects.create(name="CSE audit tool")
    source = ToolVersion.objects.create(tool=tool, number=1, scale=make_scale())
    empty = ToolVersion.objects.create(tool=tool, number=2, scale=source.scale)
    section = Section.objects.create(version=source, order=1, title="Response", description="@ the front door")
    Standard.objects.create(
        section=section,
        order=1,
        code="1.1",
        text="- the child was seen alone",
        guidance="=what was said",
        answer_type=AnswerType.GRADE,
    )
    Standard.objects.create(section=section, order=2, code="1.2", text="+ risks recognised", guidance="")
    client.force_login(qa_manager)

    def url(version):
        return reverse("admin:audits_toolversion_import", args=[version.pk])

    text = client.get(url(source) + "?example").content.decode().lstrip("\ufeff")
    assert "'- the child was seen alone" in text  # written as text for the spreadsheet
    checked = client.post(url(empty), {"text": text, "check": "Check"}).context["form"]["checked"].value()
    client.post(url(empty), {"text": text, "add": "Add", "checked": checked})

    def standards(version):
        return list(
            Standard.objects.filter(section__version=version)
            .order_by("order")
            .values_list("section__description", "code", "text", "guidance")
        )

    assert (
        standards(empty)
        == standards(source)
        == [
            ("@ the front door", "1.1", "- the child was seen alone", "=what was said"),
            ("@ the front door", "1.2", "+ risks recognised", ""),
        ]
    )
