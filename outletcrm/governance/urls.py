from django.urls import path

from outletcrm.governance import views

app_name = "governance"
urlpatterns = [
    path("desk/", views.desk_view, name="desk"),
    path("desk/<id:pk>/", views.pair_view, name="pair"),
    path("desk/<id:pk>/dismiss", views.pair_dismiss_view, name="dismiss"),
    path("approvals/", views.inbox_view, name="inbox"),
    path("approvals/<id:pk>/approve", views.pending_approve_view, name="approve"),
    path("approvals/<id:pk>/refuse", views.pending_refuse_view, name="refuse"),
    path("policy/", views.policy_view, name="policy"),
    path("archive/", views.archive_view, name="archive"),
    path("customers/<id:pk>/delete", views.customer_delete_view, name="delete"),
]
