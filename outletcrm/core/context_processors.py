from django.conf import settings
from django.urls import reverse

from outletcrm.core import maps


def site(request):
    """Settings the base template needs."""
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        "MAP_TILE_CRS": settings.MAP_TILE_CRS,
        "MAP_TILE_SUBDOMAINS": settings.MAP_TILE_SUBDOMAINS,
        # The street layer, drawn only when there is no tile server (frontend/maps.js).
        "MAP_BASE_URL": reverse("map-base") if maps.source() and not settings.MAP_TILE_URL else "",
    }
