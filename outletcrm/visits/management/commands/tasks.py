"""`outletcrm tasks` — the to-do list from the command line (issue 9, item 6).

    outletcrm tasks --as alice [--due overdue|today|week] [--kind care_birthday] [--q 联华]
    outletcrm tasks done 42 --as alice --action call --outcome "老板说下周进货"
    outletcrm tasks postpone 42 --as alice --to 2027-01-08 --reason "客户出差"

The same selectors and services as the web list and the API. Listing without --as shows the
whole company (the server operator); `--as USERNAME` applies that user's scope, and completing
or postponing always needs --as: someone must be the one who did it. A task outside the user's
scope is "not found", exactly like a task that does not exist.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone

from outletcrm.core import params, scoping
from outletcrm.org.models import User
from outletcrm.visits import selectors, services
from outletcrm.visits.choices import DoneAction, task_kind_choices
from outletcrm.visits.selectors import TASK_DUE_FILTERS, TASK_STATUSES, company_viewer
from outletcrm.visits.sync import task_json

LIST_LIMIT = 500


def _errors(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return "; ".join(f"--{key}: {' '.join(messages)}" if key != "__all__" else " ".join(messages)
                     for key, messages in exc.message_dict.items())


class Command(BaseCommand):
    help = "List the to-do list in a user's scope; complete or postpone a task."

    def add_arguments(self, parser):
        parser.add_argument("command", nargs="?", choices=("list", "done", "postpone"),
                            default="list", help="list (default), done or postpone")
        parser.add_argument("task", nargs="?", help="the task's id (done, postpone)")
        parser.add_argument("--as", dest="as_user",
                            help="act as this user and apply their data scope")
        parser.add_argument("--due", choices=TASK_DUE_FILTERS)
        parser.add_argument("--kind", help="one kind of task: "
                                           + ", ".join(v for v, _label in task_kind_choices()))
        parser.add_argument("--rep", help="one rep's tasks (username or id)")
        parser.add_argument("--q", help="customer name or code, or the task's text")
        parser.add_argument("--status", choices=TASK_STATUSES, default="open")
        parser.add_argument("--escalated", action="store_true", help="only escalated tasks")
        parser.add_argument("--format", choices=("table", "json"), default="table")
        parser.add_argument("--action", dest="done_action", choices=DoneAction.values,
                            help="done: what was done")
        parser.add_argument("--outcome", default="", help="done: how it went")
        parser.add_argument("--to", dest="to_date", help="postpone: the new due date")
        parser.add_argument("--reason", default="", help="postpone: why")

    def handle(self, *args, **options):
        user = self._user(options["as_user"])
        if options["command"] == "list":
            return self._list(user, options)
        if user is None:
            raise CommandError(f"tasks {options['command']}: say who does it with --as USERNAME")
        task = self._task(user, options["task"])
        try:
            if options["command"] == "done":
                task = services.task_complete(actor=user, task=task,
                                              action=options["done_action"],
                                              outcome=options["outcome"])
                self.stdout.write(f"done: #{task.pk} {task.title_text}"
                                  + (f" · {task.get_done_action_display()}"
                                     if task.done_action else "")
                                  + (f" · {task.outcome}" if task.outcome else ""))
            else:
                task = services.task_postpone(actor=user, task=task, due_date=options["to_date"],
                                              reason=options["reason"])
                self.stdout.write(f"postponed: #{task.pk} {task.title_text} → {task.due_date}")
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        return None

    def _user(self, username):
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as: no active user “{username}”")
        return user

    def _task(self, user, raw):
        try:
            pk = params.parse_id(raw, field="task")
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from exc
        if pk is None:
            raise CommandError("say which task: outletcrm tasks done ID --as USERNAME")
        try:
            return selectors.task_get(user=user, pk=pk)
        except Http404:
            raise CommandError(f"task #{pk}: not found or outside the data scope") from None

    def _list(self, user, options):
        viewer = user or company_viewer()
        rep = None
        if options["rep"]:
            reps = scoping.reps_in_scope(viewer)
            rep = (reps.filter(pk=int(options["rep"])).first() if options["rep"].isdigit()
                   else reps.filter(username=options["rep"]).first())
            if rep is None:
                raise CommandError(f"--rep {options['rep']}: not found or outside the data scope")
        try:
            tasks = selectors.task_list(user=viewer, rep=rep, status=options["status"],
                                        kind=options["kind"], due=options["due"], q=options["q"],
                                        escalated=True if options["escalated"] else None)
            total = tasks.count()
            shown = list(tasks[:LIST_LIMIT])
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from exc
        today = timezone.localdate()
        if options["format"] == "json":
            self.stdout.write(json.dumps({"count": total,
                                          "results": [task_json(t, today) for t in shown]},
                                         ensure_ascii=False, indent=2))
            return
        rows = [["id", "due", "", "kind", "rep", "customer", "task"]]
        for task in shown:
            flag = ("done" if task.done_at else "OVERDUE" if task.due_date < today
                    else "today" if task.due_date == today else "")
            if task.escalated_at and not task.done_at:
                flag += " ↑"
            rows.append([str(task.pk), task.due_date.isoformat(), flag, task.kind,
                         task.rep.username, task.customer.name if task.customer_id else "—",
                         task.title_text])
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            self.stdout.write("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)),
                                         row[-1]]).rstrip())
        more = f" (the first {LIST_LIMIT} shown)" if total > LIST_LIMIT else ""
        self.stdout.write(f"\n{total} task(s){more}; ↑ = escalated to the supervisor")
