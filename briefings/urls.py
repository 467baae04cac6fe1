from django.urls import path

from . import views

app_name = "briefings"

urlpatterns = [
    # Readers: the library, a briefing's page (versions, feedback), downloads.
    path("", views.library, name="library"),
    path("<int:pk>/", views.briefing_page, name="briefing_page"),
    path("<int:pk>/feedback/", views.feedback_create, name="feedback_create"),
    path("versions/<int:pk>/download/", views.download, name="download"),
    # Composers (QA manager, the audit's lead officer).
    path("versions/<int:pk>/status/", views.version_status, name="version_status"),
    path("versions/<int:pk>/retry/", views.version_retry, name="version_retry"),
    path("versions/<int:pk>/withdraw/", views.version_withdraw, name="version_withdraw"),
    path("audit/<slug:slug>/", views.audit_briefings, name="audit_briefings"),
    path("audit/<slug:slug>/<str:edition>/", views.composer, name="composer"),
    path("audit/<slug:slug>/<str:edition>/start/", views.briefing_start, name="start"),
    path("audit/<slug:slug>/<str:edition>/details/", views.details_update, name="details_update"),
    path("audit/<slug:slug>/<str:edition>/sections/<slug:key>/", views.section_update, name="section_update"),
    path("audit/<slug:slug>/<str:edition>/sections/<slug:key>/refresh/", views.section_refresh, name="section_refresh"),
    path("audit/<slug:slug>/<str:edition>/sections/<slug:key>/move/", views.section_move, name="section_move"),
    path("audit/<slug:slug>/<str:edition>/preview/", views.preview, name="preview"),
    path("audit/<slug:slug>/<str:edition>/publish/", views.publish, name="publish"),
    path("audit/<slug:slug>/<str:edition>/feedback/", views.feedback_list, name="feedback_list"),
]
