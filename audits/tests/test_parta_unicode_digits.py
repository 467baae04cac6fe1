"""Numbers in addresses and posted forms written with characters Python's str.isdigit() takes for digits but
int() refuses ("²", "³", "①"): Part A read them as numbers and answered 500. They are now read as what they
are, not a number: My returns lists every audit, the autosave and the form treat the value as any other
unusable one, and the answers to standards a return no longer has are listed as sent."""

import pytest
from django.urls import reverse

from audits.identifiers import age_range_from_band
from audits.selectors.parta import evidence_field

pytestmark = [pytest.mark.usefixtures("partnership")]


@pytest.mark.parametrize("odd", ["²", "1²", "①"])
def test_my_returns_with_a_superscript_audit_number_lists_every_audit(client_for, audit, odd):
    response = client_for("auditor").get(reverse("audits:my_returns"), {"audit": odd})
    assert response.status_code == 200
    assert [a.pk for a, _rows in response.context["groups"]] == [audit.pk]


def test_a_form_saved_with_a_superscript_tool_version_is_answered(client_for, ret, layout):
    s1 = layout.standards[0]
    data = {"version": "0", "tool_version": "²", evidence_field(s1.pk): "Seen at home."}
    response = client_for("auditor").post(reverse("audits:return_detail", args=[ret.pk]), data)
    assert response.status_code in (200, 302)
    ret.refresh_from_db()
    assert ret.answers.get(standard=s1).evidence == "Seen at home."


def test_a_field_named_with_a_superscript_standard_is_labelled_as_sent(layout):
    assert layout.field_label("s²-grade") == "s²-grade"


def test_an_age_band_with_a_superscript_is_no_band():
    assert age_range_from_band("1²-15") is None and age_range_from_band("²+") is None
    assert age_range_from_band("13-15") == (13, 15) and age_range_from_band("18+") == (18, 25)
