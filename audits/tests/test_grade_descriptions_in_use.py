"""What each grade means, written on a scale already in use (Part A returns were made with a tool version on it):
its grades keep their rank, label and code, and none is added or removed, but what each means can still be
written in Planning. A partnership whose scale was in use before grades could say it found every grade
read-only, and no way to tell its auditors."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from agencies.models import AccessRecord
from audits.models import ToolVersion
from audits.tests.admin_support import admin_form_data, opened, page_text, row_of
from audits.tests.factories import make_scale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("partnership")]

GOOD = "Practice is effective: risks are recognised and acted on in good time."
WHY = "Only what each grade means can be changed: Part A returns were made with a tool version on this scale"


def grades(scale) -> list[tuple]:
    return list(scale.grades.order_by("rank").values_list("pk", "rank", "label", "code"))


def test_the_qa_manager_writes_what_a_grade_means_on_a_scale_in_use(client, qa_manager, client_for, audit, ret):
    scale = audit.tool_version.scale  # returns were made with it
    good = scale.grades.get(rank=2)
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client.force_login(qa_manager)
    page = client.get(url)
    html = page.content.decode()
    assert page.context["has_change_permission"] and WHY in page_text(page)  # and why only that
    assert 'name="grades-0-description"' in html
    assert 'name="grades-0-label"' not in html and 'name="grades-0-rank"' not in html  # read-only as before
    assert 'name="name"' not in html and "grades-0-DELETE" not in html
    data = admin_form_data(client, url)
    data[f"{row_of(data, good.pk)}-description"] = GOOD

    assert client.post(url, data).status_code == 302
    good.refresh_from_db()
    assert good.description == GOOD and (good.rank, good.label) == (2, "Good")
    # Recorded as the scale's other changes are: the admin's history and the access log.
    entry = LogEntry.objects.get(object_id=str(scale.pk), content_type__model="gradescale")
    assert "what it means" in entry.get_change_message().lower()
    assert AccessRecord.objects.filter(user=qa_manager, summary=f"Planning: changed {scale}").exists()
    html = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    assert 'data-testid="grade-meanings"' in html and GOOD in html


def test_a_post_changing_a_grade_of_a_scale_in_use_saves_only_what_it_means(client, qa_manager, audit):
    scale = audit.tool_version.scale
    before = grades(scale)
    best, good = scale.grades.order_by("rank")[:2]
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client.force_login(qa_manager)
    data = admin_form_data(client, url)
    row, other = row_of(data, good.pk), row_of(data, best.pk)
    total = int(data["grades-TOTAL_FORMS"])
    data |= {
        f"{row}-description": GOOD,
        f"{row}-label": "Very good",  # what the page shows read-only, posted all the same
        f"{row}-rank": "1",
        f"{row}-code": "very-good",
        f"{other}-rank": "2",
        f"{other}-DELETE": "on",  # a grade removed
        "grades-TOTAL_FORMS": str(total + 1),  # and one added
        f"grades-{total}-rank": "5",
        f"grades-{total}-label": "Exceptional",
        f"grades-{total}-code": "exceptional",
    }

    client.post(url, data)

    assert grades(scale) == before  # no rank, label or code changed, no grade added or removed
    good.refresh_from_db()
    assert good.description == GOOD  # what it means is saved


def test_a_page_opened_before_the_scale_was_in_use_is_refused_if_it_changed_more(client, qa_manager, audit):
    scale = make_scale("The partnership's own scale")  # not in use yet
    good = scale.grades.get(rank=2)
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client, mine = opened(qa_manager, url)
    assert 'name="name"' in client.get(url).content.decode()  # the page of a scale not in use
    row = row_of(mine, good.pk)
    ToolVersion.objects.filter(pk=audit.tool_version_id).update(scale=scale)  # now in use

    response = client.post(url, mine | {f"{row}-label": "Very good", f"{row}-description": GOOD})

    assert response.status_code == 409
    said = page_text(response)
    assert "Not saved: Part A returns have been made with a tool version on this scale since you opened" in said
    assert "You typed: Grade “Good”, Label: “Very good”" in said and GOOD in said  # to copy
    good.refresh_from_db()
    assert (good.label, good.description) == ("Good", "")
    # The same page changing only what a grade means is saved: that can still change.
    assert client.post(url, mine | {f"{row}-description": GOOD}).status_code == 302
    good.refresh_from_db()
    assert (good.label, good.description) == ("Good", GOOD)


def test_only_the_qa_manager_writes_it_on_a_scale_in_use(client, request, audit):
    scale = audit.tool_version.scale
    good = scale.grades.get(rank=2)
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client.force_login(request.getfixturevalue("qa_manager"))
    data = admin_form_data(client, url)
    data[f"{row_of(data, good.pk)}-description"] = GOOD
    for who, status in [("auditor", 302), ("lead_officer", 302), ("administrator", 403)]:
        client.force_login(request.getfixturevalue(who))
        assert client.post(url, data).status_code == status, who  # the admin's sign-in; refused
        good.refresh_from_db()
        assert good.description == "", who

    client.force_login(request.getfixturevalue("qa_manager"))
    assert client.post(url, data).status_code == 302
    good.refresh_from_db()
    assert good.description == GOOD


def test_two_pages_writing_what_the_same_grade_means_on_a_scale_in_use_keep_the_first(qa_manager, audit):
    """The scale's row lock and the page's record of what it showed (LockedWhileSaved, ShownFieldsForm) still
    stand: the second page does not undo the first unseen."""
    scale = audit.tool_version.scale
    good = scale.grades.get(rank=2)
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client, mine = opened(qa_manager, url)
    _, theirs = opened(qa_manager, url)
    key = f"{row_of(theirs, good.pk)}-description"
    assert client.post(url, theirs | {key: GOOD}).status_code == 302

    response = client.post(url, mine | {key: "Good enough."})

    assert response.status_code == 200
    assert f"Changed by somebody else since you opened this page: it is now {GOOD}" in page_text(response)
    good.refresh_from_db()
    assert good.description == GOOD
