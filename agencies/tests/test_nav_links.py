"""The addresses of the menu and the base template (agencies.context_processors.links): worked out once a
process instead of on every page, and the same as {% url %} and {% static %} give, under a script
prefix too."""

from unittest import mock

import django.urls
import pytest
from django.templatetags.static import static
from django.urls import reverse, set_script_prefix

from agencies.context_processors import NAV_URLS, STATIC_FILES

MENU = ("home", "audits:audit_list", "audits:insights_trends", "access_log", "admin:index", "profile", "logout")


@pytest.fixture
def page(client, qa_manager):
    client.force_login(qa_manager)

    def get() -> str:
        response = client.get("/accounts/profile/")  # not reverse(): no script prefix in the path asked for
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_the_menu_and_the_assets_are_at_their_addresses(page):
    html = page()
    for view in MENU:
        assert f'"{reverse(view)}"' in html, view
    for path in STATIC_FILES.values():
        assert f'"{static(path)}"' in html, path


def test_under_a_script_prefix_the_menu_carries_it(page):
    page()  # worked out without a prefix first
    set_script_prefix("/portal/")
    try:
        html = page()
    finally:
        set_script_prefix("/")
    assert 'href="/portal/accounts/profile/"' in html
    assert 'action="/portal/accounts/logout/"' in html
    assert 'href="/accounts/profile/"' not in html
    assert 'href="/accounts/profile/"' in page()


def test_a_page_does_not_work_the_menu_out_again(page):
    page()
    with mock.patch.object(django.urls, "reverse", wraps=django.urls.reverse) as reversing:
        page()
    asked = {call.args[0] for call in reversing.call_args_list if call.args}
    assert not asked & set(NAV_URLS.values())
