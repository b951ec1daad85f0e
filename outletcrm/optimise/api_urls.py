"""REST API v1 of the route optimiser (mounted under /api/v1/).

Every route answers with and without its trailing slash, like the rest of the API.
"""

from django.urls import re_path

from outletcrm.core.params import ID_PATTERN as ID
from outletcrm.optimise import api

urlpatterns = [
    re_path(r"^optimise/day/?$", api.DayOptimiseView.as_view(), name="optimise-day"),
    re_path(r"^optimise/days/(?P<pk>\d+)/apply/?$", api.DayApplyView.as_view(),
            name="optimise-day-apply"),
    re_path(r"^optimise/design/?$", api.DesignStartView.as_view(), name="optimise-design"),
    re_path(rf"^optimise/designs/(?P<pk>{ID})/edit/?$", api.DesignEditView.as_view(),
            name="optimise-design-edit"),
    re_path(rf"^optimise/designs/(?P<pk>{ID})/adopt/?$", api.DesignAdoptView.as_view(),
            name="optimise-design-adopt"),
    re_path(r"^optimise/territory/?$", api.TerritoryStartView.as_view(),
            name="optimise-territory"),
    re_path(rf"^optimise/territories/(?P<pk>{ID})/apply/?$", api.TerritoryApplyView.as_view(),
            name="optimise-territory-apply"),
    re_path(rf"^optimise/jobs/(?P<pk>{ID})/?$", api.JobView.as_view(), name="optimise-job"),
]
