from django.urls import path

from . import views

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("my-returns/", views.my_returns, name="my_returns"),
]
