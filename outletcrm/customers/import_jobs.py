"""Large imports in the background (issue 11, "Import at scale"), with a progress bar.

The import page keeps small files inline (the answer comes with the upload, as before). A file
of more than IMPORT_INLINE_ROWS rows is stored in the media storage, an ImportJob is created
and its django.tasks task queued (`customers.tasks.run_import`, taking the job's id, like the
optimiser's jobs); the task calls `import_job_run`, which runs the very same
`importexport.import_customers`, writes its stage and progress on the job at most once a
second (outside the import's write transaction, so the page sees it move), and stores the
result for the page. The upload is deleted once read; the rejected rows are kept like an
inline import's (imports/<user>/<token>.xlsx, a day).
"""

import datetime
import io
import logging
import secrets
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from outletcrm.customers import importexport
from outletcrm.customers.dedupe import DuplicateMatch
from outletcrm.customers.models import ImportJob

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S = 1.0
# Where each stage sits on the bar (reading the workbook, checking rows, writing).
STAGES = {"reading": (0.0, 0.25), "checking": (0.25, 0.6), "writing": (0.85, 0.15)}
ERROR_UNEXPECTED = gettext_noop("The import failed unexpectedly; nothing was imported. "
                                "Try again, or tell your system administrator.")


def import_start(*, actor, fileobj, filename: str, skip_invalid: bool,
                 channel: str = "web") -> ImportJob:
    """Store the upload and queue its import; call outside any transaction."""
    from outletcrm.customers.tasks import run_import

    data = importexport._read_bytes(fileobj, filename)
    upload = default_storage.save(f"imports/{actor.pk}/upload-{secrets.token_urlsafe(18)}.xlsx",
                                  ContentFile(data))
    job = ImportJob.objects.create(created_by=actor, filename=filename[:200],
                                   skip_invalid=skip_invalid, channel=channel, upload=upload,
                                   language=translation.get_language() or "")
    try:
        run_import.enqueue(job.pk)
    except Exception as exc:  # noqa: BLE001 - any backend failure is reported on the job
        logger.exception("could not queue import job %s", job.pk)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now())
    job.refresh_from_db()
    return job


class _Progress:
    """The import's progress callback, written to the job at most once a second."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0
        self.shown = 0.0

    def __call__(self, stage: str, done: float) -> None:
        offset, share = STAGES[stage]
        value = max(self.shown, offset + share * min(max(done, 0.0), 1.0))
        now = time.monotonic()
        if done > 0 and now - self.last < PROGRESS_EVERY_S:
            return
        self.shown, self.last = value, now
        ImportJob.objects.filter(pk=self.job_id).update(stage=stage, progress=round(value, 3))


def result_payload(result: importexport.ImportResult) -> dict:
    """The result as the job keeps it (JSON)."""
    return {
        "ok": result.ok, "created_count": result.created_count,
        "errors": [vars(e) for e in result.errors],
        "duplicates": [{"row": d.row, "matches": [vars(m) for m in d.matches]}
                       for d in result.duplicates],
        "error_count": result.error_count, "duplicate_count": result.duplicate_count,
        "rejected_count": result.rejected_count,
    }


def job_result(job: ImportJob) -> importexport.ImportResult:
    """The stored result of a finished job, as import_customers returned it."""
    data = job.result
    return importexport.ImportResult(
        ok=data["ok"], created_count=data["created_count"],
        errors=[importexport.RowError(**e) for e in data["errors"]],
        duplicates=[importexport.RowDuplicate(row=d["row"], matches=[
            DuplicateMatch(**m) for m in d["matches"]]) for d in data["duplicates"]],
        rejected_workbook=None, error_count=data["error_count"],
        duplicate_count=data["duplicate_count"], rejected_count=data["rejected_count"])


def import_job_run(*, job_id: int) -> str:
    """Run a queued import (the task's body). Claiming is one conditional UPDATE, so a job
    queued twice runs once."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), progress=0.0)
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    error = ""
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            with default_storage.open(job.upload, "rb") as stored:
                data = stored.read()
            result = importexport.import_customers(
                actor=job.created_by, fileobj=io.BytesIO(data), filename=job.filename,
                skip_invalid=job.skip_invalid, channel=job.channel, progress=_Progress(job.pk))
    except importexport.ImportFileError as exc:
        error = str(exc)
    except Exception:  # noqa: BLE001 - the job must end as failed, with the cause in the log
        logger.exception("import job %s failed", job_id)
        error = ERROR_UNEXPECTED
    finally:
        if job.upload:
            default_storage.delete(job.upload)
    if error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, error=error, upload="", finished_at=timezone.now())
        return ImportJob.Status.FAILED
    token = ""
    if result.rejected_workbook:
        token = secrets.token_urlsafe(24)
        default_storage.save(f"imports/{job.created_by_id}/{token}.xlsx",
                             ContentFile(result.rejected_workbook))
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE, progress=1.0, result=result_payload(result), upload="",
        rejected_token=token, finished_at=timezone.now())
    return ImportJob.Status.DONE


def job_error(job: ImportJob) -> str:
    """The job's error in the reader's language (our own message is stored as its msgid)."""
    if job.error == ERROR_UNEXPECTED:
        return translation.gettext(ERROR_UNEXPECTED)
    return job.error


def job_is_stale(job: ImportJob) -> bool:
    """Running far longer than any import takes: its worker was probably stopped."""
    start = job.started_at or job.created_at
    return (not job.is_finished
            and timezone.now() - start > datetime.timedelta(minutes=30))
