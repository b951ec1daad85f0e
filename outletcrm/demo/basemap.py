"""The demo company's own map: its Hangzhou streets (data.hangzhou) as GeoJSON.

Maps draw this when no tile server is configured (settings.MAP_BASE_GEOJSON points here by
default outside production), so the demo's maps show the streets its outlets stand on instead
of an empty grid. Coordinates are WGS-84, [lng, lat] as GeoJSON wants them.

Districts are named, not outlined: the demo has no official boundaries, and outlines derived
from its streets would lie. The convex hull of each district's streets overlaps its
neighbours' badly (上城区 since 2021 runs from 之江路 in the south to 丁桥 in the north-east,
around 拱墅区), so a hull would claim other districts' streets. Each district's name stands at
the centre of its streets instead. A company that has real outlines supplies them in its own
MAP_BASE_GEOJSON file (Polygons are drawn as areas).
"""

from collections import defaultdict

from outletcrm.demo import geo
from outletcrm.demo.data.hangzhou import STREETS

Point = tuple[float, float]  # (lat, lng)

# A street's name is repeated along it about this often, so a close view still shows it.
LABEL_EVERY_M = 1200


def _lnglat(point: Point) -> list[float]:
    return [round(point[1], 6), round(point[0], 6)]


def _label_points(line: tuple[Point, ...]) -> list[list[float]]:
    """Where a stretch's name is written: its middle, or evenly along a long stretch."""
    count = max(1, round(geo.polyline_length_m(line) / LABEL_EVERY_M))
    return [_lnglat(geo.point_along(line, (k + 0.5) / count)[0]) for k in range(count)]


def hangzhou_streets() -> dict:
    """A GeoJSON FeatureCollection: one feature per street (all its stretches), with the
    points its name is written at, and one named point per district (kind "district")."""
    stretches: dict[str, list[tuple[Point, ...]]] = defaultdict(list)
    by_district: dict[str, list[Point]] = defaultdict(list)
    for street in STREETS:
        stretches[street.name].append(street.points)
        by_district[street.district].extend(street.points)
    features = []
    for district, points in sorted(by_district.items()):
        centre = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
        features.append({
            "type": "Feature",
            "properties": {"kind": "district", "name": district},
            "geometry": {"type": "Point", "coordinates": _lnglat(centre)},
        })
    for name, lines in stretches.items():
        features.append({
            "type": "Feature",
            "properties": {"kind": "street", "name": name,
                           "labels": [p for line in lines for p in _label_points(line)]},
            "geometry": {"type": "MultiLineString",
                         "coordinates": [[_lnglat(p) for p in line] for line in lines]},
        })
    return {"type": "FeatureCollection", "features": features}
