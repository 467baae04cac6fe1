"""A stage or a standard added with its Order left empty (numbered after the others) at the same moment as
"Add stages and standards from a spreadsheet" adds into the same version: both number what they add under
the version's row lock, so one waits for the other and numbers (or checks) after it, instead of both
taking the same number and one failing with a server error."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from audits.models import Section, Standard
from audits.tests.admin_support import admin_form_data, page_text
from audits.tests.concurrency_support import in_turn

HEAD = "Stage,Code,Standard,Guidance,Answer\n"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def checked_sheet(user, version, text: str):
    """The spreadsheet page's "Add" for `text`, checked first as the page shows it: a call for in_turn."""
    client = signed_in(user)
    url = reverse("admin:audits_toolversion_import", args=[version.pk])
    checked = client.post(url, {"text": text, "check": "Check"}).context["form"]["checked"].value()
    return lambda: client.post(url, {"text": text, "add": "Add", "checked": checked})


def said(outcome) -> str:
    assert not isinstance(outcome, Exception), repr(outcome)
    assert outcome.status_code in (200, 302), outcome.status_code
    return page_text(outcome)


@pytest.mark.django_db(transaction=True)
def test_a_stage_added_unnumbered_while_the_sheet_adds_one_goes_after_it(qa_manager, version):
    assert connection.vendor == "postgresql"  # about its row locks
    sheet = checked_sheet(qa_manager, version, HEAD + "Protection,,The child was protected.,,\n")
    stage = signed_in(qa_manager)
    data = {"version": version.pk, "title": "Planning", "description": "", "order": ""}
    data |= {"standards-TOTAL_FORMS": 0, "standards-INITIAL_FORMS": 0}

    # The sheet's Add first (the version locked, its new stage numbered 3), the stage's a moment after.
    outcomes = in_turn({"sheet": sheet, "stage": lambda: stage.post(reverse("admin:audits_section_add"), data)})

    said(outcomes["sheet"])
    assert outcomes["stage"].status_code == 302, said(outcomes["stage"])[-2000:]
    assert list(version.sections.order_by("order").values_list("title", "order")) == [
        ("Response", 1),
        ("Assessment", 2),
        ("Protection", 3),
        ("Planning", 4),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_standard_added_unnumbered_while_the_sheet_adds_to_its_stage_is_not_given_the_same_number(
    qa_manager, version
):
    assert connection.vendor == "postgresql"  # about its row locks
    stage_row = version.sections.get(title="Response")
    last = stage_row.standards.order_by("order").last().order
    sheet = checked_sheet(qa_manager, version, HEAD + "Response,,Risks were recognised.,,\n")
    stage = signed_in(qa_manager)
    url = reverse("admin:audits_section_change", args=[stage_row.pk])
    data = admin_form_data(stage, url) | {
        "standards-TOTAL_FORMS": stage_row.standards.count() + 1,
        f"standards-{stage_row.standards.count()}-order": "",
        f"standards-{stage_row.standards.count()}-code": "R9",
        f"standards-{stage_row.standards.count()}-text": "The referral was acted on the same day.",
        f"standards-{stage_row.standards.count()}-answer_type": "grade",
    }

    # The stage's page saved first (its new standard numbered last + 1), the sheet's Add a moment after.
    outcomes = in_turn({"stage": lambda: stage.post(url, data), "sheet": sheet})

    assert outcomes["stage"].status_code == 302, said(outcomes["stage"])[-2000:]
    sheet_said = said(outcomes["sheet"])
    assert stage_row.standards.get(code="R9").order == last + 1
    # The sheet waited for the stage's page, then found the stage as it now is: not the check it showed
    # (nothing added, saying so), or numbered after the new standard; never the same number.
    added = Standard.objects.filter(section=stage_row, text="Risks were recognised.")
    if added.exists():
        assert added.get().order == last + 2
    else:
        assert "Nothing was added" in sheet_said
    assert Section.objects.filter(version=version).count() == 2
