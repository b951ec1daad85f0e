from django.urls import path

from outletcrm.churn import views

app_name = "churn"
urlpatterns = [
    path("", views.flag_list_view, name="list"),
    path("<id:pk>/handle", views.flag_handle_view, name="handle"),
    path("rules/", views.rules_view, name="rules"),
]
