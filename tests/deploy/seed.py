"""The integration test's company, made in the production database by `outletcrm shell`:
a supervisor and a rep of one team, the rep's 12 outlets within ~3 km (test_processes.py)."""

import json
from decimal import Decimal

from outletcrm.org.models import Role
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    customer_class,
)

HOME = (Decimal("30.270000"), Decimal("120.150000"))


def seed() -> None:
    region = RegionFactory(name="杭州办事处", code="hangzhou")
    team = TeamFactory(name="杭州一组", region=region)
    alice = UserFactory(username="alice", display_name="王丽", team=team)
    sup = UserFactory(username="sup", display_name="张主管", role=Role.SUPERVISOR, team=team)
    shops = []
    for i in range(12):
        code = "key" if i % 4 == 0 else ("ordinary" if i % 2 else "potential")
        shops.append(CustomerFactory(
            owner=alice, name=f"网点-{i:02d}", customer_class=customer_class(code),
            latitude=HOME[0] + Decimal(i % 4) * Decimal("0.006"),
            longitude=HOME[1] + Decimal(i // 4) * Decimal("0.008")))
    print(json.dumps({"password": PASSWORD, "alice": alice.pk, "sup": sup.pk,
                      "shop": shops[0].pk, "lat": str(shops[0].latitude),
                      "lng": str(shops[0].longitude)}))
