"""What each grade means: a scale's grades may say it (Grade.description), written by the QA manager in
Planning where the scale's grades are edited, and shown to the auditors once, in a "What the grades mean"
disclosure above the standards of the Part A form and on the Part B evidence board. A first-time auditor
grading a standard saw only the labels ("Good", "Requires improvement")."""

import pytest
from django.urls import reverse

from audits.models import AuditStatus, Grade, PartAReturn
from audits.tests.admin_support import admin_form_data, page_text, row_of
from audits.tests.partb_support import complete_return

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partnership")]

GOOD = "Practice is effective: risks are recognised and acted on in good time."
INADEQUATE = "Practice is not effective: risks were missed or not acted on."
SUMMARY = "What the grades mean"


def describe(scale, **by_rank: str) -> None:
    for rank, text in by_rank.items():
        Grade.objects.filter(scale=scale, rank=int(rank.removeprefix("r"))).update(description=text)


def test_the_part_a_form_says_what_the_grades_mean(client_for, audit, ret):
    describe(audit.tool_version.scale, r2=GOOD, r4=INADEQUATE)

    html = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])).content.decode()

    assert html.count('data-testid="grade-meanings"') == 1  # once, not per standard
    start = html.index('data-testid="grade-meanings"')
    meanings = html[start : html.index("</details>", start)]
    assert f"<summary>{SUMMARY}</summary>" in meanings
    # The grades that say it, in rank order; a grade with nothing written is left out.
    assert meanings.index("Good</span></dt><dd>" + GOOD) < meanings.index("Inadequate</span></dt><dd>" + INADEQUATE)
    assert "Outstanding" not in meanings
    assert start < html.index('class="standard"')  # above the standards


def test_the_part_a_form_says_nothing_when_no_grade_says_what_it_means(client_for, audit, ret):
    describe(audit.tool_version.scale, r1="   ")  # only spaces: nothing written

    html = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])).content.decode()

    assert 'class="standard"' in html  # the form, with its standards
    assert SUMMARY not in html and "grade-meanings" not in html


def test_the_evidence_board_says_what_the_grades_mean(client, qa_manager, audit):
    describe(audit.tool_version.scale, r2=GOOD)
    audit.status = AuditStatus.PART_B
    audit.save()
    ret = PartAReturn.objects.filter(audit=audit).order_by("case__order", "agency__name").first()
    complete_return(ret, ranks=2)
    client.force_login(qa_manager)

    html = client.get(reverse("audits:evidence_board", args=[audit.slug, ret.case_id])).content.decode()

    assert f"<summary>{SUMMARY}</summary>" in html and GOOD in html


def test_the_qa_manager_writes_what_a_grade_means_in_planning(client, qa_manager, version):
    scale = version.scale  # a draft tool's: no return made with it yet
    good = scale.grades.get(rank=2)
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client.force_login(qa_manager)
    assert "Shown to the auditors with the scale" in page_text(client.get(url))  # the field's help
    data = admin_form_data(client, url)
    data[f"{row_of(data, good.pk)}-description"] = GOOD

    assert client.post(url, data).status_code == 302
    good.refresh_from_db()
    assert good.description == GOOD


@pytest.mark.parametrize(("who", "status"), [("auditor", 302), ("lead_officer", 302), ("administrator", 403)])
def test_others_cannot_write_it(client, request, version, who, status):
    scale = version.scale
    good = scale.grades.get(rank=2)
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client.force_login(request.getfixturevalue("qa_manager"))
    data = admin_form_data(client, url)
    data[f"{row_of(data, good.pk)}-description"] = GOOD
    client.force_login(request.getfixturevalue(who))

    response = client.post(url, data)

    assert response.status_code == status  # the admin's sign-in for an app user; refused for the administrator
    good.refresh_from_db()
    assert good.description == ""
