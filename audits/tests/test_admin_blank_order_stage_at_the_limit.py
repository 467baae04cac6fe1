"""Planning → a stage's own page → "Add stage", its Order left empty, when the version's stages are already
numbered up to 32767 (the highest an order can be): refused on the Order field with the message Planning's
rows left empty give (audits/numbering.py), what was typed kept, instead of Django's "Ensure this value is
less than or equal to 32767.", a number nobody typed. There is no "Add standard" page of its own: a
standard is added on its stage's page (test_tool_admin_numbers_at_the_limit.py)."""

import pytest
from django.urls import reverse

from audits.models import Section
from audits.numbering import past_highest_left_empty
from audits.tests.admin_support import page_text
from audits.tests.test_admin_blank_order_stage import new_stage

pytestmark = pytest.mark.django_db


def test_a_new_stage_left_unnumbered_after_one_numbered_as_high_as_numbers_go_is_refused(client, qa_manager, version):
    client.force_login(qa_manager)
    version.sections.filter(order=2).update(order=32767)
    data = new_stage(version, title="Outcomes", description="What came of the plan.")

    response = client.post(reverse("admin:audits_section_add"), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    said = past_highest_left_empty(Section, "order", 32767)
    assert form.errors == {"order": [said]}
    assert "already numbered up to 32767 and no order can be higher than 32767" in page_text(response)
    assert "less than or equal to" not in page_text(response)
    assert form["title"].value() == "Outcomes" and form["description"].value() == "What came of the plan."
    assert form["order"].value() in ("", None)
    assert not version.sections.filter(title="Outcomes").exists()


def test_a_new_stage_numbered_by_hand_beside_one_numbered_as_high_as_numbers_go_is_added(client, qa_manager, version):
    client.force_login(qa_manager)
    version.sections.filter(order=2).update(order=32767)

    response = client.post(reverse("admin:audits_section_add"), new_stage(version, title="Outcomes", order=3))

    assert response.status_code == 302
    assert version.sections.get(title="Outcomes").order == 3
