from django.urls import path

from audits.views import common

from . import insights, parta, partb

app_name = "audits"

urlpatterns = [
    path("", common.audit_list, name="audit_list"),
    *insights.urlpatterns,
    *parta.urlpatterns,
    *partb.urlpatterns,
]
