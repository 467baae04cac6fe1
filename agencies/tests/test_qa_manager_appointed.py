"""The administrator (no case access by design) may give an account the QA manager role, which reads
every return, board and briefing: a partnership appoints its QA manager. It is not silent: the access
log says so in its own words, and every other active QA manager is e-mailed who was given it, by whom
and when. Through the real outbox and run_once code, with Django's test mail outbox."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import AccessRecord, OutboxMessage, Role, User
from agencies.tests.factories import UserFactory
from agencies.tests.test_admin import user_form

pytestmark = pytest.mark.django_db

ADD = reverse("admin:agencies_user_add")
TASK = "agencies.tasks.notify_qa_manager_appointed"


@pytest.fixture
def qa_managers(qa_manager):
    """The QA manager of the cast, a second one, and a former one (inactive), who is not told."""
    second = UserFactory(username="qa.two", role=Role.QA_MANAGER, email="qa.two@scp.example.org", agency=None)
    UserFactory(username="qa.gone", role=Role.QA_MANAGER, email="qa.gone@scp.example.org", is_active=False, agency=None)
    return [qa_manager, second]


def _appointments(person) -> list[str]:
    return list(
        AccessRecord.objects.filter(
            object_type="agencies.user", object_id=str(person.pk), summary__startswith="QA manager role"
        ).values_list("summary", flat=True)
    )


def test_an_account_added_as_qa_manager_is_told_to_the_other_qa_managers(
    signed_in,
    it_admin,
    qa_managers,
    django_capture_on_commit_callbacks,
):
    fields = {"username": "new.qa", "first_name": "Nia", "last_name": "Price", "email": "nia@example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(ADD, {**fields, "role": Role.QA_MANAGER})

    assert response.status_code == 302
    nia = User.objects.get(username="new.qa")
    notices = [m for m in mail.outbox if "QA manager was appointed" in m.subject]
    [notice] = notices
    assert sorted(notice.to) == sorted(qa.email for qa in qa_managers)  # not the former one, nor Nia
    assert "Ifor Evans gave the account new.qa (Nia Price) the QA manager role" in notice.body
    expected = f"QA manager role given to new.qa by {it_admin.username}: 2 other QA manager(s) told by e-mail"
    assert _appointments(nia) == [expected]


def test_an_account_given_the_role_is_told_and_recorded(
    signed_in, qa_managers, practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("admin:agencies_user_change", args=[practitioner.pk]),
            user_form(practitioner, role=Role.QA_MANAGER),
        )

    assert response.status_code == 302
    [notice] = [m for m in mail.outbox if "QA manager was appointed" in m.subject]
    assert sorted(notice.to) == sorted(qa.email for qa in qa_managers)
    assert f"gave the account {practitioner.username}" in notice.body
    [summary] = _appointments(practitioner)
    assert summary.startswith(f"QA manager role given to {practitioner.username} by ")
    assert OutboxMessage.objects.filter(task=TASK).count() == 1


def test_a_former_qa_manager_made_active_again_is_told_too(signed_in, qa_manager, django_capture_on_commit_callbacks):
    former = UserFactory(username="qa.back", role=Role.QA_MANAGER, is_active=False, agency=None)
    form = user_form(former)
    form.pop("is_active")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[former.pk]), form)  # still inactive
    assert _appointments(former) == []
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[former.pk]), user_form(former))

    assert User.objects.get(pk=former.pk).is_active
    assert len(_appointments(former)) == 1
    [notice] = [m for m in mail.outbox if "QA manager was appointed" in m.subject]
    assert notice.to == [qa_manager.email]


def test_other_changes_to_a_qa_managers_account_tell_nobody(signed_in, qa_managers, django_capture_on_commit_callbacks):
    second = qa_managers[1]
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[second.pk]), user_form(second, job_title="Lead"))

    assert _appointments(second) == []
    assert not OutboxMessage.objects.filter(task=TASK).exists()


def test_the_first_qa_manager_has_nobody_to_tell_and_the_log_says_so(signed_in, practitioner):
    signed_in.post(
        reverse("admin:agencies_user_change", args=[practitioner.pk]), user_form(practitioner, role=Role.QA_MANAGER)
    )

    [summary] = _appointments(practitioner)
    assert summary.endswith(": no other QA manager to tell")
    assert not OutboxMessage.objects.filter(task=TASK).exists()
