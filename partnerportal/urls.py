from allauth.account import views as allauth_account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from partnerportal import accounts, api, audit, dashboard, metrics, pages

admin.site.site_header = "Partner portal"
# The Django admin signs in through the portal's login (axes, the second factor), not a login of its own.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_title = "Partner portal"

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("me/", api.MeView.as_view(), name="me"),
    path("", include("partners.api.urls")),
    path("", include("partnerportal.notifications.api.urls")),
    path("", include("kpis.api.urls")),
    path("", include("agreements.api.urls")),
    path("", include("meetings.api.urls")),
    path("", include("relations.api.urls")),
]

# Under /api/ these answer the API's JSON error format; elsewhere Django's pages (templates/40x.html, 500.html).
handler400 = "partnerportal.api.handler400"
handler403 = "partnerportal.api.handler403"
handler404 = "partnerportal.api.handler404"
handler500 = "partnerportal.api.handler500"

# Sign-in is allauth's (partnerportal/accounts.py); only the allauth pages the portal uses are mounted,
# each also under allauth's own URL name (allauth's flows and templates reverse those). No sign-up,
# no e-mail management, no social account pages (single sign-on adds its own).
account_patterns = [
    path("login/", accounts.PortalLoginView.as_view(), name="login"),
    path("login/", accounts.PortalLoginView.as_view(), name="account_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("reauthenticate/", allauth_account_views.reauthenticate, name="account_reauthenticate"),
    path("password/change/", accounts.PortalPasswordChangeView.as_view(), name="password_change"),
    path("password/change/", accounts.PortalPasswordChangeView.as_view(), name="account_change_password"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", accounts.PortalPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/", accounts.PortalPasswordResetView.as_view(), name="account_reset_password"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", accounts.ProfileView.as_view(), name="profile"),
    path("token/", accounts.ApiTokenView.as_view(), name="api_token"),
    # Two-factor sign-in (allauth.mfa: TOTP, recovery codes, passkeys) and "Your sessions".
    # Adding one marks the session as having passed the second factor (accounts.EnrolmentMixin).
    path("2fa/totp/activate/", accounts.ActivateTOTPView.as_view(), name="mfa_activate_totp"),
    path("2fa/webauthn/add/", accounts.AddWebAuthnView.as_view(), name="mfa_add_webauthn"),
    path("2fa/recovery-codes/", accounts.RecoveryCodesView.as_view(), name="mfa_view_recovery_codes"),
    path("2fa/", include("allauth.mfa.urls")),
    path("sessions/", accounts.PortalSessionsView.as_view(), name="usersessions_list"),
]
urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("audit/", audit.AuditLogView.as_view(), name="audit"),
    path("audit/accounts/", audit.AccountEventsView.as_view(), name="audit_accounts"),
    path("healthz", pages.HealthView.as_view(), name="healthz"),
    path("metrics", metrics.MetricsView.as_view(), name="metrics"),  # 404 unless METRICS_ENABLED
    path("favicon.ico", pages.FaviconView.as_view(), name="favicon"),
    path("i18n/setlang/", pages.SetLanguageView.as_view(), name="set_language"),
    path("accounts/", include(account_patterns)),
    # Single sign-on (OpenID Connect, partnerportal/sso.py): /accounts/oidc/<provider id>/login/ and
    # …/login/callback/; 404 for an issuer that is not configured. Already part of allauth.urls, when
    # that is included under accounts/ this line can go.
    path("accounts/", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    path("notifications/", include("partnerportal.notifications.urls")),
    path("partners/", include("partners.urls")),
    path("kpis/", include("kpis.urls")),
    path("agreements/", include("agreements.urls")),
    path("meetings/", include("meetings.urls")),
    path("relations/", include("relations.urls")),
]
