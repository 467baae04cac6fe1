"""An administrator who is not a superuser does not change their own account's e-mail address in
Administration → Users, as they do not change their own role, agency or board access: My recommendations
reads the recommendations whose reminders go to the signed-in account's address, so an administrator (who
reads no case content and no tracker) giving their own account an owner's address, one outside the
partnership with no account of its own, read that owner's recommendations and evidence of impact, with
nobody told but themselves (the notice goes to the old address, their own). Another administrator still
changes it, the old address told; a superuser still changes their own."""

import pytest
from django.urls import reverse

from agencies.models import Role
from agencies.tests.factories import UserFactory
from audits.models import AuditStatus
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in

pytestmark = pytest.mark.django_db
OWNER = "ext.owner@nhs.example.org"


def _posted(client, person, **changes) -> dict:
    """The person's page as the administrator's browser sends it back, with `changes`."""
    form = client.get(reverse("admin:agencies_user_change", args=[person.pk])).context["adminform"].form
    data = {"date_joined_0": "2026-01-05", "date_joined_1": "09:00:00"}
    data["initial-date_joined_0"], data["initial-date_joined_1"] = data["date_joined_0"], data["date_joined_1"]
    for name, field in form.fields.items():
        if name in ("date_joined", "last_login", "password", "groups", "user_permissions"):
            continue
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = getattr(value, "pk", value) if value is not None else ""
    return {**data, **changes}


@pytest.fixture
def owners_recommendation():
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="Neglect audit")
    return RecommendationFactory(
        audit=audit, text="Review the strategy meeting minutes", owner_email=OWNER, impact_evidence="Minutes audited"
    )


def test_an_administrator_does_not_give_their_own_account_an_owners_address(client, owners_recommendation):
    administrator = UserFactory(username="bea.support", role=Role.ADMINISTRATOR, agency=None, email="bea@scp.example")
    client.force_login(administrator)
    url = reverse("admin:agencies_user_change", args=[administrator.pk])
    response = client.post(url, _posted(client, administrator, email=OWNER, first_name="Beatrice"))
    assert response.status_code == 302
    administrator.refresh_from_db()
    assert administrator.first_name == "Beatrice"  # the rest of their own page is saved
    assert administrator.email == "bea@scp.example"
    html = client.get(reverse("audits:my_recommendations")).content.decode()
    assert "Review the strategy meeting minutes" not in html and "Minutes audited" not in html


def test_another_administrator_and_a_superuser_still_change_it(client, owners_recommendation, agency_a):
    administrator = UserFactory(username="bea.support", role=Role.ADMINISTRATOR, agency=None, email="bea@scp.example")
    colleague = UserFactory(username="sam", role=Role.MANAGER, agency=agency_a, email="sam@police.example")
    client.force_login(administrator)
    url = reverse("admin:agencies_user_change", args=[colleague.pk])
    assert client.post(url, _posted(client, colleague, email="sam.new@police.example")).status_code == 302
    colleague.refresh_from_db()
    assert colleague.email == "sam.new@police.example"

    root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:agencies_user_change", args=[root.pk])
    assert client.post(url, _posted(client, root, email="root.new@scp.example")).status_code == 302
    root.refresh_from_db()
    assert root.email == "root.new@scp.example"
