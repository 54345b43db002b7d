from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from partnerportal import accounts, api, audit, dashboard, metrics, pages

admin.site.site_header = "Partner portal"
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

account_patterns = [
    path("login/", accounts.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", accounts.PortalPasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", accounts.PortalPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", accounts.ProfileView.as_view(), name="profile"),
    path("token/", accounts.ApiTokenView.as_view(), name="api_token"),
]

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("audit/", audit.AuditLogView.as_view(), name="audit"),
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
