from django.urls import path

from audits.views import parta

# Part A paths only. `<slug>/` alone is Part B's dashboard: these are longer, or start with a
# fixed word, so they never shadow it (urls/__init__.py lists Part A first).
urlpatterns = [
    path("my-returns/", parta.my_returns, name="my_returns"),
    path("returns/<int:pk>/", parta.return_detail, name="return_detail"),
    path("returns/<int:pk>/autosave/", parta.return_autosave_view, name="return_autosave"),
    path("returns/<int:pk>/submit/", parta.return_submit_view, name="return_submit"),
    path("returns/<int:pk>/review/", parta.return_review, name="return_review"),
    path("returns/<int:pk>/history/", parta.return_history_view, name="return_history"),
    path("<slug:slug>/returns/", parta.audit_returns_view, name="audit_returns"),
    path("<slug:slug>/chase/<int:agency_id>/", parta.chase_auditor, name="chase_auditor"),
]
