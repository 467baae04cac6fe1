from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies import views as agency_views

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("accounts/login/", agency_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", agency_views.mfa_verify, name="mfa_verify"),
    path("accounts/two-factor/setup/", agency_views.mfa_setup, name="mfa_setup"),
    path("accounts/confirm-password/", agency_views.reauthenticate, name="reauthenticate"),
    path("access-log/", agency_views.access_log, name="access_log"),
    path("healthz", agency_views.healthz, name="healthz"),
    path("audits/", include("audits.urls")),
    path("briefings/", include("briefings.urls")),
    path("admin/", admin.site.urls),
]
