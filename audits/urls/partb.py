from django.urls import path

from audits.views import partb

# The catch-all audit slug goes last in the list: more specific paths above it.
urlpatterns = [
    path("<slug:slug>/", partb.dashboard, name="dashboard"),
]
