"""The partnership's settings page takes the closure days one per line, as a date or a range, saved in order of
date as 29/12/2026 or 29/12/2026 to 31/12/2026; a line that is not one is named on the field and nothing is saved,
what was typed kept."""

import datetime as dt

import pytest

from agencies.models import Partnership
from audits.tests.admin_support import admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    return f"/admin/agencies/partnership/{Partnership.load().pk}/change/"


def test_closure_days_are_saved_in_order_of_date_as_one_format(signed_in, url):
    data = admin_form_data(signed_in, url)
    data["closure_days"] = "4/1/2027\r\n2026-12-29 – 2026-12-31\r\n\r\n"

    response = signed_in.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    Partnership.clear_cache()
    saved = Partnership.load()
    assert saved.closure_days == "29/12/2026 to 31/12/2026\n04/01/2027"
    assert saved.closure_dates == {
        dt.date(2026, 12, 29),
        dt.date(2026, 12, 30),
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 4),
    }


def test_a_line_that_is_not_a_date_is_named_and_nothing_is_saved(signed_in, url):
    data = admin_form_data(signed_in, url)
    data["closure_days"] = "29/12/2026\nChristmas week"
    data["short_name"] = "NSCP"

    response = signed_in.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["closure_days"]
    assert errors == [
        "“Christmas week” is not a date: write each closure day as 29/12/2026, or a range as 29/12/2026 to 31/12/2026."
    ]
    assert "Christmas week" in response.content.decode()  # what was typed, kept
    Partnership.clear_cache()
    assert Partnership.load().closure_days == "" and Partnership.load().short_name != "NSCP"
