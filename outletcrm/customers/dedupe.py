"""One master record per customer (唯一性, brief §7): find existing records a new one matches.

A match is: the same phone (store phone or any contact's mobile); the same normalised name
and address; or a near-identical name within DUPLICATE_RADIUS_M metres. Contacts' mobiles are
encrypted at rest, so they are compared through their indexed keyed hash (Contact.mobile_hash).
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from outletcrm.core import crypto
from outletcrm.customers.models import Contact, Customer
from outletcrm.customers.text import normalise

EARTH_RADIUS_M = 6_371_000


def haversine_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class DuplicateMatch:
    customer_id: int
    code: str
    name: str
    reason: str  # phone | name_address | nearby_name
    detail: str

    @property
    def reason_text(self) -> str:
        return str(REASONS[self.reason])


REASONS = {
    "phone": _("Same phone number"),
    "name_address": _("Same name and address"),
    "nearby_name": _("A customer with a near-identical name is nearby"),
}


def find_duplicates(
    *, name: str, address: str = "", phones: list[str] | None = None,
    latitude: Decimal | float | None = None, longitude: Decimal | float | None = None,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Existing live customers that the given data would duplicate (any scope)."""
    matches: dict[int, DuplicateMatch] = {}
    base = Customer.objects.live()
    if exclude_id:
        base = base.exclude(pk=exclude_id)

    phones = [p for p in (phones or []) if p]
    if phones:
        by_phone = base.filter(
            Q(phone__in=phones)
            | Q(pk__in=Contact.objects.filter(
                mobile_hash__in=[crypto.lookup_hash(p) for p in phones]).values("customer_id"))
        ).values_list("pk", "code", "name")[:10]
        for pk, code, found_name in by_phone:
            matches.setdefault(pk, DuplicateMatch(pk, code, found_name, "phone", ""))

    name_norm = normalise(name)
    address_norm = normalise(address)
    if name_norm and address_norm:
        same = base.filter(name_norm=name_norm, address_norm=address_norm)
        for pk, code, found_name in same.values_list("pk", "code", "name")[:10]:
            matches.setdefault(pk, DuplicateMatch(pk, code, found_name, "name_address", ""))

    if latitude is not None and longitude is not None and name_norm:
        radius = settings.DUPLICATE_RADIUS_M
        lat, lng = float(latitude), float(longitude)
        dlat = radius / 111_320
        dlng = radius / (111_320 * max(math.cos(math.radians(lat)), 0.01))
        nearby = base.filter(
            latitude__range=(lat - dlat, lat + dlat), longitude__range=(lng - dlng, lng + dlng)
        ).values_list("pk", "code", "name", "name_norm", "latitude", "longitude")[:200]
        for pk, code, found_name, found_norm, flat, flng in nearby:
            score = fuzz.ratio(name_norm, found_norm)
            if score >= settings.DUPLICATE_NAME_SCORE:
                distance = haversine_m(lat, lng, flat, flng)
                if distance <= radius:
                    matches.setdefault(
                        pk, DuplicateMatch(pk, code, found_name, "nearby_name", f"{distance:.0f} m")
                    )
    return list(matches.values())
