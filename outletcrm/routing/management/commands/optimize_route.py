"""`outletcrm optimize-route --instance FILE`: solve a VRPLIB/Solomon instance and print routes."""

import json

from django.core.management.base import BaseCommand, CommandError

from outletcrm.routing.vrplib_io import InstanceError, solve_file


class Command(BaseCommand):
    """Thin wrapper over ``vrplib_io.solve_file``; the same engine serves the app (issue 4)."""

    help = (
        "Solve a VRPLIB / Solomon-format CVRPTW instance (DIMACS convention: distances truncated "
        "to one decimal, total distance minimised) and print the routes with customer numbers "
        "as in the file's .sol convention, the vehicle count and the total distance."
    )

    def add_arguments(self, parser):
        """Declare --instance, --seconds, --seed and --format."""
        parser.add_argument("--instance", required=True, help="path to a .vrp file")
        parser.add_argument("--seconds", type=float, default=10.0, help="time budget (default 10)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        """Solve and print; a bad file becomes a CommandError (message on stderr, exit 1)."""
        if options["seconds"] <= 0:
            raise CommandError("--seconds must be positive")
        try:
            result = solve_file(
                options["instance"], seconds=options["seconds"], seed=options["seed"]
            )
        except InstanceError as exc:
            raise CommandError(f"bad instance file: {exc}") from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.to_dict(), indent=2))
        else:
            self.stdout.write(result.to_text())
        if not result.feasible:
            raise CommandError("no feasible solution found within the time budget")
