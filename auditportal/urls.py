from django.contrib import admin
from django.urls import include, path

from agencies import passwords
from agencies import views as agency_views

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("accounts/login/", agency_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", agency_views.PortalLogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", agency_views.mfa_verify, name="mfa_verify"),
    path("accounts/two-factor/setup/", agency_views.mfa_setup, name="mfa_setup"),
    path("accounts/confirm-password/", agency_views.reauthenticate, name="reauthenticate"),
    path("accounts/profile/", agency_views.profile, name="profile"),
    path("accounts/password/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/forgotten/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/forgotten/sent/", passwords.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/set/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("access-log/", agency_views.access_log, name="access_log"),
    path("e-mails-not-sent/try-again/", agency_views.mail_retry, name="mail_retry"),
    path("healthz", agency_views.healthz, name="healthz"),
    path("audits/", include("audits.urls")),
    path("briefings/", include("briefings.urls")),
    path("admin/", admin.site.urls),
]
