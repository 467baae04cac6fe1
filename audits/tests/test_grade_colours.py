"""A grade's colour is its position in its own scale, everywhere: the heatmap, the evidence board, the
Part A return's page and the briefing (audits.grade_colours). A partnership's own scale, whatever its
codes, is coloured as the Ofsted one is; every grade of a scale of up to seven has a colour of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from audits.grade_colours import PALETTE, TINTS, grade_colour, grade_tone, grade_tone_class
from audits.models import AuditStatus, Grade, PartAReturn, Section
from audits.tests.partb_support import complete_return

STATIC = Path(settings.BASE_DIR) / "static" / "css"
DARK_TEXT = "#212529"


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# --- The rule -------------------------------------------------------------------------------------


def test_the_four_ofsted_grades_keep_the_colours_they_always_had():
    assert [grade_colour(i, 4) for i in range(4)] == ["#4caf50", "#aed581", "#ffb74d", "#e57373"]
    assert [grade_tone_class(i, 4) for i in range(4)] == [f"grade-tone-{t}" for t in (0, 2, 4, 6)]
    assert [TINTS[grade_tone(i, 4)] for i in range(4)] == ["#d1e7dd", "#e2f0d9", "#fff3cd", "#f8d7da"]


@pytest.mark.parametrize(
    "steps, colours",
    [
        (2, ["#4caf50", "#e57373"]),
        (3, ["#4caf50", "#ffd54f", "#e57373"]),
        (5, ["#4caf50", "#aed581", "#ffd54f", "#ffb74d", "#e57373"]),
    ],
)
def test_scales_of_two_three_and_five_grades_keep_their_heatmap_colours(steps, colours):
    assert [grade_colour(i, steps) for i in range(steps)] == colours


@pytest.mark.parametrize("steps", range(2, 8))
def test_every_grade_of_a_scale_of_up_to_seven_has_a_colour_of_its_own_in_order(steps):
    """A six-grade scale drew its 3rd and 4th grades alike (#ffd54f) from a palette of five."""
    tones = [grade_tone(i, steps) for i in range(steps)]
    assert tones == sorted(tones) and len(set(tones)) == steps
    assert tones[0] == 0 and tones[-1] == len(PALETTE) - 1  # the best and the worst at the ends
    assert len({grade_colour(i, steps) for i in range(steps)}) == steps


def test_dark_text_reads_on_every_colour_and_tint():
    for colour in PALETTE + TINTS:
        assert _contrast(DARK_TEXT, colour) >= 4.5, colour


@pytest.mark.parametrize(
    "css, rule",
    [
        ("app.css", r"\.grade-tone-{t} \{{ background-color: {c}; \}}"),
        ("app.css", r"td\.grade-tone-{t} \{{ --bs-table-bg: {c}; \}}"),
        ("briefing-pdf.css", r"\.briefing-doc \.grade-tone-{t} \{{ background: {c}; \}}"),
    ],
)
def test_the_stylesheets_colour_each_tone_with_its_tint(css, rule):
    text = (STATIC / css).read_text()
    for tone, tint in enumerate(TINTS):
        assert re.search(rule.format(t=tone, c=tint), text), (css, tone)


# --- A partnership's own scale on the pages --------------------------------------------------------


@pytest.fixture
def own_scale(audit):
    """The audit's scale made the partnership's own, three grades: Good enough, Adequate, Poor."""
    scale_id = audit.tool_version.scale_id
    Grade.objects.filter(scale_id=scale_id, rank=4).delete()
    for rank, code, label in [(1, "good-enough", "Good enough"), (2, "adequate", "Adequate"), (3, "poor", "Poor")]:
        Grade.objects.filter(scale_id=scale_id, rank=rank).update(code=code, label=label)
    return audit


def _returns(audit):
    return {(r.case.reference, r.agency.short_name): r for r in PartAReturn.objects.filter(audit=audit)}


def test_the_evidence_board_colours_a_partnerships_own_grades_by_their_place_in_the_scale(
    client, qa_manager, own_scale
):
    own_scale.status = AuditStatus.PART_B
    own_scale.save()
    returns = _returns(own_scale)
    complete_return(returns["Case 1", "Police"], ranks=1)
    complete_return(returns["Case 1", "CSW"], ranks=[2, 3])
    case = own_scale.cases.get(reference="Case 1")
    client.force_login(qa_manager)

    html = client.get(reverse("audits:evidence_board", args=[own_scale.slug, case.pk])).content.decode()

    cells = re.findall(r'<td class="(board-cell[^"]*)"[^>]*>\s*<span class="grade-label">([^<]+)</span>', html)
    tones = {label: {c for c in css.split() if c.startswith("grade-")} for css, label in cells}
    assert tones == {"Good enough": {"grade-tone-0"}, "Adequate": {"grade-tone-3"}, "Poor": {"grade-tone-6"}}
    # Each agency's overall grade too.
    assert '<span class="grade-label grade-tone-0">Good enough</span>' in html
    assert '<span class="grade-label grade-tone-3">Adequate</span>' in html


def test_the_part_a_return_page_colours_a_partnerships_own_grades(client, qa_manager, own_scale):
    ret = complete_return(_returns(own_scale)["Case 1", "Police"], ranks=[3, 1])
    client.force_login(qa_manager)

    html = client.get(reverse("audits:return_detail", args=[ret.pk])).content.decode()

    assert '<span class="badge grade-badge grade-tone-6">Poor</span>' in html
    assert '<span class="badge grade-badge grade-tone-0">Good enough</span>' in html
    assert "grade-poor" not in html and "grade-good-enough" not in html


def test_the_board_numbers_its_stages_one_to_n_as_part_a_does(client, qa_manager, audit):
    """Stages ordered 10, 20, 30… were headed "10. Response" on the board and "1. Response" in Part A."""
    for i, section in enumerate(Section.objects.filter(version_id=audit.tool_version_id).order_by("order")):
        section.order = (i + 1) * 10
        section.save(update_fields=["order"])
    audit.status = AuditStatus.PART_B
    audit.save()
    case = audit.cases.get(reference="Case 1")
    client.force_login(qa_manager)

    html = client.get(reverse("audits:evidence_board", args=[audit.slug, case.pk])).content.decode()

    headings = re.findall(r'<h2 class="h4" id="stage-heading-\d+">([^<]+)</h2>', html)
    assert headings == ["1. Response", "2. Assessment", "3. Planning", "4. Intervention", "5. Protection"]
