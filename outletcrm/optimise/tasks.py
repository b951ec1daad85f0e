"""Background work of the optimiser (django.tasks): one task runs one OptimisationJob.

The task takes the job's id and calls the service (services.job_run), which claims the job,
reports progress on it at most about once a second and stores the result or the error; pages
poll the job (htmx, every second) and the API reads it (GET /api/v1/optimise/jobs/<id>).
Outside tests the database backend queues the task: run `outletcrm db_worker` to work it off.
"""

from django.tasks import task

from outletcrm.optimise.services import job_run


@task()
def run_job(job_id: int) -> str:
    """Run the optimisation job `job_id` (design or territory) to its end."""
    return job_run(job_id=job_id)


@task()
def day_orders_task(day: str | None = None) -> dict:
    """The nightly job "day-orders" (settings.SCHEDULE, after "plans"): every rep's day of
    `day` searched ahead, so "optimise my day" in the morning needs no search."""
    from outletcrm.core.jobs import run_job
    from outletcrm.optimise.services import precompute_days

    return run_job("day-orders", day, precompute_days)
