"""`outletcrm serve`: the production web server (gunicorn), docs/deploy.md.

    outletcrm serve [--bind HOST:PORT] [--workers N] [--threads N] [--server gunicorn|granian]

gunicorn runs the WSGI app with N worker processes (default 2 × cores + 1, gunicorn's own
advice; SERVE_WORKERS overrides) behind nginx (deploy/nginx-outletcrm.conf). Static files come
from WhiteNoise (compressed, hashed names: run `outletcrm collectstatic --noinput` after each
upgrade; `serve` refuses to start without the manifest in production rather than answer every
page with an error). The process is replaced by gunicorn's master, so systemd's signals reach
it directly: SIGHUP reloads the workers gracefully, SIGTERM stops.

`--server granian` (SERVE_SERVER) runs the same WSGI app under granian (Rust HTTP server, the
same number of worker processes, `--threads` blocking threads each) instead. gunicorn is the
default: on the morning load test (bench/morning_bench.py --fair, bench/results/servers.md)
both used the same CPU per request within a few per cent (gunicorn slightly less), and only
gunicorn's access log is the app's JSON with the request id.
"""

import importlib.util
import os
import shutil
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


def default_workers() -> int:
    env = os.environ.get("SERVE_WORKERS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return 2 * (os.cpu_count() or 1) + 1


SERVERS = ("gunicorn", "granian")
# The default, chosen on the morning load test (bench/results/servers.md, docs/deploy.md).
DEFAULT_SERVER = "gunicorn"


def granian_argv(*, bind: str, workers: int, threads: int) -> list[str]:
    if bind.startswith("unix:"):
        where = ["--uds", bind.removeprefix("unix:")]
    else:
        host, _colon, port = bind.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(_("--bind takes HOST:PORT or unix:/path."))
        where = ["--host", host.strip("[]"), "--port", port]
    return [sys.executable, "-m", "granian", "--interface", "wsgi", *where,
            "--workers", str(workers), "--blocking-threads", str(threads),
            "--respawn-failed-workers", "--access-log", "--no-ws",
            "outletcrm.wsgi:application"]


def gunicorn_argv(*, bind: str, workers: int, threads: int) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:outletcrm.core.gunicorn_conf",
            "--bind", bind, "--workers", str(workers)]
    if threads > 1:
        argv += ["--threads", str(threads), "--worker-class", "gthread"]
    return argv


class Command(BaseCommand):
    help = "Run the production web server (gunicorn with WhiteNoise for static files)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("SERVE_BIND", "127.0.0.1:8000"),
                            help="HOST:PORT or unix:/path (default 127.0.0.1:8000, SERVE_BIND)")
        parser.add_argument("--workers", type=int, default=None,
                            help="worker processes (default 2 × cores + 1, SERVE_WORKERS)")
        parser.add_argument("--threads", type=int,
                            default=int(os.environ.get("SERVE_THREADS", "1") or 1),
                            help="threads per worker (default 1, SERVE_THREADS)")
        parser.add_argument("--server", default=os.environ.get("SERVE_SERVER") or DEFAULT_SERVER,
                            help=f"gunicorn or granian (default {DEFAULT_SERVER}, SERVE_SERVER)")
        parser.add_argument("--check-only", action="store_true",
                            help="print the server's command and exit")

    def handle(self, *args, **options):
        server = options["server"]
        if server not in SERVERS:
            raise CommandError(_("--server must be gunicorn or granian, not “%(server)s”.")
                               % {"server": server})
        if server == "granian" and importlib.util.find_spec("granian") is None:
            raise CommandError(_("granian is not installed: pip install granian, or use "
                                 "--server gunicorn."))
        workers = options["workers"] or default_workers()
        if workers < 1 or options["threads"] < 1:
            raise CommandError(_("--workers and --threads must be at least 1."))
        storage = settings.STORAGES["staticfiles"]["BACKEND"]
        if "Manifest" in storage:
            manifest = os.path.join(settings.STATIC_ROOT, "staticfiles.json")
            if not os.path.isfile(manifest):
                raise CommandError(_("Static files are not collected: run “outletcrm "
                                     "collectstatic --noinput” first."))
        build = granian_argv if server == "granian" else gunicorn_argv
        argv = build(bind=options["bind"], workers=workers, threads=options["threads"])
        if options["check_only"]:
            self.stdout.write(" ".join(argv))
            return
        if not shutil.which(sys.executable):
            raise CommandError(sys.executable)
        self.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter, fixed arguments
