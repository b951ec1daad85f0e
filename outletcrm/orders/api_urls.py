"""REST API v1 routes of this app (mounted under /api/v1/)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from outletcrm.orders import api


class Router(SimpleRouter):
    """Routes answer with and without the trailing slash, like the rest of /api/v1/."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"


router = Router()
router.register("products", api.ProductViewSet, basename="product")
router.register("price-lists", api.PriceListViewSet, basename="price-list")
router.register("orders", api.OrderViewSet, basename="order")
router.register("returns", api.ReturnViewSet, basename="return")

app_name = "orders-api"
urlpatterns = [
    re_path(r"^customers/(?P<customer_pk>\d+)/credit/?$", api.CustomerCreditView.as_view(),
            name="customer-credit"),
    *router.urls,
]
