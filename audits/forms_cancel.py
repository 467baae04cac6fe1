"""The form of an audit's cancellation (audits.views.partb.audit_cancel)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.forms_partb import LongTextField
from audits.models import CANCEL_REASON_MAX


class AuditCancelForm(forms.Form):
    reason = LongTextField(
        label=_("Why is the audit cancelled?"),
        max_length=CANCEL_REASON_MAX,
        help_text=_(
            "E-mailed to the audit's named auditors and its lead officer, and shown on its pages. For example "
            "“Overtaken by a rapid review” or “The cohort was chosen wrongly”. Nothing that could identify a child."
        ),
        error_messages={"required": _("Say why the audit is cancelled: the people told are given the reason.")},
    )
