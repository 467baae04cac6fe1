"""Administration and Planning (Django's admin) name the portal's icon, as the portal's own pages do: without
it the browser asked for /favicon.ico on a first visit, which is not found, and the application's log had a
"Not Found: /favicon.ico" warning for it (the onboarding review)."""

import pytest
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["it_admin", "qa_manager"])
def test_the_admin_pages_name_the_portals_icon(client, request, who):
    client.force_login(request.getfixturevalue(who))
    html = client.get("/admin/").content.decode()
    assert f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in html
