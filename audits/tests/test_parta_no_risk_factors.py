"""A new partnership's first Part A return (the onboarding review): while the partnership's list of risk
factors (Planning, Risk factors) is empty, the form's "Risk factors seen" says there are none to tick, instead
of a heading over nothing for the auditor to wonder at."""

import pytest
from django.urls import reverse

from audits.models import RiskFactor
from audits.tests.admin_support import page_text
from audits.tests.factories import RiskFactorFactory

pytestmark = [pytest.mark.usefixtures("partnership")]

NONE = "None to tick: the partnership has not listed any yet."


def test_an_empty_list_of_risk_factors_is_said(client_for, ret):
    RiskFactor.objects.all().delete()
    text = page_text(client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])))
    assert "Risk factors seen" in text and NONE in text


def test_a_list_with_risk_factors_is_ticked_as_before(client_for, ret):
    RiskFactorFactory(name="Going missing")
    response = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk]))
    assert NONE not in page_text(response)
    assert 'name="risk_factors"' in response.content.decode() and "Going missing" in page_text(response)
