"""A new partnership's QA manager adding the first tool version (the onboarding review): its Scale, an empty
list until a scale is made, says what a scale is and how to make one (the + beside the list), which was an
unlabelled icon."""

import pytest
from django.urls import reverse

from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db


def test_the_scale_of_a_new_version_says_how_to_make_one(client, qa_manager):
    client.force_login(qa_manager)
    page = client.get(reverse("admin:audits_toolversion_add"))
    text = page_text(page)
    assert "None in the list yet? “Add another grade scale”, the + beside it, makes one" in text
    assert reverse("admin:audits_gradescale_add") in page.content.decode()  # the + itself, Django's
