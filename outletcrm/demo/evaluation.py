"""The demo company's evaluation and dynamic classification (issue 8, items 5 and 6).

After the year of orders (outletcrm.demo.churn), a share of the active outlets gets the
hand-entered scores of the default model (management, technical service, marketing network,
as their reps would enter them), then the evaluation run scores every customer and proposes
class changes. Class changes wait for the supervisors' approval (the default), so `make demo`
shows scored customers (the panel on each customer's page, /evaluation/customers/<id>/) and
pending proposals in every supervisor's inbox (/evaluation/proposals/).
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from outletcrm.customers.choices import Status
from outletcrm.customers.models import Customer
from outletcrm.demo.services import require_demo_allowed
from outletcrm.evaluation.models import EvaluationRun, ManualValue
from outletcrm.evaluation.services import evaluate

MANUAL_KEYS = ("management_score", "tech_service_score", "network_score")


def evaluation_exists() -> bool:
    return EvaluationRun.objects.exists()


@transaction.atomic
def seed_evaluation(*, now: datetime.datetime | None = None, seed: int = 42) -> dict:
    """Hand-entered scores for 40 % of the active outlets, then the evaluation run."""
    require_demo_allowed()
    now = now or timezone.now()
    rng = random.Random(f"outletcrm-demo-evaluation-{seed}")
    active = list(Customer.objects.filter(status=Status.ACTIVE, archived_at__isnull=True)
                  .values_list("pk", "owner_id").order_by("pk"))
    values = [ManualValue(customer_id=pk, key=key, value=Decimal(rng.randint(3, 10)),
                          entered_by_id=owner)
              for pk, owner in active if rng.random() < 0.4 for key in MANUAL_KEYS]
    ManualValue.objects.bulk_create(values, ignore_conflicts=True)
    run = evaluate(day=timezone.localdate(now), full=True)
    return {"customers": run.customers, "proposed": run.proposed, "values": len(values)}
