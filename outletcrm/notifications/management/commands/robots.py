"""`outletcrm robots list | add | disable ID | enable ID | remove ID | test ID`: group robots.

    outletcrm robots add --name 杭州一组群 --kind dingtalk --team 3 \\
        --url 'https://oapi.dingtalk.com/robot/send?access_token=…' --secret-stdin < secret.txt

The secret is read from standard input (never from the command line, where it would stay in
the shell's history and the process list) and never printed. `test` sends a message now and
says what the robot answered.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.notifications import channels, services
from outletcrm.notifications.models import Notification, RobotChannel
from outletcrm.org.models import Team


class Command(BaseCommand):
    help = "List, add, switch off, remove or test WeCom/DingTalk group robots."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="list the robots (secrets are not shown)")
        add = sub.add_parser("add", help="add a robot")
        add.add_argument("--name", required=True)
        add.add_argument("--kind", required=True, choices=[k for k, _l in
                                                          RobotChannel.Kind.choices])
        add.add_argument("--url", required=True, help="the webhook address (https://…)")
        add.add_argument("--team", type=int, help="team id; without it, the company-wide robot")
        add.add_argument("--secret-stdin", action="store_true",
                         help="read DingTalk's signing secret (加签) from standard input")
        for action in ("enable", "disable", "remove", "test"):
            sub.add_parser(action).add_argument("id", type=int)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            return self._list()
        if action == "add":
            return self._add(options)
        robot = RobotChannel.objects.filter(pk=options["id"]).first()
        if robot is None:
            raise CommandError(_("No robot with id %(id)s.") % {"id": options["id"]})
        if action in ("enable", "disable"):
            robot.active = action == "enable"
            services.robot_save(robot=robot)
            self.stdout.write(_("%(name)s: active") % {"name": robot.name} if robot.active
                              else _("%(name)s: switched off") % {"name": robot.name})
        elif action == "remove":
            robot.delete()
            self.stdout.write(_("%(name)s: removed") % {"name": robot.name})
        else:
            self._test(robot)
        return None

    def _list(self):
        for robot in RobotChannel.objects.select_related("team"):
            self.stdout.write("\t".join([
                str(robot.pk), robot.name, robot.get_kind_display(),
                str(robot.team) if robot.team else _("company-wide"),
                _("active") if robot.active else _("off"),
                _("signed") if robot.secret else "", robot.url.split("?")[0]]))

    def _add(self, options):
        team = None
        if options["team"] is not None:
            team = Team.objects.filter(pk=options["team"]).first()
            if team is None:
                raise CommandError(_("No team with id %(id)s.") % {"id": options["team"]})
        secret = sys.stdin.readline().strip() if options["secret_stdin"] else ""
        robot = RobotChannel(name=options["name"], kind=options["kind"], url=options["url"],
                             team=team)
        try:
            services.robot_save(robot=robot, secret=secret)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(_("Robot %(id)s added: %(name)s") % {"id": robot.pk,
                                                             "name": robot.name})

    def _test(self, robot):
        # Not stored: a test message is not a notification anyone should find in the centre.
        sample = Notification(kind="test", link="/notifications/")
        sample.title = str(gettext_lazy("Test message from OutletCRM"))
        sample.title_message = {"msgid": "Test message from OutletCRM"}

        class Nobody:
            mobile = ""

            def __str__(self):
                return robot.name

        try:
            channels.send_robot(robot, sample, Nobody(), channels.settings.LANGUAGE_CODE)
        except channels.DeliveryError as exc:
            raise CommandError(_("The robot refused: %(error)s") % {"error": exc}) from exc
        self.stdout.write(_("Sent: the robot answered ok."))
