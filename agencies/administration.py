"""Administration: what the administrator role opens in the Django admin.

People, agencies, the partnership's settings with its support contacts and links, the access log, and
the unlock paths (lockouts: django-axes; lost authenticators: django-otp, removed, never added or changed).
The role grants these permissions (agencies.backends.PortalBackend), as the QA manager's role grants
Planning's (audits/planning.py): an administrator added with Add user or from a spreadsheet opens
Administration at their first sign-in, without anybody ticking staff status or permissions by hand. Never
case content: audits/admin.py keeps Planning from the administrator role, superuser or not.
"""

from __future__ import annotations

ADMINISTRATION_MODELS = ("user", "agency", "partnership", "supportcontact", "partnershiplink")
ADMINISTRATION_PERMISSIONS = frozenset(
    {
        *(
            f"agencies.{action}_{model}"
            for model in ADMINISTRATION_MODELS
            for action in ("add", "change", "delete", "view")
        ),
        "agencies.view_accessrecord",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
    }
)
