"""Feedback keeps the agency its writer worked for when they wrote it: the QA manager's feedback page
says where it came from, not where the reader works now."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from briefings.models import Edition, Feedback

from .test_feedback import briefing as briefing  # noqa: F401 - the published practitioners' briefing (a fixture)
from .test_feedback import send

pytestmark = pytest.mark.django_db


def _from_cell(html: str) -> str:
    table = html[html.index('data-testid="feedback-table"') :]
    row = table[table.index("<tbody>") :]
    return row[: row.index("</tr>")]


def test_feedback_shows_the_agency_of_its_writer_when_they_wrote_it(
    client, practitioner, qa_manager, briefing, agency_a
):
    client.force_login(practitioner)
    assert send(client, briefing, "Clear and useful.").status_code == 302
    assert Feedback.objects.get(briefing=briefing).agency == practitioner.agency  # Youth Service

    practitioner.agency = agency_a  # moved to Sussex Police since
    practitioner.save()
    client.force_login(qa_manager)
    page = client.get(reverse("briefings:feedback_list", args=[briefing.audit.slug, Edition.PRACTITIONERS]))

    row = _from_cell(page.content.decode())
    assert "Youth" in row and "Police" not in row


def test_the_migration_fills_the_agency_of_earlier_feedback_from_its_writer(practitioner, briefing):
    earlier = Feedback.objects.create(briefing=briefing, user=practitioner, rating=3)
    anonymous = Feedback.objects.create(briefing=briefing, user=None, rating=4)
    migration = importlib.import_module("briefings.migrations.0005_feedback_agency")

    migration.agency_from_writer(apps, None)

    earlier.refresh_from_db()
    anonymous.refresh_from_db()
    assert earlier.agency == practitioner.agency and anonymous.agency is None
