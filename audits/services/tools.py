"""Audit tools: a new version copied from an existing one, to adapt for the next audit."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest

from agencies.services import AccessAction, access_record
from audits.models import AuditTool, Section, Standard, ToolVersion


def tool_version_copy(*, version: ToolVersion, user, request: HttpRequest | None = None) -> ToolVersion:
    """The next version of the tool, with the same grade scale, stages and standards as `version`.

    The copy has no returns, so it can be edited; `version` stays as it is, for the returns made with it.
    """
    with transaction.atomic():
        AuditTool.objects.select_for_update().get(pk=version.tool_id)  # one copy at a time: numbers 1, 2, 3…
        number = (ToolVersion.objects.filter(tool_id=version.tool_id).aggregate(n=Max("number"))["n"] or 0) + 1
        copy = ToolVersion.objects.create(
            tool_id=version.tool_id,
            number=number,
            scale_id=version.scale_id,
            notes=f"Copied from version {version.number}.",
        )
        for section in version.sections.prefetch_related("standards").order_by("order"):
            new_section = Section.objects.create(
                version=copy, order=section.order, title=section.title, description=section.description
            )
            Standard.objects.bulk_create(
                Standard(
                    section=new_section,
                    order=standard.order,
                    code=standard.code,
                    text=standard.text,
                    guidance=standard.guidance,
                    answer_type=standard.answer_type,
                )
                for standard in section.standards.all()
            )
        access_record(
            request=request,
            user=user,
            action=AccessAction.CHANGE,
            obj=copy,
            summary=f"Tool version copied: {version} → {copy}",
        )
    return copy
