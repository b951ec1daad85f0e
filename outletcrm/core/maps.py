"""The maps' own background when no tile server is configured (issue 7 §4).

settings.MAP_BASE_GEOJSON names a GeoJSON FeatureCollection in WGS-84: a file (a company's
streets, exported from its GIS) or the dotted path of a function that returns one (the demo's
streets, outletcrm.demo.basemap). The pages fetch it once from /maps/base.geojson and draw it
under the pins (frontend/maps.js): LineStrings as streets, Polygons as areas, names as labels.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
GEOMETRIES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


@dataclass(frozen=True)
class BaseLayer:
    body: bytes  # compact JSON
    etag: str


def source() -> str:
    return (getattr(settings, "MAP_BASE_GEOJSON", "") or "").strip()


def _is_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.lower().endswith((".json", ".geojson"))


def _validate(data) -> dict:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImproperlyConfigured("MAP_BASE_GEOJSON must be a GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list):
        raise ImproperlyConfigured("MAP_BASE_GEOJSON: the FeatureCollection has no features list.")
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
            raise ImproperlyConfigured(
                "MAP_BASE_GEOJSON: every feature needs a Point, LineString or Polygon geometry "
                "(or their Multi forms).")
    return data


@lru_cache(maxsize=4)
def _build(value: str, stamp: float) -> BaseLayer:
    if _is_path(value):
        path = Path(value)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ImproperlyConfigured(
                    f"MAP_BASE_GEOJSON: {path} is larger than {MAX_BYTES // 1024 // 1024} MB.")
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ImproperlyConfigured(f"MAP_BASE_GEOJSON: cannot read {path}: {error}") from error
    else:
        try:
            data = import_string(value)()
        except ImportError as error:
            raise ImproperlyConfigured(f"MAP_BASE_GEOJSON: cannot import {value}") from error
    body = json.dumps(_validate(data), ensure_ascii=False, separators=(",", ":")).encode()
    return BaseLayer(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def base_layer() -> BaseLayer | None:
    """The configured background, built once per process (again when its file changes);
    None when none is configured. Raises ImproperlyConfigured when it cannot be used."""
    value = source()
    if not value:
        return None
    stamp = 0.0
    if _is_path(value):
        try:
            stamp = Path(value).stat().st_mtime
        except OSError as error:
            raise ImproperlyConfigured(f"MAP_BASE_GEOJSON: cannot read {value}: {error}") from error
    return _build(value, stamp)
