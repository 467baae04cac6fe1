from django.urls import path

from audits.views import parta

urlpatterns = [
    path("my-returns/", parta.my_returns, name="my_returns"),
]
