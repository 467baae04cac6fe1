"""When a return was last changed by its auditor, as its read-only page says it ("Last changed by … on …"):
when they last saved it, not when a reviewer accepted it or returned it for amendment."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape

from audits.models import PartAReturn
from audits.selectors.parta import evidence_field
from audits.services.parta import return_accept, return_autosave, return_send_back
from audits.tests.parta_support import load

pytestmark = [pytest.mark.usefixtures("partnership")]

LONG = "j F Y, H:i"  # the read-only page's format


def submitted_days_ago(ret, days: int):
    """Move the submission (its time, and its history rows) `days` back: when the auditor last saved it."""
    when = timezone.now() - timedelta(days=days)
    PartAReturn.objects.filter(pk=ret.pk).update(submitted_at=when, updated_at=when)
    PartAReturn.history.filter(id=ret.pk).update(history_date=when)
    return when


def last_saved_line(html: str) -> str:
    start = html.index('data-testid="last-saved"')
    return html[start : html.index("</span>", start)]


def test_accepting_a_return_is_not_said_to_be_its_auditors_change(client_for, auditor, qa_manager, submitted):
    when = submitted_days_ago(submitted, 3)
    ret = load(submitted.pk)
    return_accept(user=qa_manager, ret=ret, based_on_version=ret.version)
    for who in ("qa_manager", "auditor"):
        html = client_for(who).get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
        line = last_saved_line(html)
        assert f"Last changed by {escape(str(auditor))} on {date_format(timezone.localtime(when), LONG)}." in line
        assert date_format(timezone.localtime(), "j F Y") not in line  # not the day it was accepted


def test_a_returned_return_says_when_its_auditor_last_saved_it(client_for, auditor, qa_manager, layout, submitted):
    when = submitted_days_ago(submitted, 3)
    ret = load(submitted.pk)
    return_send_back(user=qa_manager, ret=ret, based_on_version=ret.version, comment="Add the strategy meeting.")
    page = reverse("audits:return_review", args=[ret.pk])
    line = last_saved_line(client_for("qa_manager").get(page).content.decode())
    assert f"on {date_format(timezone.localtime(when), LONG)}." in line  # the submission, not the send-back

    # The auditor amends it: that save is the last change now.
    ret = load(ret.pk)
    outcome = return_autosave(
        user=auditor,
        ret=ret,
        layout=layout,
        based_on_version=ret.version,
        changes={evidence_field(layout.standards[0].pk): "Strategy meeting held the next day."},
    )
    line = last_saved_line(client_for("qa_manager").get(page).content.decode())
    assert f"on {date_format(timezone.localtime(outcome.ret.updated_at), LONG)}." in line
