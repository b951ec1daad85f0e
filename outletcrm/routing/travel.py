"""Travel-time providers: how long and how far between outlets, behind one tiny protocol.

The default is straight-line (haversine) distance times a road factor at a speed per transport
mode (issue 4, "Travel times"). An installation with a road network plugs in another provider by
name or dotted path (see ``get_provider``) without code changes, e.g. its own OSRM server.
"""

from __future__ import annotations

import importlib
import json
import math
import urllib.request
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

LatLng = tuple[float, float]
Matrix = list[list[float]]

EARTH_RADIUS_M = 6_371_008.8

# City speeds in km/h, door to door; a configurable default, not a measurement.
DEFAULT_SPEEDS_KMH: dict[str, float] = {"walk": 4.5, "ebike": 15.0, "car": 25.0}
DEFAULT_ROAD_FACTOR = 1.3


class TravelError(RuntimeError):
    """A travel-time provider could not answer (server down, bad reply)."""


@runtime_checkable
class TravelProvider(Protocol):
    """Anything that turns points into travel-time (minutes) and distance (metres) matrices.

    ``matrix(points, mode=...)`` returns ``(minutes, metres)``, both n×n lists with
    ``[i][j]`` the leg from ``points[i]`` to ``points[j]``. An unreachable leg is ``math.inf``.
    """

    def matrix(self, points: Sequence[LatLng], *, mode: str = "car") -> tuple[Matrix, Matrix]:
        """Travel minutes and metres between every pair of points."""
        ...


def haversine_m(a: LatLng, b: LatLng) -> float:
    """Great-circle distance in metres between two (lat, lng) points."""
    lat1, lng1 = math.radians(a[0]), math.radians(a[1])
    lat2, lng2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class StraightLineProvider:
    """Haversine distance × road factor, at a fixed speed per transport mode."""

    def __init__(
        self, road_factor: float = DEFAULT_ROAD_FACTOR, speeds_kmh: dict[str, float] | None = None
    ):
        if road_factor <= 0:
            raise ValueError("road_factor must be positive")
        self.road_factor = road_factor
        self.speeds_kmh = {**DEFAULT_SPEEDS_KMH, **(speeds_kmh or {})}

    def matrix(self, points: Sequence[LatLng], *, mode: str = "car") -> tuple[Matrix, Matrix]:
        """Travel minutes and metres between every pair of points."""
        try:
            speed_m_per_min = self.speeds_kmh[str(mode)] * 1000 / 60
        except KeyError:
            raise ValueError(
                f"unknown transport mode {mode!r}; known: {sorted(self.speeds_kmh)}"
            ) from None
        n = len(points)
        metres = [[0.0] * n for _ in range(n)]
        minutes = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                road = haversine_m(points[i], points[j]) * self.road_factor
                metres[i][j] = metres[j][i] = road
                minutes[i][j] = minutes[j][i] = road / speed_m_per_min
        return minutes, metres


class OsrmProvider:
    """Road-network travel times from an OSRM server's ``table`` service (one request per call)."""

    # OSRM serves one profile per dataset; these are the usual names of its bundled profiles.
    DEFAULT_PROFILES = {"walk": "foot", "ebike": "bike", "car": "car"}

    def __init__(
        self, base_url: str, profiles: dict[str, str] | None = None, timeout: float = 10.0
    ):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("OSRM base_url must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.profiles = {**self.DEFAULT_PROFILES, **(profiles or {})}
        self.timeout = timeout

    def url(self, points: Sequence[LatLng], mode: str) -> str:
        """The table-service URL for these points (OSRM wants lng,lat order)."""
        coords = ";".join(f"{lng:.6f},{lat:.6f}" for lat, lng in points)
        profile = self.profiles.get(str(mode), str(mode))
        return f"{self.base_url}/table/v1/{profile}/{coords}?annotations=duration,distance"

    def matrix(self, points: Sequence[LatLng], *, mode: str = "car") -> tuple[Matrix, Matrix]:
        """Travel minutes and metres between every pair of points, from the OSRM server."""
        if len(points) < 2:
            return [[0.0] * len(points) for _ in points], [[0.0] * len(points) for _ in points]
        try:
            # The URL scheme is checked in __init__ (http/https only), so this is no file:// read.
            with urllib.request.urlopen(self.url(points, mode), timeout=self.timeout) as reply:  # noqa: S310
                body = json.loads(reply.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise TravelError(f"OSRM table request failed: {exc}") from exc
        if body.get("code") != "Ok" or "durations" not in body or "distances" not in body:
            raise TravelError(
                f"OSRM answered {body.get('code')!r}: {body.get('message', 'no matrix')}"
            )
        # OSRM returns null for pairs it cannot route; the engine reports those stops as no_route.
        minutes = [[math.inf if v is None else v / 60 for v in row] for row in body["durations"]]
        metres = [[math.inf if v is None else float(v) for v in row] for row in body["distances"]]
        if len(minutes) != len(points) or any(len(row) != len(points) for row in minutes):
            raise TravelError("OSRM matrix size does not match the number of points")
        return minutes, metres


PROVIDERS = {
    "straight_line": StraightLineProvider,
    "haversine": StraightLineProvider,
    "osrm": OsrmProvider,
}


def get_provider(name: str | None = None, **options) -> TravelProvider:
    """A provider by short name ("straight_line", "osrm") or dotted path, built with options.

    The dotted path may name a class or a factory ("pkg.module.Class" or "pkg.module:factory"),
    so an installation configures a provider with a setting string and a dict of options.
    """
    if not name:
        return StraightLineProvider(**options)
    if name in PROVIDERS:
        return PROVIDERS[name](**options)
    module_name, sep, attr = name.partition(":")
    if not sep:
        module_name, _, attr = name.rpartition(".")
    if not module_name or not attr:
        raise ValueError(
            f"unknown travel provider {name!r}: use one of {sorted(PROVIDERS)} or a dotted path"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load travel provider {name!r}: {exc}") from exc
    provider = factory(**options)
    if not isinstance(provider, TravelProvider):
        raise ValueError(f"travel provider {name!r} has no matrix(points, mode=...) method")
    return provider
