"""Generated Hangzhou-like city data for the routing benchmarks (no real addresses)."""

import random
import sys
from pathlib import Path

# This checkout's outletcrm, not the one installed in the virtualenv (which may be another
# checkout): the benchmarks measure the code next to them.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outletcrm.routing.engine import visit_windows  # noqa: E402
from outletcrm.routing.problem import DayProblem, Place, Shift, Stop  # noqa: E402

# Around West Lake / Wulin, Hangzhou; a rep's district is a few kilometres across.
CENTRE = (30.2741, 120.1551)
DEG_LAT_PER_KM = 1 / 111.2
DEG_LNG_PER_KM = 1 / (111.2 * 0.864)  # cos(30.27°)

STREETS = [
    "Yan'an Rd",
    "Jiefang Rd",
    "Qingchun Rd",
    "Fengqi Rd",
    "Tiyuchang Rd",
    "Moganshan Rd",
    "Zhongshan Rd",
    "Wensan Rd",
    "Huancheng N Rd",
    "Jianguo Rd",
    "Qiutao Rd",
    "Kaixuan Rd",
]


def point(
    rng: random.Random, radius_km: float, centre: tuple[float, float] = CENTRE
) -> tuple[float, float]:
    """A random point: half near a few market clusters, half spread over the district."""
    if rng.random() < 0.5:
        cx = centre[0] + rng.uniform(-radius_km, radius_km) * 0.6 * DEG_LAT_PER_KM
        cy = centre[1] + rng.uniform(-radius_km, radius_km) * 0.6 * DEG_LNG_PER_KM
        return cx + rng.gauss(0, 0.25) * DEG_LAT_PER_KM, cy + rng.gauss(0, 0.25) * DEG_LNG_PER_KM
    return (
        centre[0] + rng.uniform(-radius_km, radius_km) * DEG_LAT_PER_KM,
        centre[1] + rng.uniform(-radius_km, radius_km) * DEG_LNG_PER_KM,
    )


def outlet_windows(rng: random.Random) -> list[tuple[int, int]]:
    """Business hours minus busy windows (brief §5); some outlet types have no busy hours."""
    opens = rng.choice([420, 480, 510, 540, 600])
    closes = rng.choice([1050, 1140, 1200, 1260, 1320])
    if rng.random() < 0.6:
        return visit_windows(opens, closes)  # shops: busy 07:00–09:00 and 16:30–18:30
    if rng.random() < 0.25:
        start = rng.choice([570, 600, 660, 840, 900])  # an appointment: one-hour window
        return [(start, start + 60)]
    return visit_windows(opens, closes, busy=())


def generate_day(n: int, seed: int, radius_km: float = 2.5) -> DayProblem:
    """A rep's e-bike day of n stops: 4 deep visits (30 min), the rest short calls (6–10 min)."""
    rng = random.Random(seed * 1000 + n)
    home = Place(*point(rng, radius_km), label="home")
    stops = []
    for i in range(n):
        lat, lng = point(rng, radius_km)
        service = 30 if i < 4 else rng.choice([6, 8, 10])
        stops.append(
            Stop(f"o{i:03d}", lat, lng, service_minutes=service, windows=outlet_windows(rng))
        )
    rng.shuffle(stops)
    shift = Shift(start=home, end=home, work_start_min=480, work_end_min=1170, mode="ebike")
    return DayProblem(stops=stops, shift=shift)


def street_address(lat: float, lng: float, radius_km: float) -> str:
    """A made-up but geographic address: east–west streets in bands, numbers rising eastwards.

    So sorting by address groups outlets street by street, as a supervisor's list would, which
    keeps the address-order baseline honest (a random address would make it a strawman).
    """
    band_km = 2 * radius_km / len(STREETS)
    north_km = (lat - CENTRE[0]) / DEG_LAT_PER_KM + radius_km
    east_km = (lng - CENTRE[1]) / DEG_LNG_PER_KM + radius_km
    street = STREETS[min(len(STREETS) - 1, max(0, int(north_km / band_km)))]
    return f"{street} {max(1, int(east_km * 100)):04d}"


def generate_territory(n: int, seed: int, radius_km: float = 6.0) -> list[dict]:
    """A rep's territory of n outlets with class shares 10/30/60 % (key/ordinary/potential)."""
    rng = random.Random(seed)
    outlets = []
    for i in range(n):
        lat, lng = point(rng, radius_km)
        draw = rng.random()
        outlet_class = "key" if draw < 0.10 else "ordinary" if draw < 0.40 else "potential"
        address = street_address(lat, lng, radius_km)
        outlets.append(
            {"id": f"t{i:04d}", "lat": lat, "lng": lng, "class": outlet_class, "address": address}
        )
    return outlets
