"""The key of a version's status line, for its poll: the server answers 204 while it is unchanged."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def version_status_key(version, stuck_after: float) -> str:
    return version.status_key(stuck_after)
