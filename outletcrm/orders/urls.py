"""Order pages: list, detail, taking an order, payments, returns, the catalogue."""

from django.urls import path

from outletcrm.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("new/", views.order_pick_customer_view, name="pick_customer"),
    path("new/<int:customer_pk>/", views.order_create_view, name="create"),
    path("<int:pk>/", views.order_detail_view, name="detail"),
    path("<int:pk>/cancel/", views.order_cancel_view, name="cancel"),
    path("<int:pk>/confirm/", views.order_status_view, {"step": "confirm"}, name="confirm"),
    path("<int:pk>/deliver/", views.order_status_view, {"step": "deliver"}, name="deliver"),
    path("<int:pk>/payments/new/", views.payment_create_view, name="payment_create"),
    path("<int:pk>/returns/new/", views.return_create_view, name="order_return_create"),
    path("returns/new/<int:customer_pk>/", views.return_create_view, name="return_create"),
    path("returns/<int:pk>/", views.return_detail_view, name="return_detail"),
    path("approvals/", views.approvals_view, name="approvals"),
    path("products/", views.product_list_view, name="products"),
]
