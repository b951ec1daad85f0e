"""Generate the demo company in memory: people, and outlets on real Hangzhou streets.

Pure Python, no database: `generate(outlets=…, reps=…, seed=…)` returns a `DemoPlan` that
`outletcrm.demo.services.demo_seed` writes in bulk. The same seed gives the same company, at
any size (2,000 outlets for the demo, 100,000 for the benchmark).

Placement: outlets are spread over the streets in proportion to length × density, put at a
random point along the street with house numbers growing along it (odd numbers on the left,
even on the right) and 6–28 m to that side of the centre line.

Territories: each street belongs to a team (data.hangzhou); inside a team the outlets are cut
into one compact area per rep by recursive coordinate bisection (split the longer side at the
median, as many times as there are reps), so every rep has a walkable patch for routes.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from outletcrm.demo import geo
from outletcrm.demo.data import names as vocab
from outletcrm.demo.data.hangzhou import CITY, PROVINCE, STREETS, Street
from outletcrm.demo.plan import MANAGED_REGIONS, TEAMS

CITY_ORIGIN = (30.2741, 120.1551)  # around 武林门: the origin of the territory grid
MAX_OFFSET_M = 28
CLASS_SHARES = (("key", 10), ("ordinary", 30), ("potential", 60))  # per cent (brief §3)


@dataclass
class PersonPlan:
    """A demo login."""

    username: str
    display_name: str
    role: str
    mobile: str
    team: str | None = None  # TeamPlan.key
    region: str | None = None  # region code managed


@dataclass
class ContactPlan:
    """A person at the outlet (fields as customers.Contact)."""

    name: str
    role: str
    decision_role: str
    mobile: str
    birthday: datetime.date | None
    birthday_is_lunar: bool
    interests: str
    notes: str
    is_primary: bool


@dataclass
class CompetitorPlan:
    """One entry of the outlet's competitor file (fields as customers.CompetitorEntry)."""

    brand: str
    products: str
    satisfaction: int | None
    competitor_rep: str
    closeness: str
    notes: str = ""


@dataclass
class OutletPlan:
    """One outlet with everything its archive card holds."""

    name: str
    outlet_type: str
    channel: str
    district: str
    address: str
    street: int  # index into STREETS
    fraction: float  # how far along the street (0 = where its numbers start, 1 = its end)
    side: int  # +1 left (odd numbers), -1 right (even numbers)
    number: int
    latitude: float
    longitude: float
    team: str
    phone: str = ""
    opens_at: datetime.time | None = None
    closes_at: datetime.time | None = None
    floor_area: float | None = None
    staff_count: int | None = None
    years_in_business: int | None = None
    brands: list[str] = field(default_factory=list)
    source: str = "street_sweep"
    referred_by: int | None = None  # index into DemoPlan.outlets
    status: str = "potential"
    customer_class: str = "potential"
    abc_class: str | None = None
    owner: str = ""  # username
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    contacts: list[ContactPlan] = field(default_factory=list)
    competitors: list[CompetitorPlan] = field(default_factory=list)
    created_at: datetime.datetime | None = None

    @property
    def province(self) -> str:
        return PROVINCE

    @property
    def city(self) -> str:
        return CITY


@dataclass
class DemoPlan:
    """The whole demo company, ready to be written."""

    people: list[PersonPlan]
    outlets: list[OutletPlan]

    def reps_by_team(self) -> dict[str, list[str]]:
        """Rep usernames per team key, in login order."""
        teams: dict[str, list[str]] = defaultdict(list)
        for person in self.people:
            if person.role == "rep":
                teams[person.team].append(person.username)
        return teams


class _Names:
    """Person names and unique mobile numbers from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.mobiles: set[str] = set()

    def person(self) -> str:
        given = vocab.GIVEN_MALE if self.rng.random() < 0.5 else vocab.GIVEN_FEMALE
        return self.rng.choice(vocab.SURNAMES) + self.rng.choice(given)

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(vocab.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number


def _largest_remainder(weights: list[float], total: int, minimum: int = 0) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (each at least `minimum`)."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    weight_sum = sum(weights) or 1.0
    shares = [w / weight_sum * rest for w in weights]
    counts = [b + int(s) for b, s in zip(base, shares, strict=True)]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _bisect(items: list[tuple[float, float, int]], parts: int) -> list[list[int]]:
    """Recursive coordinate bisection: `parts` compact groups of (nearly) equal size."""
    if parts <= 1:
        return [[i for _, _, i in items]]
    xs = [x for x, _, _ in items]
    ys = [y for _, y, _ in items]
    axis = (
        0
        if (max(xs, default=0) - min(xs, default=0)) >= (max(ys, default=0) - min(ys, default=0))
        else 1
    )
    ordered = sorted(items, key=lambda item: (item[axis], item[1 - axis], item[2]))
    left_parts = parts // 2
    cut = round(len(ordered) * left_parts / parts)
    return _bisect(ordered[:cut], left_parts) + _bisect(ordered[cut:], parts - left_parts)


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _category(outlet_type: str) -> str:
    if outlet_type in {"pharmacy", "clinic", "hospital", "village_clinic", "township_hospital"}:
        return "medical"
    if outlet_type in {"restaurant", "hotel", "industrial"}:
        return "catering"
    if outlet_type == "sub_wholesaler":
        return "wholesale"
    return "shop"


CHANNELS = {
    "grocery": "traditional",
    "restaurant": "catering",
    "hotel": "catering",
    "pharmacy": "medical",
    "clinic": "medical",
    "hospital": "medical",
    "village_clinic": "medical",
    "township_hospital": "medical",
    "sub_wholesaler": "wholesale",
    "industrial": "industrial",
}
HOURS = {  # (opens, closes) as HH:MM; 24-hour outlets are 00:00–23:59
    "convenience": ("07:00", "23:00"),
    "grocery": ("07:00", "21:30"),
    "supermarket": ("08:00", "22:00"),
    "restaurant": ("10:00", "21:30"),
    "hotel": ("00:00", "23:59"),
    "pharmacy": ("08:00", "22:00"),
    "clinic": ("08:00", "17:30"),
    "hospital": ("07:30", "17:00"),
    "township_hospital": ("07:30", "17:00"),
    "village_clinic": ("08:00", "17:00"),
    "sub_wholesaler": ("06:00", "18:00"),
    "industrial": ("07:30", "17:30"),
}
SIZE = {  # floor area m², staff
    "convenience": ((40, 120), (2, 6)),
    "grocery": ((15, 60), (1, 3)),
    "supermarket": ((200, 3000), (10, 80)),
    "restaurant": ((40, 400), (3, 30)),
    "hotel": ((500, 5000), (10, 80)),
    "pharmacy": ((40, 200), (2, 8)),
    "clinic": ((30, 200), (2, 10)),
    "hospital": ((2000, 20000), (50, 400)),
    "township_hospital": ((800, 5000), (20, 120)),
    "village_clinic": ((20, 80), (1, 3)),
    "sub_wholesaler": ((100, 800), (2, 10)),
    "industrial": ((1000, 20000), (50, 800)),
}


def _chinese_number(n: int) -> str:
    """二, 三 … 九十九: how branch numbers are written on shop signs."""
    digits = "零一二三四五六七八九"
    if n >= 100:
        return str(n)
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _time(text: str) -> datetime.time:
    return datetime.time(int(text[:2]), int(text[3:]))


class _OutletMaker:
    """Turns a place on a street into a named, described outlet."""

    def __init__(self, rng: random.Random, people: _Names):
        self.rng = rng
        self.people = people
        self.used_names: Counter[tuple[str, int]] = Counter()

    def outlet_type(self, street: Street) -> str:
        mix = vocab.OUTLET_MIX + (vocab.RURAL_MIX if street.villages else ())
        if street.school:  # students: more snacks, noodles and convenience stores
            mix = tuple((c, w * (1.5 if c in {"convenience", "restaurant"} else 1)) for c, w in mix)
        return _weighted(self.rng, mix)

    def name(self, outlet_type: str, street: Street, street_index: int) -> tuple[str, bool]:
        """A shop-sign name and whether it belongs to a chain."""
        rng = self.rng
        chains = vocab.CHAINS.get(outlet_type)
        if chains and rng.random() < vocab.CHAIN_SHARE.get(outlet_type, 0):
            chain = rng.choice(chains)
            self.used_names[(chain, street_index)] += 1
            branch = self.used_names[(chain, street_index)]
            # Further branches on the same street are numbered the way chains do: 文三路二店.
            suffix = "" if branch == 1 else _chinese_number(branch)
            return f"{chain}({street.name}{suffix}店)", True
        for _ in range(5):  # the same sign twice on one street would confuse the rep
            pattern = rng.choice(vocab.INDEPENDENT[outlet_type])
            name = pattern.format(
                w=rng.choice(vocab.SHOP_WORDS),
                s=rng.choice(vocab.SURNAMES),
                g=rng.choice(vocab.GIVEN_MALE + vocab.GIVEN_FEMALE),
                street=street.name.removesuffix("路").removesuffix("街") or street.name,
                village=rng.choice(street.villages) if street.villages else "",
            )
            if not self.used_names[(name, street_index)]:
                break
        self.used_names[(name, street_index)] += 1
        return name, False

    def describe(self, outlet: OutletPlan, street: Street, is_chain: bool) -> None:
        rng = self.rng
        kind = outlet.outlet_type
        category = _category(kind)
        outlet.channel = CHANNELS.get(kind) or ("modern" if is_chain else "traditional")
        opens, closes = HOURS[kind]
        round_the_clock = kind == "hotel" or (
            kind in {"convenience", "pharmacy"} and rng.random() < (0.35 if is_chain else 0.1)
        )
        if round_the_clock:
            opens, closes = "00:00", "23:59"
            outlet.tags.append(vocab.TAG_24H)
        outlet.opens_at, outlet.closes_at = _time(opens), _time(closes)
        (area_lo, area_hi), (staff_lo, staff_hi) = SIZE[kind]
        outlet.floor_area = round(rng.uniform(area_lo, area_hi), -1 if area_hi > 500 else 0)
        outlet.staff_count = rng.randint(staff_lo, staff_hi)
        outlet.years_in_business = 0 if rng.random() < 0.05 else rng.randint(1, 25)
        brands = vocab.BRANDS_BY_TYPE[category]
        outlet.brands = rng.sample(brands, k=min(len(brands), rng.randint(3, 8)))
        roll = rng.random()
        if roll < 0.7:
            outlet.phone = f"0571-8{rng.randrange(10**7):07d}"
        elif roll < 0.9:
            outlet.phone = self.people.mobile()
        if is_chain:
            outlet.tags.append(vocab.TAG_CHAIN)
        if kind in {"convenience", "grocery", "pharmacy", "clinic"} and rng.random() < 0.4:
            outlet.tags.append(vocab.TAG_COMMUNITY)
        if street.school and rng.random() < 0.6:
            outlet.tags.append(vocab.TAG_SCHOOL)
        if outlet.years_in_business == 0:
            outlet.tags.append(vocab.TAG_NEW)
        if rng.random() < 0.15:
            outlet.notes = rng.choice(vocab.OUTLET_NOTES)
        self._contacts(outlet, category)
        self._competitors(outlet)

    def _contacts(self, outlet: OutletPlan, category: str) -> None:
        rng = self.rng
        for i in range(rng.choices((1, 2, 3), weights=(5, 4, 1))[0]):
            role = _weighted(rng, vocab.CONTACT_ROLES[category])
            birthday, lunar = None, False
            if rng.random() < 0.4:
                lunar = rng.random() < 0.3  # older shop owners often keep the lunar birthday
                birthday = datetime.date(
                    rng.randint(1958, 2001), rng.randint(1, 12), rng.randint(1, 28)
                )
            outlet.contacts.append(
                ContactPlan(
                    name=self.people.person(),
                    role=role,
                    decision_role=rng.choice(vocab.DECISION_FOR_ROLE[role]),
                    mobile=self.people.mobile(),
                    birthday=birthday,
                    birthday_is_lunar=lunar,
                    interests="、".join(rng.sample(vocab.INTERESTS, k=rng.randint(0, 2))),
                    notes=rng.choice(vocab.CONTACT_NOTES) if rng.random() < 0.1 else "",
                    is_primary=i == 0,
                )
            )

    def _competitors(self, outlet: OutletPlan) -> None:
        rng = self.rng
        known = [b for b in outlet.brands if b in vocab.COMPETITOR_PRODUCTS]
        if not known or rng.random() < 0.4:
            return
        for brand in rng.sample(known, k=min(len(known), rng.randint(1, 2))):
            outlet.competitors.append(
                CompetitorPlan(
                    brand=brand,
                    products=vocab.COMPETITOR_PRODUCTS[brand],
                    satisfaction=rng.choice((None, 2, 3, 3, 4, 4, 5)),
                    competitor_rep=rng.choice(vocab.SURNAMES)
                    + rng.choice(vocab.COMPETITOR_REP_TITLES),
                    closeness=rng.choice(("distant", "normal", "normal", "close", "very_close")),
                )
            )


def _place(n: int, rng: random.Random, maker: _OutletMaker) -> list[OutletPlan]:
    """Put `n` outlets on the streets and describe them."""
    lengths = [geo.polyline_length_m(s.points) for s in STREETS]
    counts = _largest_remainder(
        [length * s.density for length, s in zip(lengths, STREETS, strict=True)], n
    )
    outlets = []
    for index, (street, count) in enumerate(zip(STREETS, counts, strict=True)):
        first, last = street.numbers
        used: Counter[tuple[int, int]] = Counter()
        for fraction in sorted(rng.random() for _ in range(count)):
            side = 1 if rng.random() < 0.5 else -1
            base = first + int(fraction * (last - first))
            number = base | 1 if side == 1 else max(2, base + (base & 1))
            used[(side, number)] += 1
            repeat = used[(side, number)]
            house = f"{number}-{repeat - 1}" if repeat > 1 else str(number)
            centre, direction = geo.point_along(street.points, fraction)
            lat, lng = geo.beside(centre, direction, side * rng.uniform(6, MAX_OFFSET_M))
            outlet = OutletPlan(
                name="",
                outlet_type=maker.outlet_type(street),
                channel="",
                district=street.district,
                address=f"{street.name} {house} 号",
                street=index,
                fraction=fraction,
                side=side,
                number=number,
                latitude=round(lat, 6),
                longitude=round(lng, 6),
                team=street.team,
            )
            outlet.name, is_chain = maker.name(outlet.outlet_type, street, index)
            maker.describe(outlet, street, is_chain)
            outlets.append(outlet)
    return outlets


def _people(reps: int, team_sizes: dict[str, int], names: _Names) -> list[PersonPlan]:
    """Logins: reps per team in proportion to the team's outlets, one supervisor per team."""
    if reps < len(TEAMS):
        raise ValueError(f"The demo company needs at least {len(TEAMS)} reps (one per team).")
    per_team = _largest_remainder([team_sizes.get(t.key, 0) for t in TEAMS], reps, minimum=1)
    width = max(2, len(str(reps)))
    people = []
    number = 0
    for team, count in zip(TEAMS, per_team, strict=True):
        for _ in range(count):
            number += 1
            people.append(
                PersonPlan(
                    f"rep{number:0{width}d}", names.person(), "rep", names.mobile(), team=team.key
                )
            )
    for i, team in enumerate(TEAMS, start=1):
        people.append(
            PersonPlan(f"sup{i:02d}", names.person(), "supervisor", names.mobile(), team=team.key)
        )
    for i, region in enumerate(MANAGED_REGIONS, start=1):
        people.append(
            PersonPlan(f"mgr{i:02d}", names.person(), "manager", names.mobile(), region=region)
        )
    people.append(PersonPlan("custodian", names.person(), "custodian", names.mobile()))
    people.append(PersonPlan("admin", "系统管理员", "admin", names.mobile()))
    return people


def _assign_owners(outlets: list[OutletPlan], reps_by_team: dict[str, list[str]]) -> None:
    by_team: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for i, outlet in enumerate(outlets):
        x, y = geo.to_xy((outlet.latitude, outlet.longitude), CITY_ORIGIN)
        by_team[outlet.team].append((x, y, i))
    for team, items in by_team.items():
        usernames = reps_by_team[team]
        areas = _bisect(items, len(usernames))

        # Number the areas north-west first so rep01 of a team works its north-west corner.
        def corner(area: list[int]) -> tuple[float, float]:
            return (
                -sum(outlets[i].latitude for i in area) / len(area),
                sum(outlets[i].longitude for i in area) / len(area),
            )

        for username, area in zip(usernames, sorted(areas, key=corner), strict=True):
            for i in area:
                outlets[i].owner = username


def _classify(outlets: list[OutletPlan], rng: random.Random) -> None:
    """Classes in exact shares (10 % key, 30 % ordinary, 60 % potential), status and ABC to match."""
    counts = _largest_remainder([share for _, share in CLASS_SHARES], len(outlets))
    classes = [
        code for (code, _), count in zip(CLASS_SHARES, counts, strict=True) for _ in range(count)
    ]
    rng.shuffle(classes)
    for outlet, code in zip(outlets, classes, strict=True):
        outlet.customer_class = code
        if code == "key":
            outlet.status = _weighted(rng, (("active", 95), ("dormant", 5)))
            outlet.abc_class = _weighted(rng, (("a", 8), ("b", 2)))
        elif code == "ordinary":
            outlet.status = _weighted(rng, (("active", 80), ("dormant", 12), ("lost", 8)))
            outlet.abc_class = _weighted(rng, (("b", 5), ("c", 5)))
        else:
            outlet.status = _weighted(rng, (("potential", 65), ("intent", 35)))
            outlet.abc_class = "c" if rng.random() < 0.5 else None


def _sources(outlets: list[OutletPlan], rng: random.Random) -> None:
    """Where each outlet came from; referrals point at an earlier customer of the same rep."""
    earlier: dict[str, list[int]] = defaultdict(list)
    for i, outlet in enumerate(outlets):
        source = _weighted(
            rng,
            (
                ("street_sweep", 55),
                ("referral", 15),
                ("directory", 8),
                ("fair", 7),
                ("web", 6),
                ("inbound", 6),
                ("other", 3),
            ),
        )
        mine = earlier[outlet.owner]
        if source == "referral":
            if mine:
                outlet.referred_by = rng.choice(mine[-50:])  # a neighbour the rep knows well
            else:
                source = "street_sweep"
        outlet.source = source
        mine.append(i)


# The README's walkthrough: "log in as rep01 and type lhcs" finds a 联华超市 of rep01's.
SHOWCASE_REP = "rep01"
SHOWCASE_CHAIN = "联华超市"
SHOWCASE_TYPES = ("supermarket", "convenience", "grocery")
SHOWCASE_CLASS_RANK = {"key": 0, "ordinary": 1, "potential": 2}


def _showcase(outlets: list[OutletPlan]) -> None:
    """Make sure the README's first suggestion finds something, at any size and seed.

    If rep01 owns no 联华超市 yet, the best-visited of their shops (key customers first, the
    earliest customer number among equals) becomes a 联华超市 branch named after its street,
    and it gets a competitor-file entry if it has none, so that opening it shows every part
    of the customer card. Nothing here draws from the random stream: the rest of the company
    is exactly what the seed makes.
    """
    mine = [(i, o) for i, o in enumerate(outlets) if o.owner == SHOWCASE_REP]
    if not mine or any(o.name.startswith(SHOWCASE_CHAIN) for _i, o in mine):
        return
    shops = [(i, o) for i, o in mine if o.outlet_type in SHOWCASE_TYPES] or mine
    _index, outlet = min(
        shops,
        key=lambda item: (
            item[1].outlet_type != "supermarket",
            SHOWCASE_CLASS_RANK.get(item[1].customer_class, 3),
            item[0],
        ),
    )
    street = STREETS[outlet.street].name
    taken = {o.name for o in outlets}
    branch = 1
    while True:
        suffix = "" if branch == 1 else _chinese_number(branch)
        name = f"{SHOWCASE_CHAIN}({street}{suffix}店)"
        if name not in taken:
            break
        branch += 1
    outlet.name = name
    outlet.outlet_type = "supermarket"
    outlet.channel = "modern"
    if vocab.TAG_CHAIN not in outlet.tags:
        outlet.tags.append(vocab.TAG_CHAIN)
    if not outlet.competitors:
        brand = next(
            (b for b in outlet.brands if b in vocab.COMPETITOR_PRODUCTS),
            next(iter(vocab.COMPETITOR_PRODUCTS)),
        )
        outlet.competitors.append(
            CompetitorPlan(
                brand=brand,
                products=vocab.COMPETITOR_PRODUCTS[brand],
                satisfaction=3,
                competitor_rep=vocab.SURNAMES[0] + vocab.COMPETITOR_REP_TITLES[0],
                closeness="normal",
            )
        )


def generate(
    *,
    outlets: int = 2000,
    reps: int = 18,
    seed: int = 42,
    now: datetime.datetime | None = None,
) -> DemoPlan:
    """The whole demo company for `outlets` outlets and `reps` reps, the same for the same seed."""
    if outlets < 1:
        raise ValueError("The demo needs at least one outlet.")
    rng = random.Random(seed)
    names = _Names(rng)
    maker = _OutletMaker(rng, names)
    placed = _place(outlets, rng, maker)
    # Mix the city up so customer numbers and creation dates do not follow the street list.
    rng.shuffle(placed)
    people = _people(reps, Counter(o.team for o in placed), names)
    plan = DemoPlan(people=people, outlets=placed)
    _assign_owners(placed, plan.reps_by_team())
    _classify(placed, rng)
    _sources(placed, rng)
    _showcase(placed)
    # Created over the last three years, in customer-number order.
    end = now or datetime.datetime.now(datetime.UTC)
    span = datetime.timedelta(days=3 * 365).total_seconds()
    moments = sorted(rng.uniform(0, span) for _ in placed)
    for outlet, seconds in zip(placed, moments, strict=True):
        outlet.created_at = end - datetime.timedelta(seconds=span - seconds + 86_400)
    return plan
