from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="customers:list", permanent=False)),
    path("", include("outletcrm.core.urls")),
    path("account/", include("outletcrm.accounts.urls")),
    path("customers/", include("outletcrm.customers.urls")),
    path("visits/", include("outletcrm.visits.urls")),
    path("complaints/", include("outletcrm.complaints.urls")),
    path("m/complaints/", include("outletcrm.complaints.mobile_urls")),
    path("m/sweeps/", include("outletcrm.development.mobile_urls")),
    path("m/", include("outletcrm.visits.mobile_urls")),
    path("orders/", include("outletcrm.orders.urls")),
    path("churn/", include("outletcrm.churn.urls")),
    path("optimise/", include("outletcrm.optimise.urls")),
    path("notifications/", include("outletcrm.notifications.urls")),
    path("care/", include("outletcrm.care.urls")),
    path("governance/", include("outletcrm.governance.urls")),
    path("access/", include("outletcrm.access.urls")),
    path("handover/", include("outletcrm.handover.urls")),
    path("development/", include("outletcrm.development.urls")),
    path("pipeline/", include("outletcrm.pipeline.urls")),
    path("evaluation/", include("outletcrm.evaluation.urls")),
    path("api/v1/", include("outletcrm.api_urls")),
    path("api/v1/", include("outletcrm.visits.api_urls")),
    path("api/v1/", include("outletcrm.orders.api_urls")),
    path("api/v1/", include("outletcrm.optimise.api_urls")),
    path("api/v1/", include("outletcrm.notifications.api_urls")),
    path("api/v1/", include("outletcrm.complaints.api_urls")),
    path("api/v1/", include("outletcrm.churn.api_urls")),
    path("api/v1/", include("outletcrm.care.api_urls")),
    path("api/v1/", include("outletcrm.governance.api_urls")),
    path("api/v1/", include("outletcrm.access.api_urls")),
    path("api/v1/", include("outletcrm.handover.api_urls")),
    path("api/v1/", include("outletcrm.development.api_urls")),
    path("api/v1/", include("outletcrm.pipeline.api_urls")),
    path("api/v1/", include("outletcrm.evaluation.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="api/swagger_ui.html"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
# No MEDIA_URL route, in any mode: stored files go out only through views that check the
# caller's scope (outletcrm/core/files.py).

# Under /api/ the error answers are JSON, like every other API answer (core.errors).
handler400 = "outletcrm.core.errors.bad_request"
handler403 = "outletcrm.core.errors.permission_denied"
handler404 = "outletcrm.core.errors.page_not_found"
handler500 = "outletcrm.core.errors.server_error"
