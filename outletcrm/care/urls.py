from django.urls import path

from outletcrm.care import views

app_name = "care"
urlpatterns = [
    path("rules/", views.rule_list_view, name="rules"),
    path("rules/new/", views.rule_form_view, name="rule_create"),
    path("rules/<id:pk>/", views.rule_form_view, name="rule_edit"),
    path("rules/<id:pk>/toggle/", views.rule_toggle_view, name="rule_toggle"),
    path("customers/<id:pk>/family-events/new/", views.family_event_create_view,
         name="family_event_create"),
    path("customers/<id:pk>/family-events/<id:event_pk>/delete/",
         views.family_event_delete_view, name="family_event_delete"),
    path("customers/<id:pk>/gifts/new/", views.gift_create_view, name="gift_create"),
    path("customers/<id:pk>/gifts/<id:gift_pk>/delete/", views.gift_delete_view,
         name="gift_delete"),
    path("customers/<id:pk>/busy-hours/", views.busy_hours_view, name="busy_hours"),
]
