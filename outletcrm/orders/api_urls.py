"""REST API v1 routes of this app (mounted under /api/v1/)."""

from django.urls import re_path

from outletcrm.api_urls import Router
from outletcrm.core.params import ID_PATTERN as ID
from outletcrm.orders import api

router = Router()
router.register("products", api.ProductViewSet, basename="product")
router.register("price-lists", api.PriceListViewSet, basename="price-list")
router.register("orders", api.OrderViewSet, basename="order")
router.register("returns", api.ReturnViewSet, basename="return")

app_name = "orders-api"
urlpatterns = [
    re_path(rf"^customers/(?P<customer_pk>{ID})/credit/?$", api.CustomerCreditView.as_view(),
            name="customer-credit"),
    *router.urls,
]
