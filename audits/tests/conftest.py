"""Fixtures the audits tests share (the cast and the `audit` are in the project's conftest.py)."""

import pytest

from agencies.models import Partnership
from audits.models import Audit, AuditStatus, AuditTool, PartAReturn, ToolVersion
from audits.selectors.parta import tool_layout
from audits.services.parta import return_submit
from audits.tests.factories import make_scale, make_tool_version
from audits.tests.parta_support import complete, load
from audits.tests.partb_support import complete_return


@pytest.fixture
def partnership(db):
    # base.html reads the partnership settings on every page: make the row exist, so that page
    # query counts do not include creating it.
    return Partnership.load()


@pytest.fixture
def layout(audit):
    return tool_layout(audit.tool_version)


@pytest.fixture
def ret(audit, auditor):
    """The cast auditor's return for Case 1."""
    return load(PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 1").pk)


@pytest.fixture
def submitted(auditor, ret, layout):
    """`ret`, completed and submitted by the cast auditor (version 1)."""
    assert return_submit(user=auditor, ret=ret, layout=layout, based_on_version=0, changes=complete(layout)).submitted
    return load(ret.pk)


@pytest.fixture
def part_b(audit):
    """The cast's audit, moved on to Part B."""
    audit.status = AuditStatus.PART_B
    audit.save()
    return audit


@pytest.fixture
def version(db):
    """A draft tool version (nobody has answered it): 4 standards over 2 stages."""
    return make_tool_version(standards=4, sections=2)


@pytest.fixture
def empty_version(db):
    """A new tool's first version, with no stages yet."""
    tool = AuditTool.objects.create(name="CSE audit tool")
    return ToolVersion.objects.create(tool=tool, number=1, scale=make_scale())


@pytest.fixture
def same_words(audit) -> tuple[PartAReturn, PartAReturn]:
    """Case 1's two returns in Part B, each with the same strengths (SAME of test_partb_promote_same_wording)."""
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    first, second = (
        PartAReturn.objects.select_related("case", "audit", "agency")
        .filter(audit=audit, case__reference="Case 1")
        .order_by("agency__short_name")
    )
    for ret in (first, second):
        complete_return(ret, ranks=1, strengths="Information was shared with the other agencies the same day.")
    return first, second
