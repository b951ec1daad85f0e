"""Django app config for the routing engine (no models)."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """The routing app: the route optimisation engine and its management command."""

    name = "outletcrm.routing"
    label = "routing"
    verbose_name = "Routing"
