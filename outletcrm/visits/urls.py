"""Supervision pages (desktop): routes, day plans, the supervisor's day, visits, KPIs."""

from django.urls import path

from outletcrm.visits import task_views, views

app_name = "visits"
urlpatterns = [
    path("routes/", views.route_list, name="routes"),
    path("routes/new/", views.route_create, name="route_create"),
    path("routes/<id:pk>/", views.route_detail, name="route_detail"),
    path("routes/<id:pk>/stops/", views.route_stops, name="route_stops"),
    path("routes/<id:pk>/delete/", views.route_delete, name="route_delete"),
    path("plan/", views.plan_page, name="plan"),
    path("plan/add/", views.plan_add, name="plan_add"),
    path("plan/<id:pk>/reorder/", views.plan_reorder, name="plan_reorder"),
    path("plan/stops/<id:pk>/drop/", views.plan_drop, name="plan_drop"),
    path("plans/generate/", views.plans_generate, name="plans_generate"),
    path("day/", views.day_page, name="day"),
    path("visit/<id:pk>/", views.visit_detail, name="visit_detail"),
    path("visit/<id:pk>/reject/", views.visit_reject, name="visit_reject"),
    path("photos/<uuid:client_id>.jpg", views.photo_file, name="photo"),
    path("visit/<id:pk>/accept/", views.visit_accept, name="visit_accept"),
    path("kpis/", views.kpi_page, name="kpis"),
    # The to-do list (issue 9): every kind of task, the rep's own or his team's.
    path("tasks/", task_views.task_list, name="tasks"),
    path("tasks/add/", task_views.task_add, name="task_add"),
    path("tasks/<id:pk>/complete/", task_views.task_complete, name="task_complete"),
    path("tasks/<id:pk>/postpone/", task_views.task_postpone, name="task_postpone"),
]
