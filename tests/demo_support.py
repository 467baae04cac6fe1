"""The demo partnership for browser tests that work on one of its returns."""

from io import StringIO

from django.core.management import call_command

DEMO_AUDIT = "bh-cse-2015"  # Brighton and Hove's CSE audit, open in Part A in the demo


def demo_police_return(settings):
    """Load the demo (in demo mode, as `make demo` does) and give Sussex Police's return for Case 1 of
    Brighton and Hove's audit, which auditor.police (password demo) completes; not started in the demo."""
    from audits.models import PartAReturn

    settings.DEMO = True
    call_command("load_demo", stdout=StringIO())
    return PartAReturn.objects.select_related("tool_version", "agency", "case").get(
        audit__slug=DEMO_AUDIT, case__reference="Case 1", agency__staff__username="auditor.police"
    )
