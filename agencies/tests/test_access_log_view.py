import pytest
from django.urls import reverse

from agencies.models import AccessAction
from agencies.services import access_record
from conftest import CAST

ALLOWED = {"qa_manager", "administrator"}


@pytest.mark.parametrize("who", CAST)
def test_only_qa_manager_and_administrator_search_the_access_log(client_for, audit, who):
    response = client_for(who).get(reverse("access_log"))
    if who == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == (200 if who in ALLOWED else 404)


def test_search_filters_by_person_and_action(client_for, audit, auditor, other_auditor):
    access_record(user=auditor, action=AccessAction.VIEW, object_type="audits.partareturn", object_id="11")
    access_record(user=other_auditor, action=AccessAction.REFUSED, object_type="audits.partareturn", object_id="12")
    client = client_for("qa_manager")

    page = client.get(reverse("access_log"), {"q": "auditor.b"}).context["page"]
    assert [r.object_id for r in page] == ["12"]
    page = client.get(reverse("access_log"), {"action": "view"}).context["page"]
    assert [r.object_id for r in page] == ["11"]


def test_access_log_page_costs_the_same_queries_with_more_records(
    client_for, audit, auditor, django_assert_num_queries
):
    client = client_for("qa_manager")
    for n in range(3):
        access_record(user=auditor, action=AccessAction.VIEW, object_type="x", object_id=str(n))
    client.get(reverse("access_log"))  # warm the session
    # user, count, the page of records: 3. The session and the partnership settings are read from
    # the cache; the session is saved at most once a minute and keeps the user's assignments for
    # the navigation.
    with django_assert_num_queries(3) as small:
        client.get(reverse("access_log"))
    for n in range(60):
        access_record(user=auditor, action=AccessAction.VIEW, object_type="x", object_id=str(n))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("access_log"))
