"""An agency changed in Administration is in the access log with each field as it was → as it is now, as a
person's changes are: renamed, the log says which agency it was, not only its new name."""

import pytest
from django.urls import reverse

from agencies.models import AccessRecord, Agency, Sector

pytestmark = pytest.mark.django_db


def changes_of(agency) -> list[str]:
    records = AccessRecord.objects.filter(object_type="agencies.agency", object_id=str(agency.pk)).order_by("pk")
    return [record.summary for record in records]


def test_an_agency_renamed_is_recorded_with_its_old_name(signed_in):
    agency = Agency.objects.create(name="Sussex Constabulary", short_name="Police", sector=Sector.POLICE)
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    form = {"name": "Sussex Police", "short_name": "Police", "sector": Sector.POLICE, "lead_email": ""}

    assert signed_in.post(url, form).status_code == 302
    assert signed_in.post(url, {**form, "lead_email": "lead@police.example.org"}).status_code == 302

    assert changes_of(agency) == [
        "Administration: changed agency Sussex Police: name Sussex Constabulary → Sussex Police",
        "Administration: changed agency Sussex Police: lead's e-mail none → lead@police.example.org",
    ]


def test_saved_unchanged_it_says_so_as_before(signed_in):
    agency = Agency.objects.create(name="Sussex Police", short_name="Police", sector=Sector.POLICE)
    form = {"name": "Sussex Police", "short_name": "Police", "sector": Sector.POLICE, "lead_email": ""}
    assert signed_in.post(reverse("admin:agencies_agency_change", args=[agency.pk]), form).status_code == 302
    assert changes_of(agency) == ["Administration: changed agency Sussex Police: No fields changed."]
