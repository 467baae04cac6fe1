"""A person who planned audits in Administration (Planning: an audit added or changed, its agencies and cases
named there) did audit work: the administration's own record of it (Django's log of each change, the
audit's History) names them, and deleting the account would delete that record with them. Their delete page
is refused, as for any audit work (test_delete_person_with_audit_work.py), counting the changes, and never
prints what the log says of the audit (a case's reference, which the administrator is not to read)."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from agencies.models import User
from agencies.tests.factories import UserFactory
from audits.models import Audit

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(response.content.decode().split())


def planned(person, audit, reference="NSCP-REF-4471"):
    return LogEntry.objects.create(
        user=person,
        content_type=ContentType.objects.get_for_model(Audit),
        object_id=str(audit.pk),
        object_repr=str(audit),
        action_flag=CHANGE,
        change_message=json.dumps([{"added": {"name": "case", "object": reference}}]),
    )


def test_a_qa_manager_who_planned_an_audit_is_not_deleted_and_no_case_reference_is_shown(signed_in, audit, qa_manager):
    planned(qa_manager, audit)
    url = reverse("admin:agencies_user_delete", args=[qa_manager.pk])

    page = text(signed_in.get(url))
    assert "NSCP-REF-4471" not in page
    assert "cannot be deleted: they did, or were named for, audit work" in page
    assert f"(username {qa_manager.username}): 1 change to audits in Administration (Planning, tools)" in page
    assert signed_in.post(url, {"post": "yes"}).status_code == 200
    assert User.objects.filter(pk=qa_manager.pk).exists()
    assert LogEntry.objects.filter(user=qa_manager).count() == 1


def test_changes_to_people_in_administration_are_not_audit_work(signed_in, it_admin):
    """The administrator's own log of changes to people (no audits) does not stop a deletion."""
    added_by_mistake = UserFactory(username="added.twice")
    LogEntry.objects.create(
        user=added_by_mistake,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(it_admin.pk),
        object_repr=str(it_admin),
        action_flag=CHANGE,
        change_message="[]",
    )
    url = reverse("admin:agencies_user_delete", args=[added_by_mistake.pk])
    assert "Yes, I’m sure" in text(signed_in.get(url))
    assert signed_in.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=added_by_mistake.pk).exists()
