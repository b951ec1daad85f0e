"""The optimiser's settings, read once per call with defaults and checks (settings.ROUTING_*).

An installation changes these from the environment without code (outletcrm/settings.py):

  ROUTING_TRAVEL_PROVIDER  "haversine" (straight line × road factor, the default), "osrm"
                           (with ROUTING_OSRM_URL) or a dotted path to a provider class/factory
                           (options as JSON in ROUTING_TRAVEL_OPTIONS)
  ROUTING_ROAD_FACTOR      straight-line detour factor (1.3)
  ROUTING_DEFAULT_MODE     walk | ebike | car (ebike)
  ROUTING_DAY_SECONDS      CPU-time cap of a day's search (1; wall clock capped at 4×)
  ROUTING_DESIGN_SECONDS   wall-clock cap of a weekly design / territory split (30)
  ROUTING_WORK_START/END   working hours when the rep has none of their own (08:30–17:30)
  ROUTING_OFFICE           "lat,lng" of the office (WGS-84), the default start point
  ROUTING_SERVICE_MINUTES  JSON {class code or visit kind: minutes}, merged over the defaults
  ROUTING_BUSY_WINDOWS     (settings only) {outlet type code: [["07:00", "09:00"], ...]}
"""

import datetime
import json
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from outletcrm.routing.engine import BUSY_WINDOWS
from outletcrm.routing.problem import Place
from outletcrm.routing.travel import TravelProvider, get_provider

# Minutes a visit takes by customer class (code) and, for kinds that differ, by visit kind.
# A first visit listens more than it talks (brief §5), so it takes longer than a routine one.
DEFAULT_SERVICE_MINUTES = {
    "key": 25, "ordinary": 20, "potential": 15, "a": 25, "b": 20, "c": 15,
    "default": 20, "first": 30,
}
MODES = ("walk", "ebike", "car")
WORKDAYS = 5  # a design fills Monday–Friday; Saturdays and make-up days work those routes


def minutes_of(value: datetime.time) -> int:
    """Minutes from midnight."""
    return value.hour * 60 + value.minute


def parse_hhmm(value, name: str) -> int:
    """ "08:30" → 510, or ImproperlyConfigured naming the setting."""
    try:
        hours, minutes = str(value).strip().split(":")
        result = int(hours) * 60 + int(minutes)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be HH:MM, not {value!r}") from None
    if not 0 <= result <= 24 * 60:
        raise ImproperlyConfigured(f"{name} must be between 00:00 and 24:00")
    return result


def _json_setting(name: str) -> dict:
    raw = getattr(settings, name, None) or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be a JSON object: {exc}") from None
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object")
    return raw


def _seconds(name: str, default: float) -> float:
    try:
        value = float(getattr(settings, name, default))
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a number of seconds") from None
    if not (math.isfinite(value) and value > 0):
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds")
    return value


def day_seconds() -> float:
    return _seconds("ROUTING_DAY_SECONDS", 1.0)


def design_seconds() -> float:
    return _seconds("ROUTING_DESIGN_SECONDS", 30.0)


def default_mode() -> str:
    mode = str(getattr(settings, "ROUTING_DEFAULT_MODE", "ebike") or "ebike")
    if mode not in MODES:
        raise ImproperlyConfigured(f"ROUTING_DEFAULT_MODE must be one of {MODES}")
    return mode


def work_hours() -> tuple[int, int]:
    """The installation's working hours in minutes from midnight."""
    start = parse_hhmm(getattr(settings, "ROUTING_WORK_START", "08:30"), "ROUTING_WORK_START")
    end = parse_hhmm(getattr(settings, "ROUTING_WORK_END", "17:30"), "ROUTING_WORK_END")
    if end <= start:
        raise ImproperlyConfigured("ROUTING_WORK_END must be after ROUTING_WORK_START")
    return start, end


def office() -> Place | None:
    """The office from ROUTING_OFFICE ("lat,lng"), or None."""
    raw = (getattr(settings, "ROUTING_OFFICE", "") or "").strip()
    if not raw:
        return None
    try:
        lat, lng = (float(part) for part in raw.split(","))
    except ValueError:
        raise ImproperlyConfigured("ROUTING_OFFICE must be 'latitude,longitude'") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ImproperlyConfigured("ROUTING_OFFICE is not a valid WGS-84 position")
    return Place(lat, lng, "office")


def service_minutes() -> dict[str, float]:
    """Minutes per visit by class code and visit kind, with "default" for the rest."""
    table = dict(DEFAULT_SERVICE_MINUTES)
    for key, value in _json_setting("ROUTING_SERVICE_MINUTES").items():
        try:
            minutes = float(value)
        except (TypeError, ValueError):
            raise ImproperlyConfigured(
                f"ROUTING_SERVICE_MINUTES[{key!r}] must be a number") from None
        if not (math.isfinite(minutes) and 0 <= minutes <= 600):
            raise ImproperlyConfigured(f"ROUTING_SERVICE_MINUTES[{key!r}] is out of range")
        table[str(key)] = minutes
    return table


def busy_windows(outlet_type_code: str) -> list[tuple[int, int]]:
    """When outlets of this type are busy: brief §5 (07:00–09:00, 16:30–18:30) unless set."""
    table = getattr(settings, "ROUTING_BUSY_WINDOWS", None) or {}
    if outlet_type_code not in table:
        return list(BUSY_WINDOWS)
    windows = []
    for start, end in table[outlet_type_code]:
        windows.append((parse_hhmm(start, "ROUTING_BUSY_WINDOWS"),
                        parse_hhmm(end, "ROUTING_BUSY_WINDOWS")))
    return windows


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    options: dict


def provider_spec() -> ProviderSpec:
    """Which travel provider the settings name, with its options."""
    name = str(getattr(settings, "ROUTING_TRAVEL_PROVIDER", "haversine") or "haversine")
    options = _json_setting("ROUTING_TRAVEL_OPTIONS")
    if name in ("haversine", "straight_line"):
        road_factor = getattr(settings, "ROUTING_ROAD_FACTOR", 1.3)
        try:
            options = {"road_factor": float(road_factor), **options}
        except (TypeError, ValueError):
            raise ImproperlyConfigured("ROUTING_ROAD_FACTOR must be a number") from None
    elif name == "osrm":
        url = (getattr(settings, "ROUTING_OSRM_URL", "") or "").strip()
        if not url and "base_url" not in options:
            raise ImproperlyConfigured("ROUTING_TRAVEL_PROVIDER is osrm: set ROUTING_OSRM_URL")
        if url:
            options = {"base_url": url, **options}
    return ProviderSpec(name, options)


def provider() -> TravelProvider:
    """The configured travel-time provider (pluggable without code changes, issue 4 item 4)."""
    spec = provider_spec()
    try:
        return get_provider(spec.name, **spec.options)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"ROUTING_TRAVEL_PROVIDER {spec.name!r}: {exc}") from None
