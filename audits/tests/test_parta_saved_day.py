"""The form's status line, "Saved …", names the day the return was last saved when that was not today:
"Saved 14:05" on a draft opened days later said it was saved today."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from audits.models import PartAReturn
from audits.selectors.parta import evidence_field
from audits.services.parta import return_autosave

pytestmark = [pytest.mark.usefixtures("partnership")]


def test_the_form_names_the_day_a_return_was_saved_before_today(client_for, auditor, ret, layout):
    client = client_for("auditor")
    outcome = return_autosave(
        user=auditor,
        ret=ret,
        layout=layout,
        based_on_version=0,
        changes={evidence_field(layout.standards[0].pk): "Typed on Friday."},
    )
    page = reverse("audits:return_detail", args=[ret.pk])
    today = timezone.localtime(outcome.ret.updated_at)
    status = client.get(page).context["saved_time"]
    assert status == date_format(today, "H:i")  # today: the time alone

    earlier = timezone.now() - timedelta(days=3)
    PartAReturn.objects.filter(pk=ret.pk).update(updated_at=earlier)
    html = client.get(page).content.decode()
    local = timezone.localtime(earlier)
    assert f"Saved {date_format(local, 'j M Y')}, {date_format(local, 'H:i')}" in html
