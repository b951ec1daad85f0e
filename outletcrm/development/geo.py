"""The campaign area: a GeoJSON polygon checked and tested in plain Python (no GIS library).

Coordinates are WGS-84 [lng, lat] as GeoJSON writes them. Point-in-polygon is the even-odd
ray cast on each ring (holes are rings too), which is exact enough for a street sweep's
area of a few kilometres. The grid divides the area's bounding box into square cells of about
`grid_m` metres; a cell counts as part of the area when its centre is inside it.
"""

import math

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_VERTICES = 2000
MAX_CELLS = 2500
METRES_PER_DEGREE = 111_320


def _ring_ok(ring) -> bool:
    if not isinstance(ring, list) or len(ring) < 4:
        return False
    for point in ring:
        if (not isinstance(point, list | tuple) or len(point) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) for v in point[:2])):
            return False
        if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            return False
    return True


def polygons_of(area) -> list[list]:
    """The polygons (each a list of rings) of a GeoJSON Polygon, MultiPolygon or Feature."""
    if isinstance(area, dict) and area.get("type") == "Feature":
        area = area.get("geometry")
    if not isinstance(area, dict):
        return []
    if area.get("type") == "Polygon":
        return [area.get("coordinates")]
    if area.get("type") == "MultiPolygon":
        return list(area.get("coordinates") or [])
    return []


def validate_area(area) -> dict:
    """A clean GeoJSON geometry, or ValidationError with a message a person can act on."""
    message = _("Draw the area as a closed polygon of at least three points.")
    polygons = polygons_of(area)
    if not polygons or not all(isinstance(p, list) and p and all(_ring_ok(r) for r in p)
                               for p in polygons):
        raise ValidationError({"area": message})
    if sum(len(r) for p in polygons for r in p) > MAX_VERTICES:
        raise ValidationError({"area": _("The area has too many points (at most %(n)d).")
                               % {"n": MAX_VERTICES}})
    closed = [[[list(map(float, pt[:2])) for pt in ring] for ring in polygon]
              for polygon in polygons]
    for polygon in closed:
        for ring in polygon:
            if ring[0] != ring[-1]:
                ring.append(list(ring[0]))
    if len(closed) == 1:
        return {"type": "Polygon", "coordinates": closed[0]}
    return {"type": "MultiPolygon", "coordinates": closed}


def _in_ring(lng: float, lat: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(area, lat, lng) -> bool:
    """Is the point inside the area (on an outer ring and outside its holes)?"""
    if lat is None or lng is None:
        return False
    lat, lng = float(lat), float(lng)
    for polygon in polygons_of(area):
        if polygon and _in_ring(lng, lat, polygon[0]) and not any(
                _in_ring(lng, lat, hole) for hole in polygon[1:]):
            return True
    return False


def bounds(area) -> tuple[float, float, float, float] | None:
    """(min_lat, min_lng, max_lat, max_lng) of the outer rings, None for no area."""
    points = [pt for polygon in polygons_of(area) for pt in (polygon[0] if polygon else [])]
    if not points:
        return None
    lngs = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lats), min(lngs), max(lats), max(lngs)


def grid(area, grid_m: int) -> dict:
    """The area's cells: their size in degrees, the origin, and the (row, col) inside the area.

    The cell size grows when the area would need more than MAX_CELLS cells, so a page never
    draws a city as ten thousand squares."""
    box = bounds(area)
    if box is None:
        return {"cells": [], "dlat": 0, "dlng": 0, "origin": None}
    min_lat, min_lng, max_lat, max_lng = box
    size = max(int(grid_m), 10)
    while True:
        dlat = size / METRES_PER_DEGREE
        dlng = size / (METRES_PER_DEGREE * max(math.cos(math.radians((min_lat + max_lat) / 2)),
                                               0.01))
        rows = max(1, math.ceil((max_lat - min_lat) / dlat))
        cols = max(1, math.ceil((max_lng - min_lng) / dlng))
        if rows * cols <= MAX_CELLS * 4:
            break
        size *= 2
    cells = []
    for r in range(rows):
        for c in range(cols):
            if contains(area, min_lat + (r + 0.5) * dlat, min_lng + (c + 0.5) * dlng):
                cells.append((r, c))
        if len(cells) > MAX_CELLS:
            break
    return {"cells": cells[:MAX_CELLS], "dlat": dlat, "dlng": dlng,
            "origin": (min_lat, min_lng), "size_m": size}


def cell_of(grid_info: dict, lat, lng) -> tuple[int, int] | None:
    if grid_info.get("origin") is None or lat is None or lng is None:
        return None
    lat0, lng0 = grid_info["origin"]
    return (math.floor((float(lat) - lat0) / grid_info["dlat"]),
            math.floor((float(lng) - lng0) / grid_info["dlng"]))
