"""Order pages: list, detail, taking an order, payments, returns, the catalogue."""

from django.urls import path

from outletcrm.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("new/", views.order_pick_customer_view, name="pick_customer"),
    path("new/<id:customer_pk>/", views.order_create_view, name="create"),
    path("<id:pk>/", views.order_detail_view, name="detail"),
    path("<id:pk>/cancel/", views.order_cancel_view, name="cancel"),
    path("<id:pk>/confirm/", views.order_status_view, {"step": "confirm"}, name="confirm"),
    path("<id:pk>/deliver/", views.order_status_view, {"step": "deliver"}, name="deliver"),
    path("<id:pk>/payments/new/", views.payment_create_view, name="payment_create"),
    path("<id:pk>/returns/new/", views.return_create_view, name="order_return_create"),
    path("returns/new/<id:customer_pk>/", views.return_create_view, name="return_create"),
    path("returns/<id:pk>/", views.return_detail_view, name="return_detail"),
    path("approvals/", views.approvals_view, name="approvals"),
    path("products/", views.product_list_view, name="products"),
]
