"""Migration 0014 adds the unique address (each_email_one_account). A deployment whose accounts already share an
address (Add user let it through) is stopped before the constraint, with each shared address and its accounts'
usernames and what to do; nobody's address is changed. Without shared addresses it adds the constraint, and
migrating back removes it. Run with the models as the migrations see them (their historical state)."""

import importlib

import pytest
from django.core.management import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db(transaction=True)

migration = importlib.import_module("agencies.migrations.0014_user_each_email_one_account")

BEFORE = ("agencies", "0013_partnership_agency_help_texts")
AFTER = ("agencies", "0014_user_each_email_one_account")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection).loader.project_state(target).apps if target else None


def constrained() -> bool:
    with connection.cursor() as cursor:
        return "each_email_one_account" in connection.introspection.get_constraints(cursor, "agencies_user")


@pytest.fixture
def before_it():
    """The database as before the migration, and the people model as it then was; every migration applied
    again afterwards (the addresses blanked first, so that it can be)."""
    apps = migrate(BEFORE)
    yield apps.get_model("agencies", "User")
    apps.get_model("agencies", "User").objects.update(email="")
    migrate(None)


def account(User, username: str, email: str):
    return User.objects.create(username=username, email=email, role="qa_manager")


def test_shared_addresses_stop_the_migration_naming_them_and_changing_nothing(before_it):
    account(before_it, "ann", "ann@example.org")
    account(before_it, "ann.lee", "Ann@Example.org")
    account(before_it, "bo.li", "bo@example.org")
    account(before_it, "bo", "BO@example.org")
    account(before_it, "bo.2", "bo@EXAMPLE.org")
    account(before_it, "cy", "cy@example.org")
    account(before_it, "no.address.1", "")
    account(before_it, "no.address.2", "")

    with pytest.raises(CommandError) as stopped:
        migrate(AFTER)

    said = str(stopped.value)
    assert "  ann@example.org: ann, ann.lee\n  bo@example.org: bo, bo.2, bo.li\n" in said
    assert "cy@" not in said and "no.address" not in said
    assert "Give each of these accounts its own address in Administration → Users" in said
    assert "then run migrate again" in said
    assert dict(before_it.objects.values_list("username", "email")) == {
        "ann": "ann@example.org",
        "ann.lee": "Ann@Example.org",
        "bo.li": "bo@example.org",
        "bo": "BO@example.org",
        "bo.2": "bo@EXAMPLE.org",
        "cy": "cy@example.org",
        "no.address.1": "",
        "no.address.2": "",
    }
    assert not constrained()
    assert AFTER not in MigrationExecutor(connection).loader.applied_migrations

    before_it.objects.filter(username__in=["ann.lee", "bo", "bo.2"]).update(email="")  # put right, then again
    migrate(AFTER)
    assert constrained()


def test_without_shared_addresses_it_adds_the_constraint_and_back_removes_it(before_it):
    account(before_it, "ann", "ann@example.org")
    account(before_it, "bo", "bo@example.org")
    account(before_it, "no.address.1", "")
    account(before_it, "no.address.2", "")  # a blank address is nobody's: shared by any number

    apps = migrate(AFTER)

    assert constrained()
    User = apps.get_model("agencies", "User")
    with pytest.raises(IntegrityError), transaction.atomic():
        account(User, "ann.lee", "ANN@example.org")
    account(User, "no.address.3", "")

    apps = migrate(BEFORE)

    assert not constrained()
    account(apps.get_model("agencies", "User"), "ann.lee", "ANN@example.org")
    apps.get_model("agencies", "User").objects.filter(username="ann.lee").delete()


def test_the_check_is_one_query_however_many_accounts_share_addresses(before_it):
    for n in range(6):
        account(before_it, f"person.{n}", f"shared.{n % 3}@example.org")
        account(before_it, f"other.{n}", f"Shared.{n % 3}@Example.org")
    apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps

    with CaptureQueriesContext(connection) as queries:
        shared = migration.shared_addresses(apps)

    assert len(queries) == 1
    assert shared == {
        f"shared.{n}@example.org": sorted([f"other.{n}", f"other.{n + 3}", f"person.{n}", f"person.{n + 3}"])
        for n in range(3)
    }
