"""An account made an administrator (added with the role, given it, or an administrator's account made active
again; in Administration → Users or from a spreadsheet) opens Administration by the role: people and their
roles, a QA manager's included, agencies, the settings, the access log, lockouts and lost authenticators. As a
QA manager's appointment (test_qa_manager_appointed.py), it is not silent: the access log says so in its own
words, and every other active administrator, superusers and the one who gave it included, is e-mailed who was
given it, by whom and when. Through the real outbox and run_once code, with Django's test mail outbox."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import AccessRecord, OutboxMessage, Role, User
from agencies.tests.factories import UserFactory
from agencies.tests.test_admin import user_form
from agencies.tests.test_people_import import HEAD, post

pytestmark = pytest.mark.django_db

ADD = reverse("admin:agencies_user_add")
TASK = "agencies.tasks.notify_administrator_appointed"
SUBJECT = "An administrator was appointed on the audit portal"


@pytest.fixture
def administrators(it_admin):
    """The cast's administrator (who makes the changes), a second one, a superuser of another role, and a
    former administrator (inactive), who is not told."""
    second = UserFactory(username="admin.two", role=Role.ADMINISTRATOR, email="admin.two@scp.example.org", agency=None)
    superuser = UserFactory(
        username="root", role=Role.QA_MANAGER, is_superuser=True, email="root@scp.example.org", agency=None
    )
    UserFactory(
        username="admin.gone", role=Role.ADMINISTRATOR, email="gone@scp.example.org", is_active=False, agency=None
    )
    return [it_admin, second, superuser]


def _appointments(person) -> list[str]:
    return list(
        AccessRecord.objects.filter(
            object_type="agencies.user", object_id=str(person.pk), summary__startswith="Administrator role"
        ).values_list("summary", flat=True)
    )


def test_an_account_added_as_administrator_is_told_to_the_other_administrators(
    signed_in, it_admin, administrators, django_capture_on_commit_callbacks
):
    fields = {"username": "new.admin", "first_name": "Nia", "last_name": "Price", "email": "nia@example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(ADD, {**fields, "role": Role.ADMINISTRATOR})

    assert response.status_code == 302
    nia = User.objects.get(username="new.admin")
    [notice] = [m for m in mail.outbox if SUBJECT in m.subject]
    assert sorted(notice.to) == sorted(a.email for a in administrators)  # not the former one, nor Nia
    assert (
        "Ifor Evans gave the account new.admin (Nia Price) the administrator role on the audit portal." in notice.body
    )
    assert "You are told because you are an administrator too." in notice.body
    expected = f"Administrator role given to new.admin by {it_admin.username}: 3 other administrator(s) told by e-mail"
    assert _appointments(nia) == [expected]
    # Nia is sent her invitation as before.
    assert [m.to for m in mail.outbox if SUBJECT not in m.subject] == [["nia@example.org"]]


def test_an_account_given_the_role_is_told_and_recorded(
    signed_in, administrators, practitioner, django_capture_on_commit_callbacks
):
    # Another change to an administrator's account tells nobody.
    second = administrators[1]
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[second.pk]), user_form(second, job_title="IT"))
    assert _appointments(second) == [] and not OutboxMessage.objects.filter(task=TASK).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("admin:agencies_user_change", args=[practitioner.pk]),
            user_form(practitioner, role=Role.ADMINISTRATOR, agency=""),
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=practitioner.pk).role == Role.ADMINISTRATOR
    [notice] = [m for m in mail.outbox if SUBJECT in m.subject]
    assert sorted(notice.to) == sorted(a.email for a in administrators)
    assert f"gave the account {practitioner.username}" in notice.body
    [summary] = _appointments(practitioner)
    assert summary.startswith(f"Administrator role given to {practitioner.username} by ")
    assert OutboxMessage.objects.filter(task=TASK).count() == 1


def test_a_former_administrator_made_active_again_is_told_too(signed_in, it_admin, django_capture_on_commit_callbacks):
    former = UserFactory(username="admin.back", role=Role.ADMINISTRATOR, is_active=False, agency=None)
    form = user_form(former)
    form.pop("is_active")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[former.pk]), form)  # still inactive
    assert _appointments(former) == []
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("admin:agencies_user_change", args=[former.pk]), user_form(former))

    assert User.objects.get(pk=former.pk).is_active
    assert len(_appointments(former)) == 1
    [notice] = [m for m in mail.outbox if SUBJECT in m.subject]
    assert notice.to == [it_admin.email]


def test_an_administrator_added_from_a_spreadsheet_is_told_too(
    signed_in, it_admin, administrators, agency_a, django_capture_on_commit_callbacks
):
    text = HEAD + f"Ann,Lee,ann@example.org,Administrator,,\nBo,Li,bo@example.org,Manager,{agency_a.name},\n"
    shown = post(signed_in, text, check="Check").context["form"]["checked"].value()
    with django_capture_on_commit_callbacks(execute=True):
        post(signed_in, text, add="Add", checked=shown)

    ann, bo = User.objects.get(email="ann@example.org"), User.objects.get(email="bo@example.org")
    [notice] = [m for m in mail.outbox if SUBJECT in m.subject]
    assert sorted(notice.to) == sorted(a.email for a in administrators)
    assert f"gave the account {ann.username} (Ann Lee) the administrator role" in notice.body
    assert len(_appointments(ann)) == 1 and _appointments(bo) == []
