from django.urls import path

from outletcrm.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("run", views.run_view, name="run"),
    path("customers/<id:pk>/", views.customer_view, name="customer"),
    path("customers/<id:pk>/value", views.manual_value_view, name="manual_value"),
    path("customers/<id:pk>/rescore", views.rescore_view, name="rescore"),
    path("proposals/", views.proposal_list_view, name="proposals"),
    path("proposals/<id:pk>/approve", views.proposal_decide_view, {"decision": "approve"},
         name="approve"),
    path("proposals/<id:pk>/refuse", views.proposal_decide_view, {"decision": "refuse"},
         name="refuse"),
    path("pareto/", views.pareto_view, name="pareto"),
    path("rfv/", views.rfv_view, name="rfv"),
    path("models/", views.model_list_view, name="models"),
    path("models/new", views.model_edit_view, name="model_new"),
    path("models/<id:pk>/", views.model_detail_view, name="model"),
    path("models/<id:pk>/edit", views.model_edit_view, name="model_edit"),
    path("rules/", views.rules_view, name="rules"),
]
