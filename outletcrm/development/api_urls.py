"""REST API v1 routes of customer development (mounted under /api/v1/)."""

from django.urls import re_path

from outletcrm.core.params import ID_PATTERN
from outletcrm.development import api

UUID = r"[0-9a-fA-F-]{36}"

app_name = "development-api"
urlpatterns = [
    re_path(r"^sweeps/campaigns/?$", api.CampaignListView.as_view(), name="campaigns"),
    re_path(rf"^sweeps/campaigns/(?P<pk>{ID_PATTERN})/?$", api.CampaignDetailView.as_view(),
            name="campaign"),
    re_path(rf"^sweeps/campaigns/(?P<pk>{ID_PATTERN})/answers/?$",
            api.CampaignAnswersView.as_view(), name="campaign-answers"),
    re_path(r"^sweeps/duplicates/?$", api.DuplicatesView.as_view(), name="duplicates"),
    re_path(r"^sweeps/ops/?$", api.OpView.as_view(), name="ops"),
    re_path(rf"^sweeps/outlets/(?P<client_id>{UUID})/photos/?$", api.OutletPhotoView.as_view(),
            name="outlet-photos"),
    re_path(r"^reports/?$", api.ReportListView.as_view(), name="reports"),
    re_path(r"^reports/open/?$", api.ReportOpenView.as_view(), name="report-open"),
    re_path(rf"^reports/(?P<pk>{ID_PATTERN})/?$", api.ReportDetailView.as_view(),
            name="report"),
    re_path(rf"^reports/(?P<pk>{ID_PATTERN})/comments/?$", api.ReportCommentView.as_view(),
            name="report-comments"),
]
