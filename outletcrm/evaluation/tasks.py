"""Background work of evaluation: the nightly run (settings.SCHEDULE "evaluation")."""

from django.tasks import task

from outletcrm.core.jobs import run_job
from outletcrm.evaluation.services import evaluate


def evaluation_job(day) -> dict:
    """Score every customer with the model in use and propose class changes (idempotent: a
    second run the same day finds the proposals made and changes nothing)."""
    run = evaluate(day=day, full=True)
    return {"customers": run.customers, "proposed": run.proposed, "applied": run.applied,
            "withdrawn": run.withdrawn, "seconds": run.seconds}


@task()
def evaluation_task(day: str | None = None) -> dict:
    return run_job("evaluation", day, evaluation_job)
