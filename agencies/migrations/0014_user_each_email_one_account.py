"""Each account its own e-mail address, compared without case: password reset, invitations and e-mail-change
notices go by address. A deployment may already hold accounts sharing one (Add user let it through): the
migration then stops, naming each shared address's accounts, before the constraint is added, and changes
nobody's address: which account keeps it is the administrator's to say."""

import django.db.models.functions.text
from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def shared_addresses(apps) -> dict[str, list[str]]:
    """Each address (in lower case) that more than one account has, with their usernames. One query."""
    User = apps.get_model("agencies", "User")
    with_address = User.objects.exclude(email="").annotate(address=Lower("email"))
    shared = with_address.values("address").annotate(accounts=Count("pk")).filter(accounts__gt=1).values("address")
    found: dict[str, list[str]] = {}
    for address, username in (
        with_address.filter(address__in=shared).order_by("address", "username").values_list("address", "username")
    ):
        found.setdefault(address, []).append(username)
    return found


def no_address_shared(apps, schema_editor) -> None:
    shared = shared_addresses(apps)
    if not shared:
        return
    lines = "\n".join(f"  {address}: {', '.join(usernames)}" for address, usernames in sorted(shared.items()))
    raise CommandError(
        "Each account must have its own e-mail address (password reset, invitations and e-mail-change notices "
        "go by address), but some accounts share one (compared without case):\n"
        f"{lines}\n"
        "Nothing was changed. Give each of these accounts its own address in Administration → Users (or blank "
        "an account's address), then run migrate again."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0013_partnership_agency_help_texts"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(no_address_shared, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email", ""), _negated=True),
                name="each_email_one_account",
                violation_error_message="Another account already has this e-mail address.",
            ),
        ),
    ]
