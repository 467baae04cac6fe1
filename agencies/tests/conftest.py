"""Fixtures the agencies tests share (the cast is in the project's conftest.py)."""

import pytest
from django.contrib.auth.models import Permission

from agencies.models import User
from audits.demo import ADMIN_PERMISSIONS


@pytest.fixture
def it_admin(administrator):
    """The cast's administrator with the permissions the role is given (as in the demo)."""
    administrator.user_permissions.set(
        Permission.objects.filter(content_type__app_label="agencies", codename__in=ADMIN_PERMISSIONS)
    )
    return User.objects.get(pk=administrator.pk)  # without the permission cache


@pytest.fixture
def signed_in(client, it_admin):
    """A client signed in as that administrator, named (Ifor Evans) as notices about their changes say."""
    it_admin.first_name, it_admin.last_name = "Ifor", "Evans"
    it_admin.save(update_fields=["first_name", "last_name"])
    client.force_login(it_admin)
    return client
