"""Briefings, their sections, versions and feedback are not in Django's admin.

They are case content: the app's own pages (briefings/views.py) decide who may read and change
them, keep a published version as it was published, and write the access log; the admin would
do none of that. See docs/permissions.md, "Administration and Planning".
"""
