"""Background work of the archive (django.tasks): a large import runs as one task."""

from django.tasks import task

from outletcrm.customers.import_jobs import import_job_run


@task()
def run_import(job_id: int) -> str:
    """Run the import job `job_id` (customers/import_jobs.py) to its end."""
    return import_job_run(job_id=job_id)
