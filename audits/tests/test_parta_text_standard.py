"""An "Evidence only" standard's select says what it is for: whether the standard applies (its only
other choice, Not applicable), not a "Grade" with no grade in it (found by the audit-tool review)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audits.forms import PartAReturnForm
from audits.models import AnswerType
from audits.selectors.parta import NOT_APPLICABLE, grade_field, tool_layout

pytestmark = pytest.mark.django_db


@pytest.fixture
def text_standard(audit):
    standard = tool_layout(audit.tool_version).standards[1]
    standard.answer_type = AnswerType.TEXT
    standard.save(update_fields=["answer_type"])
    return standard


def test_an_evidence_only_standard_asks_whether_it_applies_and_a_graded_one_for_its_grade(audit, text_standard):
    layout = tool_layout(audit.tool_version)
    graded = layout.standards[0]
    form = PartAReturnForm(layout=layout)

    text_field = form.fields[grade_field(text_standard.pk)]
    assert str(text_field.label) == "Does this standard apply?"
    assert [(value, str(label)) for value, label in text_field.choices] == [
        ("", "Yes: write the evidence"),
        (NOT_APPLICABLE, "Not applicable"),
    ]
    graded_field = form.fields[grade_field(graded.pk)]
    assert str(graded_field.label) == "Grade"
    assert [str(label) for _value, label in graded_field.choices] == [
        "Choose…",
        *[g.label for g in layout.grades],
        "Not applicable",
    ]
    # Same name and values: the autosave still takes Not applicable for it, and nothing else.
    partial = PartAReturnForm(
        {"version": "0", grade_field(text_standard.pk): NOT_APPLICABLE},
        layout=layout,
        only=[grade_field(text_standard.pk)],
    )
    assert partial.is_valid(), partial.errors
    grade = str(layout.grades[0].pk)
    refused = PartAReturnForm(
        {"version": "0", grade_field(text_standard.pk): grade}, layout=layout, only=[grade_field(text_standard.pk)]
    )
    assert not refused.is_valid()


def test_the_part_a_form_labels_it_so(client, auditor, audit, text_standard):
    ret = audit.returns.get(agency=auditor.agency, case__reference="Case 1")
    client.force_login(auditor)

    html = client.get(reverse("audits:return_detail", args=[ret.pk])).content.decode()

    fieldset = re.search(rf'<fieldset class="standard" id="standard-{text_standard.pk}".*?</fieldset>', html, re.S)[0]
    assert "Does this standard apply?" in fieldset and ">Grade<" not in fieldset
