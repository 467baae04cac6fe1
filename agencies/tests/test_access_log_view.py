import pytest
from django.urls import reverse

from agencies.models import AccessAction, AccessRecord
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
    # user, the people and the audits the filters offer, count, the page of records with their
    # audits: 5. The session and the partnership settings are read from the cache; the session is
    # saved at most once a minute and keeps the user's assignments for the navigation.
    with django_assert_num_queries(5) as small:
        client.get(reverse("access_log"))
    for n in range(60):
        access_record(user=auditor, action=AccessAction.VIEW, object_type="x", object_id=str(n))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("access_log"))


def _records_with_summaries(qa_manager, it_admin):
    """A record about a finding (its summary names what the finding says) and one about a person."""
    access_record(
        user=qa_manager,
        action=AccessAction.CHANGE,
        object_type="audits.finding",
        object_id="7",
        summary="Finding added: Mother's new partner not checked",
    )
    access_record(
        user=it_admin, action=AccessAction.CHANGE, object_type="agencies.user", object_id="8", summary="Access changed"
    )


def test_the_administrator_reads_the_log_without_what_records_about_case_content_say(client_for, qa_manager, cast):
    _records_with_summaries(qa_manager, cast["administrator"])

    page = client_for("administrator").get(reverse("access_log")).content.decode()

    assert "audits.finding 7" in page and "qa" in page  # who, and what kind of object
    assert "Mother" not in page
    assert "Access changed" in page
    qa_page = client_for("qa_manager").get(reverse("access_log")).content.decode()
    assert "Finding added: Mother&#x27;s new partner not checked" in qa_page


def test_the_administrators_search_does_not_look_into_those_summaries(client_for, qa_manager, cast):
    _records_with_summaries(qa_manager, cast["administrator"])

    found = client_for("administrator").get(reverse("access_log"), {"q": "partner not checked"}).context["page"]
    assert list(found) == []
    found = client_for("administrator").get(reverse("access_log"), {"q": "Access changed"}).context["page"]
    assert [r.object_id for r in found] == ["8"]
    found = client_for("qa_manager").get(reverse("access_log"), {"q": "partner not checked"}).context["page"]
    assert [r.object_id for r in found] == ["7"]


def test_nor_does_the_access_log_in_the_admin(client, qa_manager, administrator):
    from django.contrib.auth.models import Permission

    administrator.user_permissions.add(Permission.objects.get(codename="view_accessrecord"))
    _records_with_summaries(qa_manager, administrator)
    client.force_login(administrator)

    listing = client.get(reverse("admin:agencies_accessrecord_changelist")).content.decode()
    searched = client.get(reverse("admin:agencies_accessrecord_changelist"), {"q": "partner"})
    record = AccessRecord.objects.get(object_type="audits.finding")
    detail = client.get(reverse("admin:agencies_accessrecord_change", args=[record.pk])).content.decode()

    assert "Access changed" in listing and "Mother" not in listing
    assert searched.context["cl"].result_count == 0
    assert "Mother" not in detail and "audits.finding" in detail
