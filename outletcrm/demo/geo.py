"""Street geometry for the demo data: points along a polyline, offsets, distances.

A local equirectangular projection is exact enough at city scale (a few metres over 20 km)
and keeps the demo free of GIS dependencies.
"""

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_000
Point = tuple[float, float]  # (lat, lng), WGS-84


def _scale(lat0: float) -> tuple[float, float]:
    """Metres per degree of latitude and of longitude around `lat0`."""
    per_deg = math.pi * EARTH_RADIUS_M / 180
    return per_deg, per_deg * math.cos(math.radians(lat0))


def to_xy(point: Point, origin: Point) -> tuple[float, float]:
    """Metres east and north of `origin`."""
    m_lat, m_lng = _scale(origin[0])
    return (point[1] - origin[1]) * m_lng, (point[0] - origin[0]) * m_lat


def from_xy(x: float, y: float, origin: Point) -> Point:
    """The point `x` metres east and `y` metres north of `origin`."""
    m_lat, m_lng = _scale(origin[0])
    return origin[0] + y / m_lat, origin[1] + x / m_lng


def polyline_length_m(points: Sequence[Point]) -> float:
    """Length of a polyline in metres."""
    return sum(math.hypot(*to_xy(b, a)) for a, b in zip(points, points[1:], strict=False))


def point_along(points: Sequence[Point], fraction: float) -> tuple[Point, tuple[float, float]]:
    """The point at `fraction` (0–1) of the polyline's length and the unit direction there."""
    total = polyline_length_m(points)
    target = min(max(fraction, 0.0), 1.0) * total
    walked = 0.0
    for a, b in zip(points, points[1:], strict=False):
        dx, dy = to_xy(b, a)
        seg = math.hypot(dx, dy)
        if seg and walked + seg >= target:
            f = (target - walked) / seg
            return from_xy(dx * f, dy * f, a), (dx / seg, dy / seg)
        walked += seg
    a, b = points[-2], points[-1]
    dx, dy = to_xy(b, a)
    seg = math.hypot(dx, dy) or 1.0
    return b, (dx / seg, dy / seg)


def beside(point: Point, direction: tuple[float, float], metres: float) -> Point:
    """The point `metres` to the left of the travel direction (negative: to the right)."""
    dx, dy = direction
    return from_xy(-dy * metres, dx * metres, point)


def distance_to_polyline_m(point: Point, points: Sequence[Point]) -> float:
    """Shortest distance in metres from `point` to the polyline."""
    best = math.inf
    for a, b in zip(points, points[1:], strict=False):
        bx, by = to_xy(b, a)
        px, py = to_xy(point, a)
        seg2 = bx * bx + by * by
        t = 0.0 if not seg2 else max(0.0, min(1.0, (px * bx + py * by) / seg2))
        best = min(best, math.hypot(px - t * bx, py - t * by))
    return best
