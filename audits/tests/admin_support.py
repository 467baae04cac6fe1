"""Posting a Django admin change form back as the page shows it (the Planning tests)."""

from __future__ import annotations

from datetime import datetime
from html import unescape

from django import forms
from django.test import Client
from django.utils import timezone


def admin_form_data(client, url: str) -> dict:
    """The change form at `url` as the page shows it, ready to post back: the object's fields and every
    inline row with its management form (a row the page shows read-only is left out, as a browser does
    not post it, by the caller)."""
    context = client.get(url).context
    data: dict = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if isinstance(form.fields[name].widget, forms.SplitDateTimeWidget):  # the admin's date and time boxes
                value = timezone.localtime(value) if isinstance(value, datetime) else value
                data[f"{key}_0"], data[f"{key}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
            elif isinstance(value, list | tuple):
                data[key] = [getattr(v, "pk", v) for v in value]
            else:
                data[key] = getattr(value, "pk", value)

    add(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.initial_forms:
            add(form)
    return data


def row_of(data: dict, pk: int, prefix: str = "") -> str:
    """The form prefix of the inline row holding the object `pk` (e.g. "participants-0")."""
    return next(
        key[: -len("-id")]
        for key, value in data.items()
        if key.startswith(prefix) and key.endswith("-id") and str(value) == str(pk)
    )


def opened(user, url: str) -> tuple[Client, dict]:
    """A client signed in as `user` that has opened the change form at `url`, and what that form would post."""
    client = Client()
    client.force_login(user)
    return client, admin_form_data(client, url)


def page_text(response) -> str:
    """A response's page as one line of text, its entities read (for the messages it shows)."""
    return unescape(" ".join(response.content.decode().split()))
