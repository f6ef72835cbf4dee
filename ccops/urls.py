from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .audit_views import AuditExportView
from .guide_views import GuideView
from .notification_views import (
    NotificationBadgeView,
    NotificationListView,
    NotificationOpenView,
    NotificationSettingsView,
)
from .views import HealthzView, HomeView, TeamListView

ccops_patterns = (
    [
        path("teams/", TeamListView.as_view(), name="team_list"),
        path("audit/export/", AuditExportView.as_view(), name="audit_export"),
        path("guide/", GuideView.as_view(), name="guide"),
        path("guide/<slug:page>/", GuideView.as_view(), name="guide_page"),
        path("notifications/", NotificationListView.as_view(), name="notifications"),
        path("notifications/badge/", NotificationBadgeView.as_view(), name="notification_badge"),
        path(
            "notifications/settings/",
            NotificationSettingsView.as_view(),
            name="notification_settings",
        ),
        path(
            "notifications/<int:pk>/open/",
            NotificationOpenView.as_view(),
            name="notification_open",
        ),
    ],
    "ccops",
)

# Django tries patterns in order, one by one: the agents' work item endpoints (most of the
# traffic) come first, and the API before the pages, so resolving them tries ~15 patterns
# instead of ~90.
api_patterns = [
    path("", include("workitems.api.urls")),
    path("", include("contacts.api.urls")),
    path("", include("quality.api.urls")),
    path("", include("ccops.api.urls")),
    path("", include("ccops.kpi_api.urls")),
    path("", include("staffing.api.urls")),
    path("", include("training.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_patterns)),
    path("", HomeView.as_view(), name="home"),
    path("healthz", HealthzView.as_view(), name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (ccops/oidc.py): always routed, answering 404 while OIDC_* is unset.
    path("oidc/", include("ccops.oidc")),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("core/", include(ccops_patterns)),
    path("dashboard/", include("ccops.dashboards.urls")),
    path("staffing/", include("staffing.urls")),
    path("quality/", include("quality.urls")),
    path("work/", include("workitems.urls")),
    path("training/", include("training.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from its own URL (?script), so the
    # page needs no inline <script> under our Content Security Policy.
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="ccops/api_docs.html"
        ),
        name="api-docs",
    ),
]

handler400 = "ccops.error_views.bad_request"
handler404 = "ccops.api.errors.not_found"  # JSON under /api/

admin.site.site_header = "ccops administration"
admin.site.site_title = "ccops admin"
