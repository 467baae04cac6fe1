"""A new partnership's QA manager making the first grade scale (the onboarding review): each grade's Rank
says which way the scale runs, 1 the best. Typed from the worst grade up, the scale was saved without a word,
and the pages, charts and briefings then coloured its worst grade as its best."""

import pytest
from django.urls import reverse

from audits.tests.factories import make_scale

pytestmark = pytest.mark.django_db

SAID = "1 is the best grade, 2 the next best, and so on."


def test_a_new_grades_rank_says_one_is_the_best(client, qa_manager):
    client.force_login(qa_manager)
    page = client.get(reverse("admin:audits_gradescale_add"))
    empty = page.context["inline_admin_formsets"][0].formset.empty_form
    assert empty.fields["rank"].help_text == f"{SAID} Leave it empty to put it after the others."
    assert SAID in page.content.decode()


def test_a_saved_grades_rank_says_so_too(client, qa_manager):
    scale = make_scale()
    client.force_login(qa_manager)
    page = client.get(reverse("admin:audits_gradescale_change", args=[scale.pk]))
    forms = page.context["inline_admin_formsets"][0].formset.forms
    assert len(forms) == scale.grades.count()
    assert all(form.fields["rank"].help_text == SAID for form in forms)  # to be numbered: not left empty
