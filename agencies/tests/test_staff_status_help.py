"""A person's page says what staff status does in this portal: Django's "Designates whether the user can
log into this admin site" was not true of a QA manager, who opens Planning by the role without it."""

import pytest
from django.urls import reverse

from agencies.models import Role
from agencies.tests.factories import UserFactory
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

SAID = "A QA manager opens Planning by the role, without it; managers and practitioners need none."
DJANGOS = "Designates whether the user can log into this admin site."


@pytest.mark.parametrize("superuser", [True, False])
def test_a_persons_page_says_what_staff_status_is_for_here(client, it_admin, qa_manager, superuser):
    if superuser:
        root = UserFactory(username="root", role=Role.ADMINISTRATOR, agency=None, is_superuser=True, is_staff=True)
        client.force_login(root)
    else:  # the field is shown read-only
        client.force_login(it_admin)
    page = client.get(reverse("admin:agencies_user_change", args=[qa_manager.pk]))
    form = page.context["adminform"].form
    assert ("is_staff" in form.fields) is superuser
    text = page_text(page)
    assert SAID in text and DJANGOS not in text
