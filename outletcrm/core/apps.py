from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "outletcrm.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.urls import register_converter

        from outletcrm.core import checks, lookups  # noqa: F401  (checks registers itself)
        from outletcrm.core.params import IdConverter

        # `<id:pk>` in page URLs: an id that fits the database, else the URL does not match.
        register_converter(IdConverter, "id")
        # Relation and `__in` lookups answer "no match" to an integer beyond the column.
        lookups.register()

        from django.db.models import fields

        # Django 6.1 labels an empty choice "- Select an option -", which its own catalogue
        # does not translate yet; Django lets an app's ready() replace the label.
        fields.BLANK_CHOICE_LABEL = _("Choose…")

        # The company calendar is cached per process (core.workcal): any change clears it.
        from django.db.models.signals import post_delete, post_save

        from outletcrm.core import workcal
        from outletcrm.core.models import CalendarDay, CalendarYear

        for model in (CalendarDay, CalendarYear):
            post_save.connect(workcal.invalidate, sender=model, dispatch_uid=f"workcal-{model}")
            post_delete.connect(workcal.invalidate, sender=model,
                                dispatch_uid=f"workcal-del-{model}")

        # The database backend's worker tells no one which task it runs: core.jobs notes it
        # (a run keeps its task id so the reaper can find a killed worker's run).
        from django.tasks.signals import task_finished, task_started

        from outletcrm.core import jobs

        task_started.connect(jobs.note_task_started, dispatch_uid="jobs-task-started")
        task_finished.connect(jobs.note_task_finished, dispatch_uid="jobs-task-finished")

        # The access log writes a request's rows when the request finishes (core.accesslog):
        # connect its request signals before the first request.
        from outletcrm.core import accesslog  # noqa: F401
