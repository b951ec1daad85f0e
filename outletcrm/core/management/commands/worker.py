"""`outletcrm worker`: run queued background tasks for the configured TASK_BACKEND.

- database backend (default): django-tasks-db's `db_worker` (several may share the table);
- rq: RQ's worker through django-rq, with django-tasks-rq's job class (which runs
  `django.tasks` tasks); any number of workers on any number of machines read the same Redis.

`--burst` works off what is queued and exits (tests, cron). SIGTERM lets the current task end
(docs/deploy.md; systemd's stop timeout should cover the longest task).
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Run the background task worker of the configured TASK_BACKEND (database or rq)."

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="append", dest="queues", default=None,
                            help="queue to work (repeatable; default: default)")
        parser.add_argument("--burst", action="store_true",
                            help="work off the queued tasks, then exit")

    def handle(self, *args, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        queues = options["queues"] or ["default"]
        verbosity = options["verbosity"]
        if getattr(settings, "TASK_QUEUE_RQ", False):
            call_command("rqworker", *queues, job_class="django_tasks_rq.Job",
                         burst=options["burst"], with_scheduler=True, verbosity=verbosity)
        elif backend.startswith("django_tasks_db."):
            call_command("db_worker", queue_name=",".join(queues), batch=options["burst"],
                         reload=False, verbosity=verbosity)
        else:
            raise CommandError(_("TASK_BACKEND %(backend)s runs tasks where they are queued: "
                                 "there is no worker to start.") % {"backend": backend})
