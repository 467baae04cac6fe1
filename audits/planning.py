"""Planning: what the QA manager sets up in Administration (the Django admin).

An audit with its participating agencies, their named auditors and its pseudonymised cases; the
audit tools and their versions (journey stages and standards), grade scales, and the shared
taxonomy of themes and risk factors. The role grants these permissions
(agencies.backends.PortalBackend), so no one has to tick them by hand, and nothing else in the
admin: not Part A returns, Part B findings or briefings, which have the app's own pages.

audits/admin.py keeps what has been answered fixed: a tool version with Part A returns is read-only,
with its stages, standards and grade scale (copy it as a new version to adapt it; what each of the scale's
grades means can still be written, shown to the auditors with the scale), and an audit past
Planning keeps its tool, agencies and cases; its status moves only through the app's life cycle
(audits:audit_status). An audit taken back to Planning keeps its work: what has been started cannot be
removed, and the audit cannot then be deleted.
"""

from __future__ import annotations

PLANNING_MODELS = (
    "audit",
    "auditagency",
    "case",
    "audittool",
    "toolversion",
    "section",
    "standard",
    "gradescale",
    "grade",
    "audittheme",
    "riskfactor",
)
PLANNING_PERMISSIONS = frozenset(
    f"audits.{action}_{model}" for model in PLANNING_MODELS for action in ("add", "change", "delete", "view")
)
