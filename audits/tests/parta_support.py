"""Helpers the Part A tests share."""

from audits.models import PartAReturn


def load(pk: int) -> PartAReturn:
    """A return as the Part A pages load it, read afresh."""
    return PartAReturn.objects.select_related("audit", "case", "agency", "tool_version").get(pk=pk)
