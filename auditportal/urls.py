from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies import views as agency_views
from agencies.forms import LoginForm

urlpatterns = [
    path("", agency_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", agency_views.healthz, name="healthz"),
    path("audits/", include("audits.urls")),
    path("briefings/", include("briefings.urls")),
    path("admin/", admin.site.urls),
]
