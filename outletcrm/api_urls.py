"""REST API v1 routes (mounted at /api/v1/)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from outletcrm.core.params import ID_PATTERN
from outletcrm.customers import api as customers_api
from outletcrm.org import api as org_api


class Router(SimpleRouter):
    """Every route answers with and without its trailing slash.

    Clients write both (`/customers/`, `/customers/1/archive`); a redirect would lose a POST
    body, so neither form may depend on APPEND_SLASH.
    """

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        """Ids in paths are digits that fit the database (core.params.ID_PATTERN): another
        value matches no route and answers 404, instead of reaching a query."""
        lookup = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field",
                                                                       "pk")
        value = getattr(viewset, "lookup_value_regex", ID_PATTERN)
        return f"(?P<{lookup_prefix}{lookup}>{value})"


router = Router()
router.register("customers", customers_api.CustomerViewSet, basename="customer")
router.register(
    rf"customers/(?P<customer_pk>{ID_PATTERN})/contacts",
    customers_api.ContactViewSet,
    basename="customer-contact",
)
router.register(
    rf"customers/(?P<customer_pk>{ID_PATTERN})/competitors",
    customers_api.CompetitorViewSet,
    basename="customer-competitor",
)
router.register("outlet-types", customers_api.OutletTypeViewSet, basename="outlet-type")
router.register("customer-classes", customers_api.CustomerClassViewSet, basename="customer-class")
router.register("tags", customers_api.TagViewSet, basename="tag")
router.register("regions", org_api.RegionViewSet, basename="region")
router.register("teams", org_api.TeamViewSet, basename="team")
router.register("users", org_api.UserViewSet, basename="user")

app_name = "api"
urlpatterns = [
    re_path(r"^auth/token/?$", org_api.TokenView.as_view(), name="auth-token"),
    re_path(r"^auth/logout/?$", org_api.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^me/?$", org_api.MeView.as_view(), name="me"),
    *router.urls,
]
