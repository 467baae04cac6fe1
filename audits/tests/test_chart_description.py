"""The heatmap's text for screen readers (audits.charts._describe, the chart's <desc>) says who gave grades:
an agency with no involvement in any case is a column of empty cells, not one of the agencies that gave."""

from types import SimpleNamespace

from audits.charts import _describe
from audits.selectors.partb import DistributionCell, GradeDistribution


def distribution(agency_counts: list[list[int]], standards: int = 1) -> GradeDistribution:
    grades = [SimpleNamespace(label="Good", rank=1), SimpleNamespace(label="Inadequate", rank=2)]
    agencies = [SimpleNamespace(name=f"Agency {i}") for i in range(len(agency_counts))]
    rows = [
        (
            SimpleNamespace(code=f"S{n}"),
            [DistributionCell(agency=a, counts=c) for a, c in zip(agencies, agency_counts, strict=True)],
        )
        for n in range(standards)
    ]
    return GradeDistribution(audit=SimpleNamespace(title="CSE 2017"), grades=grades, agencies=agencies, rows=rows)


def test_an_agency_that_graded_nothing_is_not_counted_among_those_that_gave_grades():
    said = _describe(distribution([[2, 1], [0, 0], [1, 0]], standards=3))
    assert said.startswith(
        "Heatmap of the grades 2 of the 3 agencies gave to 3 standards across the cases of CSE 2017."
    )
    assert "12 graded answers in all: Good 9, Inadequate 3." in said


def test_one_agency_and_one_standard_are_said_in_the_singular():
    said = _describe(distribution([[1, 0]]))
    assert said.startswith("Heatmap of the grades 1 agency gave to 1 standard across the cases of CSE 2017.")


def test_every_agency_giving_grades_is_said_as_before():
    said = _describe(distribution([[1, 0], [0, 1]], standards=2))
    assert said.startswith("Heatmap of the grades 2 agencies gave to 2 standards across")
