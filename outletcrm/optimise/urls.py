"""Pages of the route optimiser (mounted at /optimise/)."""

from django.urls import path

from outletcrm.optimise import views

app_name = "optimise"
urlpatterns = [
    path("day/", views.day, name="day"),
    path("day/proposal/<int:pk>/", views.day_proposal, name="day_proposal"),
    path("day/proposal/<int:pk>/apply/", views.day_apply, name="day_apply"),
    path("rep-base/", views.rep_base, name="rep_base"),
    path("jobs/<id:pk>/status/", views.job_status, name="job_status"),
    path("design/", views.design, name="design"),
    path("design/<id:pk>/", views.design_job, name="design_job"),
    path("design/<id:pk>/edit/", views.design_edit, name="design_edit"),
    path("design/<id:pk>/adopt/", views.design_adopt, name="design_adopt"),
    path("territory/", views.territory, name="territory"),
    path("territory/<id:pk>/", views.territory_job, name="territory_job"),
    path("territory/<id:pk>/apply/", views.territory_apply, name="territory_apply"),
]
