"""A finding moved up or down from a findings page opened before the list changed (in another tab, or by
the audit's other editor): the move form posts the place it showed and the neighbour it is to swap with,
and when either changed since, nothing is moved and the page says so, showing the list as it is now."""

import pytest
from django.urls import reverse

from agencies.models import AccessRecord
from audits.models import Finding, FindingKind
from audits.services.partb import finding_add
from audits.tests.partb_pages import page_form, signed_in

pytestmark = pytest.mark.django_db

CHANGED = "The list had changed since you opened the page: nothing was moved. Here it is as it is now."
KIND = FindingKind.KEY_MESSAGE


def order() -> list[str]:
    return list(Finding.objects.filter(kind=KIND).order_by("order").values_list("heading", flat=True))


def move_form(page: str, finding: Finding) -> dict:
    """The move form the findings page shows for `finding` (its hidden fields, without the button)."""
    item = page[page.index(f'id="finding-{finding.pk}"') :]
    return page_form(item[: item.index("</li>")], "csrfmiddlewaretoken")


@pytest.fixture
def abc(part_b, qa_manager):
    return [finding_add(user=qa_manager, audit=part_b, kind=KIND, heading=h) for h in "ABC"]


def findings_page(client, audit) -> str:
    return client.get(reverse("audits:findings", args=[audit.slug])).content.decode()


def move(client, audit, finding, form, direction):
    url = reverse("audits:finding_move", args=[audit.slug, finding.pk])
    return client.post(url, {**form, "direction": direction}, follow=True)


def test_a_move_from_the_page_as_it_is_moves_the_item(part_b, abc, qa_manager):
    qa = signed_in(qa_manager)
    a, b, c = abc
    response = move(qa, part_b, c, move_form(findings_page(qa, part_b), c), "up")
    assert response.status_code == 200 and CHANGED not in response.content.decode()
    assert order() == ["A", "C", "B"]
    # Somebody adds a finding at the end meanwhile: the places shown above it are still right.
    page = findings_page(qa, part_b)
    finding_add(user=qa_manager, audit=part_b, kind=KIND, heading="D")
    move(qa, part_b, a, move_form(page, a), "down")
    assert order() == ["C", "A", "B", "D"]
    assert sorted(Finding.objects.filter(kind=KIND).values_list("order", flat=True)) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("other_move", "mine", "direction"),
    [
        # The other tab moved C up (A, C, B): B, shown second, is now third; "up" would swap it with C.
        (("C", "up"), "B", "up"),
        # The other tab moved A down (B, A, C): C is still third, but "up" would swap it with A, not B.
        (("A", "down"), "C", "up"),
        # The other tab moved B down (A, C, B): A is still first, but "down" would swap it with C.
        (("B", "down"), "A", "down"),
    ],
)
def test_a_move_from_a_page_opened_before_the_list_changed_moves_nothing(
    part_b, abc, qa_manager, lead_officer, other_move, mine, direction
):
    by_heading = {f.heading: f for f in abc}
    qa, lead = signed_in(qa_manager), signed_in(lead_officer)
    page = findings_page(qa, part_b)
    theirs, their_direction = other_move
    move(lead, part_b, by_heading[theirs], move_form(findings_page(lead, part_b), by_heading[theirs]), their_direction)
    now = order()
    assert now != ["A", "B", "C"]
    changes = AccessRecord.objects.filter(summary__startswith="Finding moved").count()

    response = move(qa, part_b, by_heading[mine], move_form(page, by_heading[mine]), direction)
    page = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(
        reverse("audits:findings", args=[part_b.slug]) + f"#finding-{by_heading[mine].pk}"
    )
    assert CHANGED in page
    assert order() == now  # nothing moved
    assert AccessRecord.objects.filter(summary__startswith="Finding moved").count() == changes
    # The page shows the list as it is now, and its forms move from there.
    assert [page.index(f'id="finding-{by_heading[h].pk}"') for h in now] == sorted(
        page.index(f'id="finding-{by_heading[h].pk}"') for h in now
    )
    move(qa, part_b, by_heading[mine], move_form(page, by_heading[mine]), direction)
    assert order() != now
