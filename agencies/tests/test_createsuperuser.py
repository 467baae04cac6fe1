"""README's first step after migrating: `manage.py createsuperuser` makes the first administrator."""

from django.core.management import call_command

from agencies.models import Role, User


def test_createsuperuser_noinput_makes_an_administrator_without_an_agency(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long first administrator password")
    call_command("createsuperuser", "--noinput", username="it.first", email="it@example.gov.uk", verbosity=0)

    user = User.objects.get(username="it.first")
    assert (user.role, user.agency, user.is_superuser, user.is_staff) == (Role.ADMINISTRATOR, None, True, True)
    assert user.is_administrator and not user.is_qa_manager
    assert user.check_password("a long first administrator password")


def test_an_ordinary_new_account_is_still_a_practitioner(db, agency_a):
    user = User.objects.create_user("someone", password="x" * 20, agency=agency_a)
    assert user.role == Role.PRACTITIONER and not user.is_superuser
